// Retention (issue 27), on SQLite and PostgreSQL: the sweep deletes exactly what is older than each setting — a
// record a minute past the limit goes, one a minute inside stays; 0 keeps for ever; /admin/retention shows what the
// next sweep will delete and the last one's counts; the daily job sweeps on its own and records it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, STATION_TOKEN, startApp } from '../helpers/app.js';
import { insertStudents } from '../helpers/schedule.js';
import { sweepRetention, retentionDue, lastSweep } from '../../src/retention/sweep.js';
import { startRetention } from '../../src/retention/daily.js';

const DAY = 86_400_000;
const MIN = 60_000;
const NOW = new Date('2026-12-06T10:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

for (const kind of databaseKinds) {
  test(`${kind.name}: the sweep deletes exactly what is older than RETENTION_DAYS_*; the admin sees the next sweep's counts first`, async () => {
    const tdb = await kind.make();
    const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
    const t = await startApp(tdb, engine, { RETENTION_DAYS_ATTEMPTS: '90', RETENTION_DAYS_ADDED_FRAMES: '30', RETENTION_DAYS_PASSES: '365' }, () => NOW);
    try {
      const [s1, s2] = await insertStudents(t.db, [
        { matricula: '1', lastname: 'Иванова', firstname: 'Анна', group: 'А' },
        { matricula: '2', lastname: 'Петров', firstname: 'Борис', group: 'А' },
      ]);
      // Attempts: 90 days + 1 minute (goes), 90 days − 1 minute (stays), yesterday (stays).
      const attempt = (ts: string) => ({
        timestamp: ts,
        status: 'not_found',
        student_id: s1!,
        distance: null,
        second_distance: null,
        faces: 1,
        source: 'camera',
        station: null,
        duration_ms: 10,
      });
      await t.db
        .insertInto('attempts')
        .values([attempt(ago(90 * DAY + MIN)), attempt(ago(90 * DAY - MIN)), attempt(ago(DAY))])
        .execute();
      // Added photos: the frame of a 31-day-old one is cleared (its face stays), a 29-day-old one keeps it.
      const face = (added_at: string, source: Uint8Array | null) => ({
        student_id: s1!,
        embedding: new Uint8Array(16),
        embedding_model: 'intel',
        photo: new Uint8Array([1, 2, 3]),
        source,
        face_quality: null,
        added_at,
        added_by: 'Вход 1',
        pass_id: null,
      });
      await t.db
        .insertInto('student_faces')
        .values([face(ago(31 * DAY), new Uint8Array([9, 9, 9])), face(ago(29 * DAY), new Uint8Array([8, 8, 8])), face(ago(40 * DAY), null)])
        .execute();
      // Passes: 365 days + 1 minute (goes; the photo added after it stays, without the pass), 364 days (stays).
      const pass = (student_id: number, ts: string) => ({
        student_id,
        timestamp: ts,
        pass_date: ts.slice(0, 10),
        source: 'camera',
        station: null,
        distance: 0.5,
      });
      const old = await t.db
        .insertInto('passes')
        .values(pass(s1!, ago(365 * DAY + MIN)))
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto('passes')
        .values(pass(s2!, ago(364 * DAY)))
        .execute();
      await t.db
        .updateTable('student_faces')
        .set({ pass_id: old.id })
        .where('added_at', '=', ago(29 * DAY))
        .execute();

      // What the next sweep would delete, before it runs (the admin page), also at a later time.
      assert.deepEqual(await retentionDue(t.db, t.ctx.config.retention, NOW), { attempts: 1, added_frames: 1, passes: 1 });
      assert.deepEqual(await retentionDue(t.db, t.ctx.config.retention, new Date(NOW.getTime() + 2 * MIN)), { attempts: 2, added_frames: 1, passes: 1 });
      const shown = await t.app.inject({ method: 'GET', url: '/admin/retention', headers: { 'x-admin-token': ADMIN_TOKEN } });
      assert.equal(shown.statusCode, 200, shown.body);
      const view = shown.json<{ policy: { attempts_days: number }; next: { attempts: number }; last_sweep: unknown; next_sweep_at: string }>();
      assert.equal(view.policy.attempts_days, 90);
      assert.equal(view.last_sweep, null);
      assert.equal(view.next_sweep_at, new Date(NOW.getTime() + DAY).toISOString(), 'no daily job in this app: a day from now');
      assert.ok(view.next.attempts >= 2, 'a day later, the attempt 90 days − 1 minute old is due as well');
      assert.equal((await t.anon({ method: 'GET', url: '/admin/retention', headers: { 'x-station-token': STATION_TOKEN } })).statusCode, 401);

      const swept = await sweepRetention(t.db, t.ctx.config.retention, NOW);
      assert.deepEqual(swept, { attempts: 1, added_frames: 1, passes: 1 });
      assert.deepEqual(
        (await t.db.selectFrom('attempts').select('timestamp').orderBy('timestamp').execute()).map((r) => new Date(r.timestamp).toISOString()),
        [ago(90 * DAY - MIN), ago(DAY)],
      );
      const faces = await t.db.selectFrom('student_faces').select(['added_at', 'source', 'photo', 'pass_id']).orderBy('added_at').execute();
      assert.deepEqual(
        faces.map((f) => [new Date(f.added_at).toISOString(), f.source === null, f.photo.length, f.pass_id]),
        [
          [ago(40 * DAY), true, 3, null],
          [ago(31 * DAY), true, 3, null],
          [ago(29 * DAY), false, 3, null],
        ],
        'frames older than 30 days cleared, the faces kept; the pass a photo came after is gone',
      );
      assert.deepEqual(
        (await t.db.selectFrom('passes').select('student_id').execute()).map((p) => p.student_id),
        [s2],
      );
      assert.deepEqual(await sweepRetention(t.db, t.ctx.config.retention, NOW), { attempts: 0, added_frames: 0, passes: 0 }, 'a second sweep finds nothing');
      // 0 days: kept for ever.
      assert.deepEqual(await sweepRetention(t.db, { attemptsDays: 0, addedFramesDays: 0, passesDays: 0 }, new Date(NOW.getTime() + 10_000 * DAY)), {
        attempts: 0,
        added_frames: 0,
        passes: 0,
      });

      // The daily job: it sweeps on its own, records the sweep, and says when the next one is.
      await t.db
        .insertInto('attempts')
        .values(attempt(ago(200 * DAY)))
        .execute();
      const seen: number[] = [];
      const job = startRetention(
        t.db,
        t.ctx.config.retention,
        () => NOW,
        (c) => void seen.push(c.attempts),
        (e) => assert.fail(String(e)),
        { firstAfterMs: 10 },
      );
      try {
        for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(seen, [1]);
        const last = await lastSweep(t.db);
        assert.deepEqual([last?.at, last?.attempts], [NOW.toISOString(), 1]);
      } finally {
        job.stop();
      }
    } finally {
      await t.close();
      await tdb.drop();
      await engine.close();
    }
  });
}
