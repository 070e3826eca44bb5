// Check-in per exam sitting through HTTP with real faces, on SQLite and PostgreSQL: registered → ok →
// already_passed; not registered → not_registered with the student's sittings today; registered elsewhere now
// → wrong_room; before entry opens / after the end → no_sitting; morning and afternoon sittings the same day
// both pass; a room without a schedule keeps the day rule; manual passes follow the same rule; 20 concurrent
// recognitions → one pass per sitting; the attempts remember room and sitting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto, doorFrame } from '../helpers/students.js';
import type { Static } from '@fastify/type-provider-typebox';
import type { recognizeSchema, roomsSchema } from '../../src/http/schemas/checkpoint.js';
import type { SittingListItem, SittingReport } from '../../src/passes/sitting-report.js';
import ExcelJS from 'exceljs';
import { ADMIN_TOKEN } from '../helpers/app.js';

/** The answers as their route schemas declare them, flattened over the union for the assertions. */
type RecognizeAnswer = Static<(typeof recognizeSchema.response)[200]>;
type Answer = { [K in RecognizeAnswer extends infer U ? (U extends object ? keyof U : never) : never]?: unknown } & { status: string; message: string };
type SittingJson = { id: number; exam: string; room: string; start: string; end: string; opens: string };
type RoomsAnswer = Static<(typeof roomsSchema.response)[200]>;

let engine: FaceEngine;
let people: IdPhoto[];
/** A frame of each person from a different photo than the enrolled one. */
const frames: Buffer[] = [];
let work: string;

before(async () => {
  // Room in the door's queue for the 20 concurrent recognitions below (the server sizes it from RECOGNIZE_QUEUE).
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000, interactiveQueue: 40, perClientQueue: 40 });
  people = await makeIdPhotos(engine, [3, 6]);
  for (const p of people.slice(0, 3)) frames.push(await doorFrame(engine, p));
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

// Tashkent is UTC+5 all year: local 09:00 on 2026-06-15 is 04:00Z.
const DAY = '2026-06-15';
const at = (hhmm: string) => new Date(`${DAY}T${hhmm}:00+05:00`);

async function addSitting(t: TestApp, exam: string, room: string, start: string, end: string, studentIds: number[]): Promise<number> {
  const now = new Date().toISOString();
  const row = await t.db
    .insertInto('sittings')
    .values({
      exam,
      room,
      sitting_date: DAY,
      start_time: start,
      end_time: end,
      starts_at: at(start).toISOString(),
      ends_at: at(end).toISOString(),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (studentIds.length)
    await t.db
      .insertInto('sitting_students')
      .values(studentIds.map((student_id) => ({ sitting_id: row.id, student_id })))
      .execute();
  return row.id;
}

for (const kind of databaseKinds) {
  test(`${kind.name}: check-in per sitting with real faces`, async () => {
    const tdb = await kind.make();
    let clock = at('08:00');
    const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent', SITTING_OPEN_BEFORE_MIN: '30', RECOGNIZE_MAX_INFLIGHT: '40' }, () => clock);
    try {
      await enrol(t, engine, people.slice(0, 3), fs.mkdtempSync(`${work}/w-`));
      const ids = await Promise.all(
        ['001000', '001001', '001002'].map(
          async (m) => (await t.db.selectFrom('students').select('id').where('matricula', '=', m).executeTakeFirstOrThrow()).id,
        ),
      );
      const [anna, boris, clara] = ids as [number, number, number];
      const maths = await addSitting(t, 'Математика', '101', '09:00', '12:00', [anna]);
      const physics = await addSitting(t, 'Физика', '101', '14:00', '16:00', [anna]);
      const chemistry = await addSitting(t, 'Химия', '204', '09:00', '12:00', [boris]);

      let n = 0;
      const recognise = async (who: number, room: string | null, remoteAddress = `10.1.0.${++n % 250}`): Promise<Answer> => {
        const r = await t.app.inject({
          method: 'POST',
          url: '/api/recognize',
          remoteAddress,
          payload: { image: frames[who]!.toString('base64'), source: 'camera', station: 'Вход', ...(room ? { room } : {}) },
        });
        assert.equal(r.statusCode, 200, r.body);
        return r.json<Answer>();
      };
      const sitting = (a: Answer, key: 'sitting' | 'right_sitting' | 'next') => a[key] as SittingJson | null;

      // 08:00: entry to Математика opens at 08:30 — nobody is admitted to room 101 yet.
      let a = await recognise(0, '101');
      assert.equal(a.status, 'no_sitting', JSON.stringify(a));
      assert.equal(a.message, 'В этой аудитории сейчас нет экзамена');
      assert.deepEqual([sitting(a, 'next')?.exam, sitting(a, 'next')?.opens], ['Математика', '08:30']);
      assert.equal((a.student as { id: number }).id, anna);

      // The station's view of its rooms at 08:40: Математика is open in 101.
      clock = at('08:40');
      const rooms = (await t.app.inject({ method: 'GET', url: '/api/rooms' })).json<RoomsAnswer>();
      assert.equal(rooms.date, DAY);
      assert.deepEqual(
        rooms.rooms.map((r) => [r.room, r.current?.exam ?? null, r.next?.exam ?? null, r.sittings.length]),
        [
          ['101', 'Математика', 'Физика', 2],
          ['204', 'Химия', null, 1],
        ],
      );

      // 09:10: registered → ok for the sitting, then already_passed for it.
      clock = at('09:10');
      a = await recognise(0, '101');
      assert.equal(a.status, 'ok', JSON.stringify(a));
      assert.deepEqual([sitting(a, 'sitting')?.id, sitting(a, 'sitting')?.exam, sitting(a, 'sitting')?.start], [maths, 'Математика', '09:00']);
      clock = at('09:20');
      a = await recognise(0, '101');
      assert.equal(a.status, 'already_passed');
      assert.match(a.message, /уже прошёл на этот экзамен \(первый проход в 09:10\)/);

      // Boris sits Химия in 204 now: wrong room, with the right one.
      a = await recognise(1, '101');
      assert.equal(a.status, 'wrong_room', JSON.stringify(a));
      assert.deepEqual([sitting(a, 'right_sitting')?.room, sitting(a, 'right_sitting')?.exam, sitting(a, 'sitting')?.exam], ['204', 'Химия', 'Математика']);
      // Clara has no exam today: not registered, nothing to point to.
      a = await recognise(2, '101');
      assert.equal(a.status, 'not_registered', JSON.stringify(a));
      assert.equal(a.message, 'Студент не записан на этот экзамен');
      assert.deepEqual(a.registered_today, []);
      // Boris in his own room is admitted.
      assert.equal((await recognise(1, '204')).status, 'ok');

      // 12:30: Математика is over, Физика's entry opens at 13:30.
      clock = at('12:30');
      a = await recognise(0, '101');
      assert.equal(a.status, 'no_sitting');
      assert.deepEqual([sitting(a, 'next')?.exam, sitting(a, 'next')?.opens], ['Физика', '13:30']);

      // 14:05: the afternoon sitting admits Anna again (a second pass the same day, for another sitting).
      clock = at('14:05');
      a = await recognise(0, '101');
      assert.equal(a.status, 'ok', JSON.stringify(a));
      assert.equal(sitting(a, 'sitting')?.id, physics);
      // Two standing passes today, one row in the door's search (with the day's first pass time).
      const found = (await t.app.inject({ method: 'GET', url: '/api/students?q=001000' })).json<{ students: { id: number; passed_today: string | null }[] }>();
      assert.deepEqual(
        found.students.map((s) => s.id),
        [anna],
        'one row for a student with two passes today',
      );
      assert.match(found.students[0]!.passed_today ?? '', /^09:10(:00)?$/, 'the morning pass is the day’s first');
      // Boris is not registered for Физика; his Химия is over, so the hint lists it and it is not a wrong room.
      a = await recognise(1, '101');
      assert.equal(a.status, 'not_registered');
      assert.deepEqual(
        (a.registered_today as SittingJson[]).map((s) => [s.exam, s.room, s.start, s.end]),
        [['Химия', '204', '09:00', '12:00']],
      );

      // Manual passes follow the same rule (the operator checked the documents; the schedule still decides).
      const manual = async (studentId: number, room: string | null) =>
        (
          await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: studentId, reason: 'документы', ...(room ? { room } : {}) } })
        ).json<Answer>();
      assert.equal((await manual(clara, '101')).status, 'not_registered');
      const again = await manual(anna, '101');
      assert.equal(again.status, 'already_passed');
      assert.equal(sitting(again, 'sitting')?.id, physics);

      // A room without a schedule today keeps the day rule: one pass a day, no sitting.
      a = await recognise(2, '305');
      assert.equal(a.status, 'ok');
      assert.equal(a.sitting, null);
      a = await recognise(2, null);
      assert.equal(a.status, 'already_passed');
      assert.match(a.message, /уже проходил сегодня/);

      // 20 concurrent recognitions of one student for one sitting: exactly one pass.
      const biology = await addSitting(t, 'Биология', '204', '17:00', '18:00', [anna]);
      clock = at('17:05');
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => recognise(0, '204', `10.2.0.${i + 1}`)));
      assert.deepEqual(answers.map((x) => x.status).sort(), [...Array<string>(19).fill('already_passed'), 'ok']);
      const standing = await t.db.selectFrom('passes').select(['student_id', 'sitting_id']).where('cancelled_at', 'is', null).orderBy('id').execute();
      assert.deepEqual(
        standing.map((p) => [p.student_id, p.sitting_id]),
        [
          [anna, maths],
          [boris, chemistry],
          [anna, physics],
          [clara, null],
          [anna, biology],
        ],
      );

      // The attempts say where refusals happened (the per-sitting report's «Без регистрации»).
      const refused = await t.db
        .selectFrom('attempts')
        .select(['status', 'student_id', 'room', 'sitting_id'])
        .where('status', 'in', ['not_registered', 'wrong_room'])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        refused.map((r) => [r.status, r.student_id, r.room, r.sitting_id]),
        [
          ['wrong_room', boris, '101', maths],
          ['not_registered', clara, '101', maths],
          ['not_registered', boris, '101', physics],
          ['not_registered', clara, '101', physics],
        ],
      );

      // The per-sitting report, read back: who came, who did not, who tried without registration.
      const admin = { 'x-admin-token': ADMIN_TOKEN };
      const list = (await t.app.inject({ method: 'GET', url: `/admin/sittings?date=${DAY}`, headers: admin })).json<{ sittings: SittingListItem[] }>();
      const mathsRow = list.sittings.find((x) => x.id === maths)!;
      assert.deepEqual([mathsRow.registered, mathsRow.came, mathsRow.absent, mathsRow.unregistered], [1, 1, 0, 2]);
      const report = (await t.app.inject({ method: 'GET', url: `/admin/sittings/${physics}`, headers: admin })).json<SittingReport>();
      assert.deepEqual(
        report.came.map((c) => [c.student_id, c.time, c.source]),
        [[anna, '14:05:00', 'camera']],
      );
      assert.deepEqual(report.absent, []);
      assert.deepEqual(
        report.unregistered.map((u) => [u.student_id, u.status]).sort((x, y) => Number(x[0]) - Number(y[0])),
        [
          [boris, 'not_registered'],
          [clara, 'not_registered'],
        ].sort((x, y) => Number(x[0]) - Number(y[0])),
      );
      // The admin's student card names the exam of each pass.
      const card = (await t.app.inject({ method: 'GET', url: `/admin/students/${anna}`, headers: admin })).json<{
        passes: { exam: string | null; room: string | null }[];
      }>();
      assert.deepEqual(
        card.passes.map((p) => [p.exam, p.room]),
        [
          ['Биология', '204'],
          ['Физика', '101'],
          ['Математика', '101'],
        ],
      );
      // The day report names the sitting of each pass.
      const day = await t.app.inject({ method: 'GET', url: `/admin/export_report?date=${DAY}`, headers: admin });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(day.rawPayload as unknown as ArrayBuffer);
      const ws = wb.getWorksheet('Проходы')!;
      const head = (ws.getRow(1).values as unknown[]).slice(1);
      const cells = Array.from({ length: ws.rowCount - 1 }, (_, i) => ws.getRow(i + 2)).map((r) => [
        r.getCell(head.indexOf('Фамилия') + 1).text,
        r.getCell(head.indexOf('Экзамен') + 1).text,
        r.getCell(head.indexOf('Аудитория') + 1).text,
      ]);
      assert.deepEqual(cells, [
        ['Иванова-0', 'Математика', '101'],
        ['Иванова-1', 'Химия', '204'],
        ['Иванова-0', 'Физика', '101'],
        // A day-rule pass names the room the station stood in (305: no exam there today).
        ['Иванова-2', '', '305'],
        ['Иванова-0', 'Биология', '204'],
      ]);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}
