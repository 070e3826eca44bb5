// The schedule import under hostile input: the O(n log n) overlap check against the quadratic rule it replaced;
// a 3,000-row import through a real listening server while GET /api/health is asked every 300 ms (p95 ≤ 1 s: before, the import blocked it for 3 s);
// two servers importing at once on one database (no room double-booked); over-long and control-character cells.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { createDb, type Db } from '../../src/db/index.js';
import type { DatabaseConfig } from '../../src/config.js';
import { FaceEngine } from '../../src/face/engine.js';
import type { ScheduleSummary } from '../../src/schedule/loader.js';
import { resolveOverlaps, type Slot } from '../../src/schedule/overlaps.js';
import { SCHEDULE_LIMITS } from '../../src/schedule/cell-limits.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';
import { insertStudents, uploadSchedule, writeSchedule, type ScheduleCell } from '../helpers/schedule.js';
import { bigRoster, bigSchedule, importWhileProbing, insertManyStudents } from '../helpers/schedule-big.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

let work: string;

before(() => {
  work = tempDir('efc-schedule-large-');
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

let fileNo = 0;
async function xlsx(rows: ScheduleCell[][]): Promise<Buffer> {
  const file = path.join(work, `s${++fileNo}.xlsx`);
  await writeSchedule(file, rows);
  return fs.readFileSync(file);
}

/** Pairs of stored sittings of one room that overlap in time: must always be none. */
async function doubleBooked(db: Db): Promise<number> {
  const r = await sql<{ n: number | string }>`
    select count(*) as n from sittings a join sittings b
      on a.room = b.room and a.id < b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at`.execute(db);
  return Number(r.rows[0]!.n);
}

/** The rule the O(n log n) check replaced, as it was (rounds until nothing changes; every row against every other). */
function quadratic<C extends Slot, S extends Slot>(candidates: C[], existing: S[]): { accepted: C[]; refused: Map<C, 'stored' | 'row'> } {
  const overlapping = (a: Slot, b: Slot) => a.room === b.room && a.starts < b.ends && b.starts < a.ends;
  const refused = new Map<C, 'stored' | 'row'>();
  for (;;) {
    const active = candidates.filter((c) => !refused.has(c));
    const activeKeys = new Set(active.map((c) => c.key));
    const obstacles = existing.filter((s) => !activeKeys.has(s.key));
    const accepted: C[] = [];
    let fresh = 0;
    for (const c of active) {
      if (obstacles.some((s) => overlapping(c, s))) refused.set(c, 'stored');
      else if (accepted.some((a) => overlapping(c, a))) refused.set(c, 'row');
      else accepted.push(c);
      if (refused.has(c)) fresh++;
    }
    if (fresh === 0) return { accepted, refused };
  }
}

test('overlap check: the same rows accepted and refused (and why) as the quadratic rule, on 300 random schedules; 40,000 rows in one room in well under a second', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const slot = (room: string, starts: number, ends: number) => ({ room, starts, ends, key: `${room}\u0000${starts}` });
  for (let round = 0; round < 300; round++) {
    const rooms = ['A', 'B', 'C'].slice(0, 1 + random(3));
    const stored: Slot[] = [];
    for (let i = 0; i < random(12); i++) {
      const room = rooms[random(rooms.length)]!;
      const starts = random(40);
      if (!stored.some((s) => s.key === `${room}\u0000${starts}`)) stored.push(slot(room, starts, starts + 1 + random(8)));
    }
    const candidates: Slot[] = [];
    for (let i = 0; i < random(25); i++) {
      const room = rooms[random(rooms.length)]!;
      // Half the rows start where a stored sitting does: they replace it, and when refused it stands again.
      const same = stored.filter((s) => s.room === room);
      const starts = same.length > 0 && random(2) === 0 ? same[random(same.length)]!.starts : random(40);
      if (!candidates.some((c) => c.key === `${room}\u0000${starts}`)) candidates.push(slot(room, starts, starts + 1 + random(8)));
    }
    const fast = resolveOverlaps(candidates, stored);
    const slow = quadratic(candidates, stored);
    const why = (m: Map<Slot, unknown>) =>
      [...m].map(([c, w]) => `${c.key}:${typeof w === 'string' ? w : 'stored' in (w as object) ? 'stored' : 'row'}`).sort();
    assert.deepEqual(fast.accepted, slow.accepted, `round ${round}`);
    assert.deepEqual(why(fast.refused), why(slow.refused), `round ${round}`);
    for (const [c, w] of fast.refused) {
      const other = 'stored' in w ? w.stored : w.row;
      assert.ok(other.room === c.room && other.starts < c.ends && c.starts < other.ends, 'the named sitting does overlap');
    }
  }
  // One room, 20,000 stored sittings back to back and 20,000 rows: half replace one, the other half cut across two.
  const stored = Array.from({ length: 20_000 }, (_, i) => slot('R', i * 10, i * 10 + 10));
  const rows = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? slot('R', i * 10, i * 10 + 10) : slot('R', i * 10 + 5, i * 10 + 15)));
  const t = performance.now();
  const r = resolveOverlaps(rows, stored);
  const took = performance.now() - t;
  assert.equal(r.accepted.length + r.refused.size, 20_000);
  assert.ok(took < 1000, `took ${Math.round(took)} ms`);
});

/** The real server (node dist/src/server.js) on this database, started and ready. */
async function serve(config: DatabaseConfig, dataDir: string): Promise<ServerProcess> {
  const srv = startServerProcess(await freePort(), {
    DATABASE_URL: config.kind === 'postgres' ? config.url : `sqlite:${config.file}`,
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
  });
  await srv.ready;
  return srv;
}

for (const kind of databaseKinds) {
  test(`3,000 schedule rows through a listening server (${kind.name}): /api/health every 300 ms stays p95 ≤ 1 s (was 3 s)`, { timeout: 120_000 }, async (t) => {
    const tdb = await kind.make();
    const dataDir = tempDir();
    const big = bigSchedule(3000);
    const db = await createDb(tdb.config);
    let srv: ServerProcess | undefined;
    try {
      await insertManyStudents(db, big.students);
      const bytes = await xlsx(big.rows);
      srv = await serve(tdb.config, dataDir);
      const run = await importWhileProbing(srv.base, ADMIN_TOKEN, bytes);
      t.diagnostic(
        `${kind.name}: 3,000 rows (${Math.round(bytes.length / 1024)} KB) imported in ${run.import_ms} ms; ` +
          `health n=${run.health.n} p50=${run.health.p50} ms p95=${run.health.p95} ms max=${run.health.max} ms`,
      );
      assert.equal(run.status, 200, run.body.slice(0, 500));
      const s = JSON.parse(run.body) as ScheduleSummary;
      assert.deepEqual(
        { total: s.total_rows, added: s.added, failed: s.failed, skipped: s.skipped, registrations: s.registrations, by_reason: s.by_reason },
        {
          total: big.expected.total,
          added: big.expected.added,
          failed: big.expected.overlap,
          skipped: big.expected.duplicate,
          registrations: big.expected.registrations,
          by_reason: { overlap: big.expected.overlap, duplicate: big.expected.duplicate },
        },
      );
      assert.equal(run.failures, 0, 'every health answer was 200');
      assert.ok(run.health.n >= 3, `health asked during the import (${run.health.n} times)`);
      // The bound catches the old behaviour (the import held the event loop: p95 3.0 s), not a busy machine's noise;
      // the figure itself is measured by npm run bench:schedule-import (p95 ~160 ms on a quiet box).
      assert.ok(run.health.p95 <= 1000, `health p95 ${run.health.p95} ms during the import (max ${run.health.max} ms)`);
      assert.equal(
        (
          await db
            .selectFrom('sittings')
            .select((e) => e.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
        big.expected.added,
      );
      assert.equal(await doubleBooked(db), 0);
    } finally {
      await srv?.stop();
      await db.destroy();
      await tdb.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test(`two servers import clashing schedules at once (${kind.name}): one waits, no room is double-booked`, { timeout: 120_000 }, async (t) => {
    const tdb = await kind.make();
    const dirs = [tempDir(), tempDir()];
    const db = await createDb(tdb.config);
    const servers: ServerProcess[] = [];
    try {
      await insertManyStudents(db, bigRoster(50));
      // 1,500 sittings each: 100 rooms × 15 days; the second file's start an hour later, so each of its rows
      // overlaps one of the first file's (a different start: the unique key on room and start does not help).
      const file = (hour: number) =>
        xlsx(
          Array.from({ length: 1500 }, (_, i): ScheduleCell[] => [
            `Экзамен ${i}`,
            `2026-07-${String(1 + Math.floor(i / 100)).padStart(2, '0')}`,
            `${String(hour).padStart(2, '0')}:00`,
            `${String(hour + 2).padStart(2, '0')}:00`,
            `Ауд. ${i % 100}`,
            `ГР-${String(i % 50).padStart(4, '0')}`,
            null,
          ]),
        );
      const [a, b] = await Promise.all([file(9), file(10)]);
      servers.push(...(await Promise.all(dirs.map((d) => serve(tdb.config, d)))));
      const runs = await Promise.all([importWhileProbing(servers[0]!.base, ADMIN_TOKEN, a), importWhileProbing(servers[1]!.base, ADMIN_TOKEN, b)]);
      for (const r of runs) assert.equal(r.status, 200, r.body.slice(0, 500));
      const [sa, sb] = runs.map((r) => JSON.parse(r.body) as ScheduleSummary);
      t.diagnostic(
        `${kind.name}: A added ${sa!.added}, overlap ${sa!.by_reason.overlap ?? 0} in ${runs[0].import_ms} ms; ` +
          `B added ${sb!.added}, overlap ${sb!.by_reason.overlap ?? 0} in ${runs[1].import_ms} ms`,
      );
      assert.equal(await doubleBooked(db), 0, 'no room has two sittings at once');
      // Whichever came second saw every sitting of the first and refused all of its rows.
      const added = [sa!.added, sb!.added].sort((x, y) => x - y);
      assert.deepEqual(added, [0, 1500]);
      const second = sa!.added === 0 ? sa! : sb!;
      assert.deepEqual(second.by_reason, { overlap: 1500 });
      assert.match(second.rows[0]!.message, /пересекается по времени с уже в базе: «Экзамен 0»/);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await db.destroy();
      await tdb.drop();
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
}

test('over-long cells are row errors (cell_too_long), never stored; control characters and bidi marks are stripped', async () => {
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  try {
    for (const kind of databaseKinds) {
      const tdb = await kind.make();
      const app = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent', DATA_DIR: path.join(work, `limits-${kind.name}`) });
      try {
        await insertStudents(app.db, [
          { matricula: '0001001', lastname: 'Иванова', firstname: 'Анна', group: 'ИТ-21' },
          { matricula: '0001002', lastname: 'Петров', firstname: 'Борис', group: 'ИТ-21' },
        ]);
        const many = Array.from({ length: SCHEDULE_LIMITS.matriculasPerRow + 1 }, (_, i) => `9${String(i).padStart(6, '0')}`).join(' ');
        const res = await uploadSchedule(
          app.app,
          await xlsx([
            ['Математика', '2026-06-15', '09:00', '11:00', 'А'.repeat(3000), 'ИТ-21', null], // 2: room of 3,000 characters
            ['Э'.repeat(201), '2026-06-15', '09:00', '11:00', 'А-102', 'ИТ-21', null], // 3: exam of 201
            ['Физика', '2026-06-15', '09:00', '11:00', 'А-103', `ИТ-21, ${'Г'.repeat(65)}`, null], // 4: one group of 65
            ['Химия', '2026-06-15', '09:00', '11:00', 'А-104', null, `0001001 ${'1'.repeat(65)}`], // 5: one Matricula of 65
            ['Биология', '2026-06-15', '09:00', '11:00', 'А-105', null, many], // 6: 2,001 Matricula
            ['Логика', '2026-06-15', '09:00', '11:00', 'А-106', null, '1'.repeat(40_000)], // 7: beyond Excel's cell size
            // 8: loaded, cleaned. OOXML writes a control character as _xHHHH_ (exceljs reads it back as the character itself).
            ['_x0000_Ист\u202Eория_x0007_', '2026-06-15', '09:00', '11:00', '\u200BА-107\uFEFF\u2066', 'ИТ-21_x0000_', '0001002_x001F_'],
            ['Э'.repeat(200), '2026-06-15', '12:00', '13:00', 'Б'.repeat(64), 'ИТ-21', null], // 9: exactly at the limits: loaded
          ]),
        );
        assert.equal(res.statusCode, 200, res.body);
        const s = res.json<ScheduleSummary>();
        assert.deepEqual(
          s.rows.map((r) => [r.row, r.status, r.reason]),
          [2, 3, 4, 5, 6, 7].map((row) => [row, 'failed', 'cell_too_long']),
          JSON.stringify(s.rows, null, 1),
        );
        const msg = new Map(s.rows.map((r) => [r.row, r.message]));
        assert.match(msg.get(2)!, /слишком длинное значение в столбце «Аудитория»: 3000 символов, допустимо не больше 64/);
        assert.match(msg.get(3)!, /столбце «Экзамен»: 201 символов, допустимо не больше 200/);
        assert.match(msg.get(4)!, /столбце «Группа»: «Г+…» — 65 символов, допустимо не больше 64/);
        assert.match(msg.get(5)!, /столбце «Matricula»: «1+…» — 65 символов/);
        assert.match(msg.get(6)!, /слишком много значений в столбце «Matricula»: 2001, допустимо не больше 2000/);
        assert.match(msg.get(7)!, /столбце «Matricula»: 40000 символов, допустимо не больше 32767/);
        for (const r of s.rows) assert.ok(r.message.length < 400, `row ${r.row}: the message quotes only the start of the value`);
        assert.deepEqual([s.added, s.failed, s.by_reason], [2, 6, { cell_too_long: 6 }]);
        const stored = await app.db.selectFrom('sittings').select(['id', 'exam', 'room']).orderBy('id').execute();
        assert.deepEqual(
          stored.map((x) => [x.exam, x.room]),
          [
            ['История', 'А-107'],
            ['Э'.repeat(200), 'Б'.repeat(64)],
          ],
        );
        const regs = await app.db.selectFrom('sitting_students').select('student_id').where('sitting_id', '=', stored[0]!.id).execute();
        assert.equal(regs.length, 2, 'the group and the Matricula were read without their control characters');
      } finally {
        await app.close();
        await tdb.drop();
      }
    }
  } finally {
    await engine.close();
  }
});
