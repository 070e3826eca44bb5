// The per-sitting report on SQLite and PostgreSQL: a sitting with 3 registered students, passes recorded for
// it (one cancelled), refused attempts (not registered, wrong room) → GET /admin/sittings?date=, the JSON
// report and the .xlsx (three sheets, formula-like names defused, no passport numbers or birth dates).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { FaceEngine } from '../../src/face/engine.js';
import { cancelPass, recordAttempt, recordFirstPass } from '../../src/passes/repository.js';
import type { ScheduleSummary } from '../../src/schedule/loader.js';
import type { SittingListItem, SittingReport } from '../../src/passes/sitting-report.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { ADMIN, insertStudents, uploadSchedule, writeSchedule } from '../helpers/schedule.js';
import { startApp } from '../helpers/app.js';

interface ErrorJson {
  error: string;
  message: string;
}

let engine: FaceEngine;
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  work = tempDir('efc-sitting-report-');
});

after(async () => {
  await engine?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const FORMULA_NAME = '=HYPERLINK("http://x.invalid","y")';

const ROSTER = [
  { matricula: '0002001', lastname: 'Алиева', firstname: 'Айгуль', group: 'ИТ-21' },
  { matricula: '0002002', lastname: FORMULA_NAME, firstname: 'Бахтиёр', group: '+ИТ' },
  { matricula: '0002003', lastname: 'Валиев', firstname: 'Вали', group: 'ИТ-21' },
  { matricula: '0002004', lastname: 'Гафуров', firstname: 'Гайрат', group: 'ЭК-22' },
  { matricula: '0002005', lastname: 'Давлатова', firstname: 'Дилноза', group: 'ЭК-22' },
];

/** The sheet's rows as plain values, header first. */
function rowsOf(ws: ExcelJS.Worksheet): unknown[][] {
  const out: unknown[][] = [];
  ws.eachRow((r) => out.push((r.values as unknown[]).slice(1)));
  return out;
}

for (const kind of databaseKinds) {
  test(`sitting report (${kind.name}): came, absent, unregistered in the list, the JSON and the .xlsx`, async () => {
    const tdb = await kind.make();
    // 10:00 in Tashkent on the exam day: «today» for the list.
    const t = await startApp(
      tdb,
      engine,
      { TIMEZONE: 'Asia/Tashkent', DATA_DIR: path.join(work, `data-${kind.name}`) },
      () => new Date('2026-06-15T05:00:00Z'),
    );
    try {
      const [s1, s2, s3, s4, s5] = await insertStudents(t.db, ROSTER);
      const file = path.join(work, `schedule-${kind.name}.xlsx`);
      await writeSchedule(file, [
        ['Математика', '15.06.2026', '09:00', '11:00', 'А-101', null, '0002001, 0002002, 0002003'],
        ['Экономика', '15.06.2026', '09:00', '11:00', 'Б-204', null, '0002005'],
        ['Завтра', '16.06.2026', '09:00', '11:00', 'А-101', 'ЭК-22', null],
      ]);
      const loaded = await uploadSchedule(t.app, fs.readFileSync(file));
      assert.equal(loaded.json<ScheduleSummary>().added, 3, loaded.body);
      const sittings = await t.db.selectFrom('sittings').select(['id', 'exam']).execute();
      const math = sittings.find((s) => s.exam === 'Математика')!.id;
      const econ = sittings.find((s) => s.exam === 'Экономика')!.id;

      // Passes for the sitting: s1 by camera, s2 by hand, s3 admitted then cancelled (absent after all).
      const pass = (student_id: number, timestamp: string, source: 'camera' | 'manual', station: string | null) =>
        recordFirstPass(t.db, {
          student_id,
          timestamp,
          pass_date: '2026-06-15',
          source,
          station,
          distance: source === 'camera' ? 0.31 : null,
          sitting_id: math,
        });
      await pass(s2!, '2026-06-15T04:10:00.000Z', 'manual', 'Вход А');
      await pass(s1!, '2026-06-15T04:05:10.000Z', 'camera', '@Вход А');
      const wrong = await pass(s3!, '2026-06-15T04:06:00.000Z', 'camera', 'Вход А');
      await cancelPass(t.db, wrong.pass.id, 'не тот студент', 'admin', '2026-06-15T04:07:00.000Z');
      // A pass of the day rule (no sitting) does not count for the sitting.
      await recordFirstPass(t.db, {
        student_id: s4!,
        timestamp: '2026-06-15T03:00:00.000Z',
        pass_date: '2026-06-15',
        source: 'camera',
        station: null,
        distance: 0.3,
      });

      // Refused attempts at the sitting's room: s4 twice (first try 09:03), s5 in the wrong room; others do not count.
      const attempt = (student_id: number | null, timestamp: string, status: string, sitting_id: number | null = math) =>
        recordAttempt(t.db, {
          timestamp,
          status,
          student_id,
          distance: 0.3,
          second_distance: null,
          faces: 1,
          source: 'camera',
          station: 'Вход А',
          duration_ms: 100,
          room: 'А-101',
          sitting_id,
        });
      await attempt(s4!, '2026-06-15T04:07:00.000Z', 'not_registered');
      await attempt(s4!, '2026-06-15T04:03:00.000Z', 'not_registered');
      await attempt(s5!, '2026-06-15T04:20:00.000Z', 'wrong_room');
      await attempt(s1!, '2026-06-15T04:05:10.000Z', 'ok');
      await attempt(null, '2026-06-15T04:08:00.000Z', 'not_registered');
      await attempt(s4!, '2026-06-15T04:30:00.000Z', 'not_registered', econ);

      // The day's list (default: today in TIMEZONE) with counts.
      const list = await t.app.inject({ method: 'GET', url: '/admin/sittings', headers: ADMIN });
      assert.equal(list.statusCode, 200, list.body);
      const day = list.json<{ date: string; sittings: SittingListItem[] }>();
      assert.equal(day.date, '2026-06-15');
      assert.deepEqual(
        day.sittings.map((s) => [s.exam, s.room, s.date, s.start, s.end, s.starts_at, s.registered, s.came, s.absent, s.unregistered]),
        [
          ['Математика', 'А-101', '2026-06-15', '09:00', '11:00', '2026-06-15T04:00:00.000Z', 3, 2, 1, 2],
          ['Экономика', 'Б-204', '2026-06-15', '09:00', '11:00', '2026-06-15T04:00:00.000Z', 1, 0, 1, 1],
        ],
      );
      const other = await t.app.inject({ method: 'GET', url: '/admin/sittings?date=2026-06-16', headers: ADMIN });
      assert.deepEqual(
        other.json<{ sittings: SittingListItem[] }>().sittings.map((s) => [s.exam, s.registered, s.absent]),
        [['Завтра', 2, 2]],
      );
      const empty = await t.app.inject({ method: 'GET', url: '/admin/sittings?date=2026-07-01', headers: ADMIN });
      assert.deepEqual(empty.json(), { date: '2026-07-01', sittings: [] });
      for (const bad of ['2026-02-30', '15.06.2026', 'tomorrow']) {
        const r = await t.app.inject({ method: 'GET', url: `/admin/sittings?date=${encodeURIComponent(bad)}`, headers: ADMIN });
        assert.equal(r.statusCode, 400, bad);
        assert.match(r.json<ErrorJson>().message, /Неверная дата date=.*ГГГГ-ММ-ДД/);
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/sittings' })).statusCode, 401);

      // The JSON report.
      const res = await t.app.inject({ method: 'GET', url: `/admin/sittings/${math}`, headers: ADMIN });
      assert.equal(res.statusCode, 200, res.body);
      const r = res.json<SittingReport>();
      assert.deepEqual(r.sitting, { id: math, exam: 'Математика', room: 'А-101', date: '2026-06-15', start: '09:00', end: '11:00' });
      assert.deepEqual(r.came, [
        {
          student_id: s1,
          lastname: 'Алиева',
          firstname: 'Айгуль',
          group: 'ИТ-21',
          matricula: '0002001',
          time: '09:05:10',
          source: 'camera',
          station: '@Вход А',
        },
        {
          student_id: s2,
          lastname: FORMULA_NAME,
          firstname: 'Бахтиёр',
          group: '+ИТ',
          matricula: '0002002',
          time: '09:10:00',
          source: 'manual',
          station: 'Вход А',
        },
      ]);
      assert.deepEqual(r.absent, [{ student_id: s3, lastname: 'Валиев', firstname: 'Вали', group: 'ИТ-21', matricula: '0002003' }]);
      assert.deepEqual(r.unregistered, [
        { student_id: s4, lastname: 'Гафуров', firstname: 'Гайрат', group: 'ЭК-22', matricula: '0002004', time: '09:03:00', status: 'not_registered' },
        { student_id: s5, lastname: 'Давлатова', firstname: 'Дилноза', group: 'ЭК-22', matricula: '0002005', time: '09:20:00', status: 'wrong_room' },
      ]);
      const passports = (await t.db.selectFrom('students').select('passport_number').execute()).map((p) => p.passport_number!);
      for (const secret of [...passports, '2004-01-09', 'passport', 'date_of_birth']) assert.ok(!res.body.includes(secret), `${secret} in the report`);

      const missing = await t.app.inject({ method: 'GET', url: '/admin/sittings/999999', headers: ADMIN });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json<ErrorJson>().message, 'Экзамен не найден');
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/sittings/abc', headers: ADMIN })).statusCode, 400);
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/sittings/999999/report.xlsx', headers: ADMIN })).statusCode, 404);

      // The .xlsx: three sheets, Russian headers, the same rows; text from the roster defused; nothing personal.
      const x = await t.app.inject({ method: 'GET', url: `/admin/sittings/${math}/report.xlsx`, headers: ADMIN });
      assert.equal(x.statusCode, 200, x.body);
      assert.match(String(x.headers['content-type']), /spreadsheetml/);
      assert.match(String(x.headers['content-disposition']), /filename\*=UTF-8''sitting_2026-06-15_0900_/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
      assert.deepEqual(
        wb.worksheets.map((w) => w.name),
        ['Пришли', 'Не пришли', 'Без регистрации'],
      );
      // Every sheet starts with the sitting it lists (a printed attendance list is never anonymous).
      for (const ws of wb.worksheets) assert.match(ws.getCell(1, 1).text, /^Математика · аудитория А-101 · 15\.06\.2026, 09:00–11:00$/);
      assert.equal(wb.getWorksheet('Пришли')!.getCell(2, 1).text, 'Пришли: 2');
      assert.deepEqual(rowsOf(wb.getWorksheet('Пришли')!).slice(2), [
        ['№ зачётки (Matricula)', 'Фамилия', 'Имя', 'Группа', 'Время прохода', 'Способ', 'Пункт пропуска'],
        ['0002001', 'Алиева', 'Айгуль', 'ИТ-21', '09:05:10', 'камера', "'@Вход А"],
        ['0002002', `'${FORMULA_NAME}`, 'Бахтиёр', "'+ИТ", '09:10:00', 'вручную', 'Вход А'],
      ]);
      assert.deepEqual(rowsOf(wb.getWorksheet('Не пришли')!).slice(2), [
        ['№ зачётки (Matricula)', 'Фамилия', 'Имя', 'Группа'],
        ['0002003', 'Валиев', 'Вали', 'ИТ-21'],
      ]);
      assert.deepEqual(rowsOf(wb.getWorksheet('Без регистрации')!).slice(2), [
        ['№ зачётки (Matricula)', 'Фамилия', 'Имя', 'Группа', 'Первая попытка', 'Причина отказа'],
        ['0002004', 'Гафуров', 'Гайрат', 'ЭК-22', '09:03:00', 'нет в списке этого экзамена'],
        ['0002005', 'Давлатова', 'Дилноза', 'ЭК-22', '09:20:00', 'записан в другую аудиторию'],
      ]);
      const texts: string[] = [];
      for (const ws of wb.worksheets)
        ws.eachRow((row) =>
          row.eachCell((c) => {
            assert.equal(c.formula, undefined, 'no cell is a formula');
            texts.push(c.text);
          }),
        );
      for (const secret of [...passports, '2004-01-09']) assert.ok(!texts.some((v) => v.includes(secret)), `${secret} in the workbook`);

      // The other room's sitting has its own lists only (s4's try there counts there).
      const econReport = await t.app.inject({ method: 'GET', url: `/admin/sittings/${econ}`, headers: ADMIN });
      const er = econReport.json<SittingReport>();
      assert.deepEqual([er.came.length, er.absent.length, er.unregistered.length], [0, 1, 1]);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}
