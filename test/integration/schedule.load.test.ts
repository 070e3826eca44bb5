// The schedule import through HTTP on SQLite and PostgreSQL: sittings by group and by Matricula list, every
// bad-row reason, missing columns, re-runs (unchanged, updated, others left alone), double-booked rooms
// within the file and against the database, DST-correct instants, the template, and the CLI once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { FaceEngine } from '../../src/face/engine.js';
import { sql } from 'kysely';
import { createDb, type Db } from '../../src/db/index.js';
import { projectRoot } from '../../src/paths.js';
import { localInstant } from '../../src/schedule/time.js';
import ExcelJS from 'exceljs';
import { parseTime, readScheduleSheet, splitMatriculas } from '../../src/schedule/sheet.js';
import { scheduleTemplateWorkbook } from '../../src/schedule/template.js';
import type { ScheduleSummary } from '../../src/schedule/loader.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { ADMIN, excelDate, excelTime, insertStudents, uploadSchedule, writeSchedule, SCHEDULE_HEADER, type ScheduleCell } from '../helpers/schedule.js';
import { multipart, startApp, type TestApp } from '../helpers/app.js';

interface ErrorJson {
  error: string;
  message: string;
}

let engine: FaceEngine;
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  work = tempDir('efc-schedule-');
});

after(async () => {
  await engine?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const ROSTER = [
  { matricula: '0001001', lastname: 'Иванова', firstname: 'Анна', group: 'ИТ-21' },
  { matricula: '0001002', lastname: 'Петров', firstname: 'Борис', group: 'ИТ-21' },
  { matricula: '0001003', lastname: 'Сидоров', firstname: 'Виктор', group: 'ИТ-21' },
  { matricula: '0001004', lastname: 'Кузнецова', firstname: 'Галина', group: 'ЭК-22' },
  { matricula: '0001005', lastname: 'Смирнов', firstname: 'Дмитрий', group: 'ЭК-22' },
  { matricula: '00012345', lastname: 'Template', firstname: 'One', group: 'ФИ-23' },
];

let fileNo = 0;
async function xlsx(rows: ScheduleCell[][], header?: string[], title?: string): Promise<Buffer> {
  const file = path.join(work, `s${++fileNo}.xlsx`);
  await writeSchedule(file, rows, header, title);
  return fs.readFileSync(file);
}

async function load(t: TestApp, rows: ScheduleCell[][], header?: string[], title?: string): Promise<ScheduleSummary> {
  const res = await uploadSchedule(t.app, await xlsx(rows, header, title));
  assert.equal(res.statusCode, 200, res.body);
  return res.json<ScheduleSummary>();
}

async function sittingsIn(db: Db) {
  const rows = await db.selectFrom('sittings').selectAll().orderBy('starts_at').orderBy('room').execute();
  return rows.map((r) => ({ ...r, starts_at: new Date(r.starts_at).toISOString(), ends_at: new Date(r.ends_at).toISOString() }));
}

async function registered(db: Db, sittingId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('sitting_students as r')
    .innerJoin('students as s', 's.id', 'r.student_id')
    .select('s.matricula')
    .where('r.sitting_id', '=', sittingId)
    .execute();
  return rows.map((r) => r.matricula ?? '').sort();
}

/** The good schedule: by an Excel date/time, by text, by a fraction of a day; by group, by Matricula list, by both. */
const GOOD: ScheduleCell[][] = [
  ['Математика', excelDate('2026-06-15'), excelTime(9, 0), excelTime(11, 0), 'А-101', 'ИТ-21', null],
  ['Физика', '15.06.2026', '13:00', '14:30', 'А-101', null, '0001001, 0001004;0001005\n0001002'],
  ['Химия', '2026-06-15', { value: 0.375, numFmt: 'General' }, { value: 0.4375, numFmt: 'General' }, 'Б-204', 'ит-21; ЭК-22', null],
];

test('local date and time → UTC instant (Intl): Tashkent without DST, Berlin across both DST changes', () => {
  const iso = (d: string, t: string, z: string) => localInstant(d, t, z).toISOString();
  assert.equal(iso('2026-06-15', '09:00', 'Asia/Tashkent'), '2026-06-15T04:00:00.000Z');
  assert.equal(iso('2026-01-15', '09:00', 'Asia/Tashkent'), '2026-01-15T04:00:00.000Z');
  assert.equal(iso('2026-03-29', '00:30', 'Asia/Tashkent'), '2026-03-28T19:30:00.000Z');
  // Europe/Berlin: CET (+1) until 2026-03-29 02:00, CEST (+2) until 2026-10-25 03:00.
  assert.equal(iso('2026-03-28', '09:00', 'Europe/Berlin'), '2026-03-28T08:00:00.000Z');
  assert.equal(iso('2026-03-29', '09:00', 'Europe/Berlin'), '2026-03-29T07:00:00.000Z');
  assert.equal(iso('2026-03-29', '01:59', 'Europe/Berlin'), '2026-03-29T00:59:00.000Z');
  assert.equal(iso('2026-03-29', '03:00', 'Europe/Berlin'), '2026-03-29T01:00:00.000Z');
  assert.equal(iso('2026-03-29', '02:30', 'Europe/Berlin'), '2026-03-29T01:30:00.000Z', 'a time the clocks skip: as 03:30 CEST');
  assert.equal(iso('2026-10-24', '09:00', 'Europe/Berlin'), '2026-10-24T07:00:00.000Z');
  assert.equal(iso('2026-10-25', '09:00', 'Europe/Berlin'), '2026-10-25T08:00:00.000Z');
  assert.equal(iso('2026-10-25', '02:30', 'Europe/Berlin'), '2026-10-25T00:30:00.000Z', 'a time that occurs twice: the first one (CEST)');
  assert.equal(iso('2026-10-25', '03:00', 'Europe/Berlin'), '2026-10-25T02:00:00.000Z');
  assert.equal(iso('2026-12-31', '23:59', 'Europe/Berlin'), '2026-12-31T22:59:00.000Z');
  assert.throws(() => localInstant('2026-02-30', '09:00', 'Europe/Berlin'), RangeError);
  assert.throws(() => localInstant('2026-02-10', '24:00', 'Europe/Berlin'), RangeError);
  // Cell parsing: Excel times (Date on 1899-12-30, a millisecond short; a day fraction), text forms.
  assert.equal(parseTime(new Date(Date.UTC(1899, 11, 30, 8, 59, 59, 999))), 9 * 60);
  assert.equal(parseTime(0.5), 12 * 60);
  assert.equal(parseTime(46188.75), 18 * 60, 'a date with a time: its time');
  assert.equal(parseTime('9:05'), 9 * 60 + 5);
  assert.equal(parseTime('09.05'), 9 * 60 + 5);
  assert.equal(parseTime('24:00'), undefined);
  assert.equal(parseTime('9'), undefined);
  assert.deepEqual(splitMatriculas(' 001 ,002;003\n004  005,,001 '), ['001', '002', '003', '004', '005']);
});

test('the template: sheet «Расписание» (7 headers, 2 examples: by groups, by Matricula list as text), sheet «Пояснения»', async () => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await scheduleTemplateWorkbook()) as unknown as ArrayBuffer);
  assert.deepEqual(
    wb.worksheets.map((w) => w.name),
    ['Расписание', 'Пояснения'],
  );
  const ws = wb.worksheets[0]!;
  assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), SCHEDULE_HEADER);
  assert.equal(ws.actualRowCount, 3);
  const matricula = ws.getRow(3).getCell(7);
  assert.equal(matricula.value, '00012345, 00012346');
  assert.equal(matricula.numFmt, '@');
  assert.equal(ws.getColumn(7).numFmt, '@', 'rows typed in later keep their zeros too');
  assert.ok(ws.getRow(2).getCell(2).value instanceof Date, 'the date is an Excel date');
  assert.ok(ws.getRow(2).getCell(3).value instanceof Date, 'the times are Excel times');
  const explained = new Set<string>();
  wb.getWorksheet('Пояснения')!.eachRow((r) => explained.add(r.getCell(1).text));
  for (const h of SCHEDULE_HEADER) assert.ok(explained.has(h), `«${h}» explained`);
  const sheet = readScheduleSheet(wb);
  assert.deepEqual(sheet.problems, []);
  assert.deepEqual(
    sheet.rows.map((r) => [r.exam, r.date, r.start, r.end, r.room, r.groups, r.matriculas]),
    [
      ['Математический анализ', '2026-06-15', '09:00', '11:00', 'А-101', ['ИТ-21', 'ИТ-22'], []],
      ['Физика (пересдача)', '2026-06-15', '13:00', '14:30', 'Б-204', [], ['00012345', '00012346']],
    ],
  );
});

for (const kind of databaseKinds) {
  test(`schedule through HTTP (${kind.name}): good rows, every bad-row reason, columns, re-runs, overlaps, template`, async () => {
    const tdb = await kind.make();
    const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent', DATA_DIR: path.join(work, `data-${kind.name}`) });
    try {
      await insertStudents(t.db, ROSTER);

      // The token is needed; no file is a 400 in Russian.
      const bytes = await xlsx(GOOD);
      const form = multipart([{ name: 'file', filename: 's.xlsx', data: bytes }]);
      const anon = await t.app.inject({ method: 'POST', url: '/admin/load_schedule', payload: form.body, headers: form.headers });
      assert.equal(anon.statusCode, 401);
      const none = await t.app.inject({ method: 'POST', url: '/admin/load_schedule', headers: ADMIN });
      assert.equal(none.statusCode, 400, none.body);
      assert.match(none.json<ErrorJson>().message, /Не приложен файл Excel/);
      const otherField = await uploadSchedule(t.app, bytes, 'photos');
      assert.equal(otherField.statusCode, 400);
      assert.equal(otherField.json<ErrorJson>().error, 'bad_request');

      // 1. The good schedule.
      const s = await load(t, GOOD);
      assert.deepEqual(
        { total: s.total_rows, added: s.added, updated: s.updated, unchanged: s.unchanged, failed: s.failed, sittings: s.sittings, reg: s.registrations },
        { total: 3, added: 3, updated: 0, unchanged: 0, failed: 0, sittings: 3, reg: 3 + 4 + 5 },
        JSON.stringify(s.rows),
      );
      assert.equal(s.file, 'расписание.xlsx');
      assert.deepEqual(s.rows, []);
      const stored = await sittingsIn(t.db);
      assert.deepEqual(
        stored.map((x) => [x.exam, x.room, x.sitting_date, x.start_time, x.end_time, x.starts_at, x.ends_at]),
        [
          ['Математика', 'А-101', '2026-06-15', '09:00', '11:00', '2026-06-15T04:00:00.000Z', '2026-06-15T06:00:00.000Z'],
          ['Химия', 'Б-204', '2026-06-15', '09:00', '10:30', '2026-06-15T04:00:00.000Z', '2026-06-15T05:30:00.000Z'],
          ['Физика', 'А-101', '2026-06-15', '13:00', '14:30', '2026-06-15T08:00:00.000Z', '2026-06-15T09:30:00.000Z'],
        ],
      );
      const [math, chem, phys] = stored;
      assert.deepEqual(await registered(t.db, math!.id), ['0001001', '0001002', '0001003']);
      assert.deepEqual(await registered(t.db, phys!.id), ['0001001', '0001002', '0001004', '0001005'], 'leading zeros kept, every separator');
      assert.deepEqual(await registered(t.db, chem!.id), ['0001001', '0001002', '0001003', '0001004', '0001005'], 'groups: case and spacing aside');

      // 2. Every bad-row reason (rows 2…); the good rows among them still load.
      const bad = await load(t, [
        [null, '2026-06-16', '09:00', '10:00', 'В-1', 'ИТ-21', null], // 2 missing_exam
        ['Экзамен', '2026-06-16', '09:00', '10:00', '  ', 'ИТ-21', null], // 3 missing_room
        ['Экзамен', '31.02.2026', '09:00', '10:00', 'В-1', 'ИТ-21', null], // 4 bad_date
        ['Экзамен', '2026-06-16', '25:00', '26:00', 'В-1', 'ИТ-21', null], // 5 bad_time
        ['Экзамен', '2026-06-16', '11:00', '10:00', 'В-1', 'ИТ-21', null], // 6 bad_time (end before start)
        ['Экзамен', '2026-06-16', '09:00', '10:00', 'В-1', null, null], // 7 no_students
        ['Экзамен', '2026-06-16', '09:00', '10:00', 'В-2', 'НЕТ-99', null], // 8 unknown_group
        ['Экзамен', '2026-06-16', '09:00', '10:00', 'В-3', null, '9999999 8888888'], // 9 unknown_matricula
        ['Частично', '2026-06-16', '09:00', '10:00', 'В-4', null, '0001001, 7777777'], // 10 warning unknown_matricula, loaded
        ['Первый', '2026-06-16', '12:00', '14:00', 'В-5', 'ЭК-22', null], // 11 loaded
        ['Второй', '2026-06-16', '13:00', '15:00', 'В-5', 'ЭК-22', null], // 12 overlap with row 11
        ['Повтор', '2026-06-16', '12:00', '13:00', 'В-5', 'ИТ-21', null], // 13 duplicate of row 11 (room + start)
        ['Рядом', '2026-06-16', '14:00', '15:00', 'В-5', 'ЭК-22', null], // 14 back to back with row 11: fine
        ['Занято', '2026-06-15', '10:00', '12:00', 'А-101', 'ЭК-22', null], // 15 overlap with «Математика» in the database
        ['Группы', '2026-06-16', '16:00', '17:00', 'В-5', 'ЭК-22, НЕТ-98', null], // 16 warning unknown_group, loaded
      ]);
      const byRow = new Map(bad.rows.map((r) => [`${r.row}:${r.status}`, r]));
      const expect: [number, string, string][] = [
        [2, 'failed', 'missing_exam'],
        [3, 'failed', 'missing_room'],
        [4, 'failed', 'bad_date'],
        [5, 'failed', 'bad_time'],
        [6, 'failed', 'bad_time'],
        [7, 'failed', 'no_students'],
        [8, 'failed', 'unknown_group'],
        [9, 'failed', 'unknown_matricula'],
        [10, 'warning', 'unknown_matricula'],
        [12, 'failed', 'overlap'],
        [13, 'skipped', 'duplicate'],
        [15, 'failed', 'overlap'],
        [16, 'warning', 'unknown_group'],
      ];
      assert.deepEqual(
        bad.rows.map((r) => [r.row, r.status, r.reason]),
        expect,
        JSON.stringify(bad.rows, null, 1),
      );
      for (const r of bad.rows) assert.match(r.message, /[а-яё]/i, `row ${r.row}: a Russian message`);
      assert.match(byRow.get('4:failed')!.message, /неверная дата «31\.02\.2026»/);
      assert.match(byRow.get('5:failed')!.message, /неверное время «25:00» в столбце «Начало»/);
      assert.match(byRow.get('6:failed')!.message, /конец \(10:00\) не позже начала \(11:00\)/);
      assert.match(byRow.get('8:failed')!.message, /«НЕТ-99»/);
      assert.match(byRow.get('9:failed')!.message, /9999999, 8888888/);
      assert.match(byRow.get('10:warning')!.message, /нет в базе Matricula 7777777.*загружено студентов: 1/);
      assert.match(byRow.get('12:failed')!.message, /«В-5».*«Первый».*строке 11/);
      assert.match(byRow.get('13:skipped')!.message, /повтор: аудитория «В-5», 2026-06-16 12:00 уже в строке 11/);
      assert.match(byRow.get('15:failed')!.message, /уже в базе: «Математика» 2026-06-15 09:00–11:00/);
      assert.deepEqual(
        { total: bad.total_rows, added: bad.added, failed: bad.failed, skipped: bad.skipped, warnings: bad.warnings },
        { total: 15, added: 4, failed: 10, skipped: 1, warnings: 2 },
      );
      assert.deepEqual(bad.by_reason, {
        missing_exam: 1,
        missing_room: 1,
        bad_date: 1,
        bad_time: 2,
        no_students: 1,
        unknown_group: 2,
        unknown_matricula: 2,
        overlap: 2,
        duplicate: 1,
      });
      const partial = (await sittingsIn(t.db)).find((x) => x.exam === 'Частично')!;
      assert.deepEqual(await registered(t.db, partial.id), ['0001001'], 'the known Matricula only');
      assert.equal((await sittingsIn(t.db)).length, 3 + 4);

      // 3. Missing, misspelt or absent columns: 400 bad_excel naming what is expected and what was found.
      const misspelt = await uploadSchedule(t.app, await xlsx([GOOD[0]!], ['Экзамен', 'Дата', 'Начало', 'Конец', 'Аудиторя', 'Группа']));
      assert.equal(misspelt.statusCode, 400);
      const me = misspelt.json<ErrorJson>();
      assert.equal(me.error, 'bad_excel');
      assert.match(me.message, /нет столбца «Аудитория»/);
      assert.match(me.message, /Найдены столбцы: .*«Аудиторя»/);
      assert.match(me.message, /Нужны столбцы: Экзамен, Дата, Начало, Конец, Аудитория/);
      const noWho = await uploadSchedule(t.app, await xlsx([GOOD[0]!], ['Экзамен', 'Дата', 'Начало', 'Конец', 'Аудитория']));
      assert.equal(noWho.statusCode, 400);
      assert.match(noWho.json<ErrorJson>().message, /«Группа» или «Matricula»/);
      const two = await uploadSchedule(t.app, await xlsx([GOOD[0]!], ['Exam', 'Date', 'Room', 'Group']));
      assert.match(two.json<ErrorJson>().message, /нет столбцов «Начало», «Конец»/);
      // English aliases, any order, spacing and case aside.
      const english = await load(t, [['2026-06-17', ' Biology ', '08:00', '09:00', 'C-1', 'ИТ-21']], [' date ', 'EXAM', 'Start', 'End', 'Room', 'Group']);
      assert.equal(english.added, 1, JSON.stringify(english.rows));
      // A title line above the table: passed over; row numbers stay Excel's.
      const titled = await load(t, [['Логика', '2026-06-18', '08:00', '09:00', 'C-1', 'НЕТ-1', null]], undefined, 'Расписание сессии, июнь 2026');
      assert.deepEqual(
        titled.rows.map((r) => [r.row, r.reason]),
        [[4, 'unknown_group']],
      );
      const garbage = await uploadSchedule(t.app, Buffer.from('not an xlsx at all'));
      assert.equal(garbage.statusCode, 400);
      assert.equal(garbage.json<ErrorJson>().error, 'bad_excel');
      assert.equal((await sittingsIn(t.db)).length, 3 + 4 + 1, 'a refused file changes nothing');

      // 4. Re-run: unchanged; an edited file: updated (exam name, end, list replaced); sittings not in the file stay.
      const again = await load(t, GOOD);
      assert.deepEqual([again.added, again.updated, again.unchanged, again.failed], [0, 0, 3, 0], JSON.stringify(again.rows));
      const passTime = new Date('2026-06-15T04:05:00Z').toISOString();
      await t.db
        .insertInto('passes')
        .values({
          student_id: (await t.db.selectFrom('students').select('id').where('matricula', '=', '0001003').executeTakeFirstOrThrow()).id,
          timestamp: passTime,
          pass_date: '2026-06-15',
          source: 'camera',
          station: 'A',
          distance: 0.3,
          sitting_id: math!.id,
        })
        .execute();
      const edited = await load(t, [
        ['Математика (письменно)', excelDate('2026-06-15'), excelTime(9, 0), excelTime(11, 0), 'А-101', 'ИТ-21', null],
        ['Физика', '15.06.2026', '13:00', '15:00', 'А-101', null, '0001001, 0001004;0001005\n0001002'],
        ['Химия', '2026-06-15', { value: 0.375, numFmt: 'General' }, { value: 0.4375, numFmt: 'General' }, 'Б-204', 'ЭК-22', null],
      ]);
      assert.deepEqual([edited.added, edited.updated, edited.unchanged, edited.failed], [0, 3, 0, 0], JSON.stringify(edited.rows));
      const after = await sittingsIn(t.db);
      const byId = new Map(after.map((x) => [x.id, x]));
      assert.equal(byId.get(math!.id)!.exam, 'Математика (письменно)', 'found again by room and start: the same id');
      assert.equal(byId.get(phys!.id)!.end_time, '15:00');
      assert.equal(byId.get(phys!.id)!.ends_at, '2026-06-15T10:00:00.000Z');
      assert.deepEqual(await registered(t.db, chem!.id), ['0001004', '0001005'], 'registrations replaced');
      assert.equal(after.length, 3 + 4 + 1, 'sittings not in the file are left alone');
      assert.equal(
        (await t.db.selectFrom('passes').select('id').where('sitting_id', '=', math!.id).execute()).length,
        1,
        'the pass still points at its sitting',
      );
      // Only one row: the others untouched, this one unchanged.
      const one = await load(t, [['Математика (письменно)', excelDate('2026-06-15'), excelTime(9, 0), excelTime(11, 0), 'А-101', 'ИТ-21', null]]);
      assert.deepEqual([one.added, one.updated, one.unchanged], [0, 0, 1]);

      // 5. Overlaps against the database across a re-run: a row that lengthens a stored sitting into another is refused,
      // and the row that shortens a stored sitting frees the room for a new one in the same file.
      const shift = await load(t, [
        ['Математика (письменно)', excelDate('2026-06-15'), excelTime(9, 0), excelTime(13, 30), 'А-101', 'ИТ-21', null], // into «Физика» 13:00
        ['Химия', '2026-06-15', '09:00', '09:45', 'Б-204', 'ЭК-22', null], // shortened
        ['Биохимия', '2026-06-15', '09:45', '10:30', 'Б-204', 'ЭК-22', null], // fits only because Химия is shortened
      ]);
      assert.deepEqual(
        shift.rows.map((r) => [r.row, r.reason]),
        [[2, 'overlap']],
        JSON.stringify(shift.rows),
      );
      assert.match(shift.rows[0]!.message, /уже в базе: «Физика»/);
      assert.deepEqual([shift.added, shift.updated], [1, 1]);
      assert.equal((await sittingsIn(t.db)).find((x) => x.id === math!.id)!.end_time, '11:00', 'the refused row changed nothing');

      // 6. The template: downloaded, read back by the loader itself (ИТ-22 has no students: a warning). Its first
      // row is А-101 at 09:00 on 2026-06-15, «Математика» above: found again and updated; the second is new.
      const tpl = await t.app.inject({ method: 'GET', url: '/admin/schedule-template.xlsx', headers: ADMIN });
      assert.equal(tpl.statusCode, 200);
      assert.match(String(tpl.headers['content-type']), /spreadsheetml/);
      assert.match(String(tpl.headers['content-disposition']), /schedule\.xlsx/);
      const fromTemplate = await uploadSchedule(t.app, tpl.rawPayload);
      const ts = fromTemplate.json<ScheduleSummary>();
      assert.deepEqual([ts.added, ts.updated, ts.failed], [1, 1, 0], fromTemplate.body);
      assert.deepEqual(
        ts.rows.map((r) => [r.row, r.status, r.reason]),
        [
          [2, 'warning', 'unknown_group'],
          [3, 'warning', 'unknown_matricula'],
        ],
      );
      assert.match(ts.rows[1]!.message, /00012346/);

      // 7. A database error in the middle of a load rolls the whole load back (a real trigger refuses one insert).
      if (kind.name === 'PostgreSQL') {
        await sql`create function boom() returns trigger language plpgsql as $$ begin if new.exam = 'Boom' then raise exception 'boom'; end if; return new; end $$`.execute(
          t.db,
        );
        await sql`create trigger boom before insert on sittings for each row execute function boom()`.execute(t.db);
      } else {
        await sql`create trigger boom before insert on sittings when new.exam = 'Boom' begin select raise(abort, 'boom'); end`.execute(t.db);
      }
      const before = await sittingsIn(t.db);
      const boom = await uploadSchedule(
        t.app,
        await xlsx([
          ['Новый', '2026-06-20', '09:00', '10:00', 'D-1', 'ИТ-21', null],
          ['Переименован', excelDate('2026-06-15'), excelTime(9, 0), excelTime(11, 0), 'А-101', 'ЭК-22', null],
          ['Boom', '2026-06-20', '11:00', '12:00', 'D-1', 'ИТ-21', null],
        ]),
      );
      assert.equal(boom.statusCode, 500, boom.body);
      assert.equal(boom.json<ErrorJson>().error, 'internal');
      assert.deepEqual(await sittingsIn(t.db), before, 'nothing of the failed load is left');
      assert.deepEqual(await registered(t.db, math!.id), ['0001001', '0001002', '0001003']);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });

  test(`DST-correct instants through HTTP (${kind.name}, TIMEZONE=Europe/Berlin)`, async () => {
    const tdb = await kind.make();
    const t = await startApp(tdb, engine, { TIMEZONE: 'Europe/Berlin', DATA_DIR: path.join(work, `dst-${kind.name}`) });
    try {
      await insertStudents(t.db, ROSTER.slice(0, 2));
      const s = await load(t, [
        ['Winter', excelDate('2026-03-28'), excelTime(9, 0), excelTime(10, 0), 'R', 'ИТ-21', null],
        ['Summer', excelDate('2026-03-29'), excelTime(9, 0), excelTime(10, 0), 'R', 'ИТ-21', null],
        ['Night', '29.03.2026', '01:30', '03:30', 'N', 'ИТ-21', null], // across the jump: 1 hour long
        ['Autumn', '2026-10-24', '09:00', '10:00', 'R', 'ИТ-21', null],
        ['Winter again', '2026-10-25', '09:00', '10:00', 'R', 'ИТ-21', null],
      ]);
      assert.equal(s.added, 5, JSON.stringify(s.rows));
      const rows = await sittingsIn(t.db);
      assert.deepEqual(
        rows.map((r) => [r.exam, r.starts_at, r.ends_at]),
        [
          ['Winter', '2026-03-28T08:00:00.000Z', '2026-03-28T09:00:00.000Z'],
          ['Night', '2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z'],
          ['Summer', '2026-03-29T07:00:00.000Z', '2026-03-29T08:00:00.000Z'],
          ['Autumn', '2026-10-24T07:00:00.000Z', '2026-10-24T08:00:00.000Z'],
          ['Winter again', '2026-10-25T08:00:00.000Z', '2026-10-25T09:00:00.000Z'],
        ],
      );
      // Re-run in the same zone: found again by the same instants.
      const again = await load(t, [['Summer', excelDate('2026-03-29'), excelTime(9, 0), excelTime(10, 0), 'R', 'ИТ-21', null]]);
      assert.deepEqual([again.added, again.unchanged], [0, 1]);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}

/** Runs a command through the shell, as a user types it. */
async function sh(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(command, { shell: '/bin/sh', cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

test(
  'the CLI: `load-schedule --file` loads into the configured database and prints the table only; --json prints JSON only; a bad file exits 1',
  { timeout: 120_000 },
  async () => {
    const dataDir = path.join(work, 'cli-data');
    const dbFile = path.join(dataDir, 'database.db');
    const db = await createDb({ kind: 'sqlite', file: dbFile });
    try {
      await insertStudents(db, ROSTER);
    } finally {
      await db.destroy();
    }
    const file = path.join(work, 'cli schedule.xlsx');
    await writeSchedule(file, [...GOOD, ['Без группы', '2026-06-15', '15:00', '16:00', 'А-101', null, null]]);
    const env = { DATA_DIR: dataDir, DATABASE_URL: '', TIMEZONE: 'Asia/Tashkent' };
    const cli = `"${process.execPath}" "${path.join(projectRoot, 'dist/src/cli/load-schedule.js')}"`;
    try {
      const ok = await sh(`${cli} --file "${file}"`, work, env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Итог загрузки расписания/);
      assert.match(ok.stdout, /добавлено:\s+3/);
      assert.match(ok.stdout, /ошибка\s+no_students\s+1\s+не указано, кто сдаёт/);
      assert.ok(
        ok.stdout.split('\n').every((l) => !l.trimStart().startsWith('{')),
        `the person at the terminal gets the summary, no JSON line:\n${ok.stdout}`,
      );
      // --json: the summary as JSON and nothing else on stdout (`npm run --silent load-schedule -- --json > f.json`).
      const asJson = await sh(`${cli} --json --file "${file}"`, work, env);
      assert.equal(asJson.code, 0, asJson.stderr);
      const json = JSON.parse(asJson.stdout) as ScheduleSummary;
      assert.deepEqual([json.unchanged, json.failed, json.total_rows, json.sittings], [3, 1, 4, 3]);
      assert.doesNotMatch(asJson.stdout, /Итог загрузки/);
      const check = await createDb({ kind: 'sqlite', file: dbFile });
      try {
        assert.equal((await check.selectFrom('sittings').select('id').execute()).length, 3);
      } finally {
        await check.destroy();
      }

      const badFile = path.join(work, 'cli bad.xlsx');
      await writeSchedule(badFile, [GOOD[0]!], ['Экзамен', 'Дата', 'Начало', 'Конец', 'Группа']);
      const bad = await sh(`${cli} --file "${badFile}"`, work, env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /нет столбца «Аудитория»/);
      const missing = await sh(`${cli} --file no-such.xlsx`, work, env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Файл не найден/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
