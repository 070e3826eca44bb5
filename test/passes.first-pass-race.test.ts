// recordFirstPass called directly by 20 connections at once (SQLite and PostgreSQL): one row, one `created`, no errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb, type Db } from '../src/db/index.js';
import { recordFirstPass } from '../src/passes/repository.js';
import { databaseKinds, PG_ADMIN_URL } from './helpers/db.js';

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

for (const kind of databaseKinds) {
  test(`${kind.name}: ${N} connections write the first pass of the same student and day at once → one row, one created, all see it`, async () => {
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

      for (const day of ['2026-06-10', '2026-06-11', '2026-06-12']) {
        let go!: () => void;
        const start = new Promise<void>((r) => (go = r));
        const calls = dbs.map(async (db, i) => {
          await start;
          return recordFirstPass(db, {
            student_id: studentId,
            timestamp: `${day}T08:00:${String(i).padStart(2, '0')}.000Z`,
            pass_date: day,
            source: 'camera',
            station: `door-${i}`,
            distance: 0.3,
          });
        });
        go();
        const settled = await Promise.allSettled(calls);
        const failed = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
        assert.deepEqual(failed, [], `${day}: every writer gets an answer, none an error`);
        const results = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof recordFirstPass>>>).value);
        assert.equal(results.filter((r) => r.created).length, 1, `${day}: exactly one writer reports the first pass`);
        const rows = await dbs[0]!.selectFrom('passes').selectAll().where('student_id', '=', studentId).where('pass_date', '=', day).execute();
        assert.equal(rows.length, 1, `${day}: one pass row`);
        const winner = results.find((r) => r.created)!;
        assert.equal(winner.pass.id, rows[0]!.id);
        for (const r of results) {
          assert.equal(r.pass.id, rows[0]!.id, 'the losers are answered with the first pass');
          assert.equal(r.pass.station, rows[0]!.station);
        }
      }
      const all = await dbs[0]!
        .selectFrom('passes')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(all.n), 3, 'one pass per day, three days');
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      if (tdb.config.kind === 'postgres') await disconnected(tdb.config.url);
      await tdb.drop();
    }
  });
}
