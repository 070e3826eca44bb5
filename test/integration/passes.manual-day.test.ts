// Manual passes keep the exam centre's day (TIMEZONE), not UTC's: 23:59 and 00:01 local are two days even on one
// UTC date, and 00:01 and 05:01 local are one day across UTC's midnight (SQLite and PostgreSQL, the app's clock).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import { insertStudents } from '../helpers/schedule.js';
import type { PassAnswerJson } from '../helpers/answers.js';

let engine: FaceEngine;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
});

after(async () => {
  await engine?.close();
});

for (const kind of databaseKinds) {
  test(`${kind.name}: manual passes at 23:59 and 00:01 in Asia/Tashkent are two local days (the second is ok), 00:01 and 05:01 one`, async () => {
    const tdb = await kind.make();
    let now = new Date('2026-06-10T18:59:00Z'); // 23:59 on the 10th in Tashkent (UTC+5)
    const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' }, () => now);
    try {
      const [id] = await insertStudents(t.db, [{ matricula: '0042', lastname: 'Полночная', firstname: 'Нилуфар', group: 'ФИ-11' }]);
      const manual = async () => {
        const r = await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: id, station: 'Дверь 1' } });
        assert.equal(r.statusCode, 200, r.body);
        return r.json<PassAnswerJson>();
      };

      const late = await manual();
      assert.equal(late.status, 'ok');
      assert.deepEqual([late.pass.date, late.pass.time, late.pass.source], ['2026-06-10', '23:59:00', 'manual']);
      now = new Date('2026-06-10T18:59:40Z');
      assert.equal((await manual()).status, 'already_passed', 'the same local day');

      now = new Date('2026-06-10T19:01:00Z'); // 00:01 on the 11th in Tashkent, still the 10th in UTC
      const early = await manual();
      assert.equal(early.status, 'ok', 'a new local day: a new first pass, not already_passed');
      assert.deepEqual([early.pass.date, early.pass.time], ['2026-06-11', '00:01:00']);
      assert.notEqual(early.pass.id, late.pass.id);

      now = new Date('2026-06-11T00:01:00Z'); // 05:01 on the 11th in Tashkent, the 11th in UTC too: UTC's midnight in between
      const morning = await manual();
      assert.equal(morning.status, 'already_passed', 'still the 11th in Tashkent');
      assert.equal(morning.first_pass_time, '00:01:00');
      assert.equal(morning.pass.id, early.pass.id);

      const rows = await t.db.selectFrom('passes').select(['pass_date', 'source']).orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => [r.pass_date, r.source]),
        [
          ['2026-06-10', 'manual'],
          ['2026-06-11', 'manual'],
        ],
      );
      // «Today» on the station is the local day too: only the 00:01 pass.
      const recent = await t.app.inject({ method: 'GET', url: '/api/passes/recent' });
      assert.deepEqual(
        recent.json<{ date: string; passes: { id: number }[] }>().passes.map((p) => p.id),
        [early.pass.id],
      );
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}
