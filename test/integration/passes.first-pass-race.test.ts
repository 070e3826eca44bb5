// recordFirstPass called directly by 20 connections at once (SQLite and PostgreSQL), for one day and for one exam
// sitting: one row, one `created`, no errors — the unique keys decide, not a check before the insert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, type Db } from '../../src/db/index.js';
import { recordFirstPass, type PassInsert } from '../../src/passes/repository.js';
import { databaseKinds, PG_ADMIN_URL } from '../helpers/db.js';

/** Simultaneous writers; createDb's pg pool has no size option (max 10), so every writer gets its own Db. */
const N = 20;

async function addStudent(db: Db): Promise<number> {
  const now = new Date().toISOString();
  const row = await db
    .insertInto('students')
    .values({
      matricula: '00777',
      lastname: 'Race',
      firstname: 'Test',
      lotin: null,
      short: null,
      group: null,
      identifier: null,
      date_of_birth: null,
      passport_number: null,
      file_path: null,
      embedding: new Uint8Array(512),
      face_quality: null,
      face_score: 0.9,
      face_width: 120,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Kysely's destroy() resolves before pg's sockets have said goodbye (pg-pool ends its clients without
 * waiting); a forced drop right then kills live backends and their clients throw. Wait for them to go.
 */
async function disconnected(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    for (let i = 0; i < 250; i++) {
      const r = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [new URL(url).pathname.slice(1)]);
      if (r.rows[0]!.n === 0) return;
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    await admin.end();
  }
}

/** N warm connections of their own (PostgreSQL: N server backends) and one student; dropped afterwards. */
async function withWriters(kind: (typeof databaseKinds)[number], fn: (dbs: Db[], studentId: number) => Promise<void>): Promise<void> {
  const tdb = await kind.make();
  const dbs: Db[] = [];
  try {
    // One after the other: the first migrates, the others find the schema up to date.
    for (let i = 0; i < N; i++) dbs.push(await createDb(tdb.config));
    const studentId = await addStudent(dbs[0]!);
    // Every connection open and warm before the start, so that the writes themselves overlap.
    await Promise.all(dbs.map((db) => sql`select 1`.execute(db)));
    if (kind.name === 'PostgreSQL') {
      const backends = await Promise.all(dbs.map(async (db) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid));
      assert.equal(new Set(backends).size, N, 'one server connection per writer');
    }
    await fn(dbs, studentId);
  } finally {
    await Promise.all(dbs.map((db) => db.destroy()));
    if (tdb.config.kind === 'postgres') await disconnected(tdb.config.url);
    await tdb.drop();
  }
}

type Recorded = Awaited<ReturnType<typeof recordFirstPass>>;

/** Every writer calls recordFirstPass(pass(i)) at the same moment; all must answer, exactly one with `created`, all with its row. */
async function race(dbs: Db[], what: string, pass: (i: number) => PassInsert): Promise<Recorded> {
  let go!: () => void;
  const start = new Promise<void>((r) => (go = r));
  const calls = dbs.map(async (db, i) => {
    await start;
    return recordFirstPass(db, pass(i));
  });
  go();
  const settled = await Promise.allSettled(calls);
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
  assert.deepEqual(failed, [], `${what}: every writer gets an answer, none an error`);
  const results = settled.map((s) => (s as PromiseFulfilledResult<Recorded>).value);
  assert.equal(results.filter((r) => r.created).length, 1, `${what}: exactly one writer reports the first pass`);
  const winner = results.find((r) => r.created)!;
  for (const r of results) {
    assert.equal(r.pass.id, winner.pass.id, `${what}: the losers are answered with the first pass`);
    assert.equal(r.pass.station, winner.pass.station);
  }
  return winner;
}

for (const kind of databaseKinds) {
  test(`${kind.name}: ${N} connections write the first pass of the same student and day at once → one row, one created, all see it`, async () => {
    await withWriters(kind, async (dbs, studentId) => {
      for (const day of ['2026-06-10', '2026-06-11', '2026-06-12']) {
        const winner = await race(dbs, day, (i) => ({
          student_id: studentId,
          timestamp: `${day}T08:00:${String(i).padStart(2, '0')}.000Z`,
          pass_date: day,
          source: 'camera',
          station: `door-${i}`,
          distance: 0.3,
        }));
        const rows = await dbs[0]!.selectFrom('passes').selectAll().where('student_id', '=', studentId).where('pass_date', '=', day).execute();
        assert.equal(rows.length, 1, `${day}: one pass row`);
        assert.equal(winner.pass.id, rows[0]!.id);
      }
      const all = await dbs[0]!
        .selectFrom('passes')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(all.n), 3, 'one pass per day, three days');
    });
  });

  test(`${kind.name}: ${N} connections write the first pass of the same student and exam sitting at once → one row per sitting (its unique key), two sittings on one day`, async () => {
    await withWriters(kind, async (dbs, studentId) => {
      const now = new Date().toISOString();
      const day = '2026-06-10';
      // Two exams in one room on one day: the day key does not apply to sitting passes, only passes_student_sitting_uq.
      const sittings = await dbs[0]!
        .insertInto('sittings')
        .values(
          (
            [
              ['Математика', '09:00', '11:00', '04:00', '06:00'],
              ['Физика', '14:00', '16:00', '09:00', '11:00'],
            ] as const
          ).map(([exam, start_time, end_time, utcStart, utcEnd]) => ({
            exam,
            room: '101',
            sitting_date: day,
            start_time,
            end_time,
            starts_at: `${day}T${utcStart}:00.000Z`,
            ends_at: `${day}T${utcEnd}:00.000Z`,
            created_at: now,
            updated_at: now,
          })),
        )
        .returning('id')
        .execute();
      await dbs[0]!
        .insertInto('sitting_students')
        .values(sittings.map((s) => ({ sitting_id: s.id, student_id: studentId })))
        .execute();
      for (const [n, { id: sittingId }] of sittings.entries()) {
        const winner = await race(dbs, `sitting ${n + 1}`, (i) => ({
          student_id: studentId,
          timestamp: `${day}T0${4 + 5 * n}:00:${String(i).padStart(2, '0')}.000Z`,
          pass_date: day,
          source: i % 2 ? 'manual' : 'camera',
          station: `room-101-door-${i}`,
          distance: i % 2 ? null : 0.3,
          sitting_id: sittingId,
        }));
        const rows = await dbs[0]!.selectFrom('passes').selectAll().where('student_id', '=', studentId).where('sitting_id', '=', sittingId).execute();
        assert.equal(rows.length, 1, `sitting ${n + 1}: one pass row`);
        assert.equal(winner.pass.id, rows[0]!.id);
        assert.equal(winner.pass.sitting_id, sittingId);
      }
      const all = await dbs[0]!.selectFrom('passes').select(['sitting_id', 'pass_date']).orderBy('id').execute();
      assert.deepEqual(
        all.map((r) => [r.sitting_id, r.pass_date]),
        sittings.map((s) => [s.id, day]),
        'one pass per sitting, both on the same day',
      );
    });
  });
}
