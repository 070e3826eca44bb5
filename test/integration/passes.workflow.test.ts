// The operator's workflow through HTTP on SQLite and PostgreSQL: find a student (ё = е), manual pass,
// already passed, cancel with a reason, pass again, the student card, the report's two sheets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, studentRow, type IdPhoto } from '../helpers/students.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';
import type { CancelJson, ErrorJson, PassAnswerJson, StudentCardJson, StudentSearchJson } from '../helpers/answers.js';

let engine: FaceEngine;
let people: IdPhoto[];
let frame: Buffer;
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = await makeIdPhotos(engine, [3, 6]);
  const seen = await engine.describe(sampleBytes(people[0]!.sample), { purpose: 'probe', describe: 'all' });
  frame = await sharp(await cropFace(sampleBytes(people[0]!.sample), seen.faces[people[0]!.face]!.box, 0.45))
    .resize(480)
    .jpeg({ quality: 80 })
    .toBuffer();
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const admin = { 'x-admin-token': ADMIN_TOKEN };

for (const kind of databaseKinds) {
  test(`${kind.name}: manual pass found by «Федорова», already passed, cancel, pass again, student card, report sheets`, async () => {
    const tdb = await kind.make();
    const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' });
    try {
      // Фёдорова's only photo is someone else's (a reused file): the camera never names her; the operator admits her by hand.
      await enrol(t, engine, people.slice(0, 3), fs.mkdtempSync(`${work}/w-`), [
        studentRow(50, `${people[2]!.key}.jpg`, { Lastname: 'Фёдорова', Firstname: 'Алёна', Group: 'ФИ-11' }),
      ]);
      const find = (q: string) => t.app.inject({ method: 'GET', url: `/api/students?q=${encodeURIComponent(q)}` });
      for (const q of ['Федорова', 'ФЁДОРОВА', 'федор', 'алена', '001050']) {
        const r = await find(q);
        assert.equal(r.statusCode, 200, r.body);
        const found = r.json<StudentSearchJson>();
        assert.equal(found.total, 1, q);
        const s = found.students[0]!;
        assert.deepEqual([s.lastname, s.firstname, s.matricula, s.passed_today], ['Фёдорова', 'Алёна', '001050', null], q);
        assert.equal(s.photo_url, `/api/students/${s.id}/photo`);
        assert.equal(s.passport_number, undefined, 'no passport number in the station search');
        assert.equal(s.date_of_birth, undefined);
      }
      const id = (await find('Федорова')).json<StudentSearchJson>().students[0]!.id;
      for (const [q, code] of [
        ['ф', 400],
        ['', 400],
      ] as const)
        assert.equal((await find(q)).statusCode, code, q);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/students?q=aa&q=bb' })).statusCode, 400, 'a repeated parameter');
      assert.equal((await t.anon({ method: 'GET', url: '/api/students?q=Федорова' })).statusCode, 401);

      const manual = (body: unknown) => t.app.inject({ method: 'POST', url: '/api/passes', payload: body as Record<string, unknown> });
      assert.equal((await t.anon({ method: 'POST', url: '/api/passes', payload: { student_id: id } })).statusCode, 401);
      for (const bad of [
        {},
        { student_id: 'abc' },
        { student_id: 0 },
        { student_id: 1.5 },
        { student_id: id, reason: 'x'.repeat(201) },
        { student_id: id, reason: { text: 'x' } },
      ]) {
        const r = await manual(bad);
        assert.equal(r.statusCode, 400, JSON.stringify(bad));
        assert.equal(r.json<ErrorJson>().error, 'bad_request');
      }
      assert.equal((await manual({ student_id: 999_999 })).statusCode, 404);
      for (const raw of ['[]', 'null', '"x"']) {
        const r = await t.app.inject({ method: 'POST', url: '/api/passes', headers: { 'content-type': 'application/json' }, payload: raw });
        assert.deepEqual([r.statusCode, r.json<ErrorJson>().message], [400, 'Тело запроса должно быть объектом JSON'], raw);
      }
      const first = await manual({ student_id: id, reason: '  \u202EПаспорт проверен  ', station: 'Дверь 1' });
      assert.equal(first.statusCode, 200, first.body);
      const a = first.json<PassAnswerJson>();
      assert.equal(a.status, 'ok');
      assert.equal(a.student.lastname, 'Фёдорова');
      assert.deepEqual([a.pass.source, a.pass.reason, a.pass.station, a.distance, a.match_quality], ['manual', 'Паспорт проверен', 'Дверь 1', null, null]);
      assert.equal(a.student.passport_number, undefined);
      const second = (await manual({ student_id: id, station: 'Дверь 2' })).json<PassAnswerJson>();
      assert.equal(second.status, 'already_passed');
      assert.equal(second.first_pass_time, a.pass.time);
      assert.equal(second.pass.id, a.pass.id);
      assert.equal((await find('Федорова')).json<StudentSearchJson>().students[0]!.passed_today, a.pass.time);

      // Cancel: admin only, a reason, once.
      const cancel = (pid: number, body: unknown, headers: Record<string, string> = admin) =>
        t.app.inject({ method: 'POST', url: `/admin/passes/${pid}/cancel`, headers, payload: body as Record<string, unknown> });
      assert.equal((await cancel(a.pass.id, { reason: 'ошибка' }, {})).statusCode, 401);
      assert.equal((await cancel(a.pass.id, { reason: '   ' })).statusCode, 400);
      assert.equal((await cancel(a.pass.id, {})).statusCode, 400);
      assert.equal((await cancel(987_654, { reason: 'ошибка' })).statusCode, 404);
      const c = await cancel(a.pass.id, { reason: 'Пропущена не та студентка' });
      assert.equal(c.statusCode, 200, c.body);
      assert.deepEqual(
        [c.json<CancelJson>().pass.cancelled, c.json<CancelJson>().pass.cancel_reason, c.json<CancelJson>().pass.cancelled_by],
        [true, 'Пропущена не та студентка', 'admin'],
      );
      const again = await cancel(a.pass.id, { reason: 'ещё раз' });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json<ErrorJson>().error, 'conflict');

      // After the cancellation she has not passed today, and passes again.
      assert.equal((await find('Федорова')).json<StudentSearchJson>().students[0]!.passed_today, null);
      const re = (await manual({ student_id: id })).json<PassAnswerJson>();
      assert.equal(re.status, 'ok');
      assert.notEqual(re.pass.id, a.pass.id);
      assert.equal((await manual({ student_id: id })).json<PassAnswerJson>().status, 'already_passed');

      const card = await t.app.inject({ method: 'GET', url: `/admin/students/${id}`, headers: admin });
      assert.equal(card.statusCode, 200, card.body);
      const cardJson = card.json<StudentCardJson>();
      assert.equal(cardJson.student.lastname, 'Фёдорова');
      assert.equal(cardJson.student.passport_number, undefined);
      assert.deepEqual(
        cardJson.passes.map((p) => [p.id, p.cancelled, p.source_label]),
        [
          [re.pass.id, false, 'вручную'],
          [a.pass.id, true, 'вручную'],
        ],
      );
      assert.equal((await t.app.inject({ method: 'GET', url: `/admin/students/${id}` })).statusCode, 401);
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/students/99999', headers: admin })).statusCode, 404);

      // The camera: a real face, with the operator's word for the match.
      const cam = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frame.toString('base64'), source: 'camera' } });
      const camJson = cam.json<PassAnswerJson>();
      assert.equal(camJson.status, 'ok', cam.body);
      assert.ok(camJson.match_quality === 'reliable' || camJson.match_quality === 'borderline', cam.body);
      assert.equal(typeof camJson.distance, 'number');

      // Report: the standing passes (not the cancelled one), and who did not pass.
      const rep = await t.app.inject({ method: 'GET', url: '/admin/export_report', headers: admin });
      assert.equal(rep.statusCode, 200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(rep.rawPayload as unknown as ArrayBuffer);
      assert.deepEqual(
        wb.worksheets.map((w) => w.name),
        ['Проходы', 'Не прошли'],
      );
      const passes = wb.getWorksheet('Проходы')!;
      const head = (passes.getRow(1).values as unknown[]).slice(1);
      const rows = Array.from({ length: passes.rowCount - 1 }, (_, i) => passes.getRow(i + 2));
      assert.equal(rows.length, 2, 'Фёдорова once (her cancelled pass left out) and the camera pass');
      const fed = rows.find((r) => r.getCell(head.indexOf('Фамилия') + 1).value === 'Фёдорова')!;
      assert.equal(fed.getCell(head.indexOf('Способ') + 1).value, 'вручную');
      assert.equal(rows.find((r) => r !== fed)!.getCell(head.indexOf('Способ') + 1).value, 'камера');
      const absent = wb.getWorksheet('Не прошли')!;
      assert.deepEqual((absent.getRow(1).values as unknown[]).slice(1), [
        '№ зачётки (Matricula)',
        'Фамилия',
        'Имя',
        'ФИО латиницей',
        'Группа',
        'Идентификатор',
      ]);
      assert.deepEqual(
        Array.from({ length: absent.rowCount - 1 }, (_, i) => absent.getRow(i + 2).getCell(2).value),
        absentOrder(3),
      );
      // The sheet template, admin only.
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/template.xlsx' })).statusCode, 401);
      const tpl = await t.app.inject({ method: 'GET', url: '/admin/template.xlsx', headers: admin });
      assert.equal(tpl.statusCode, 200);
      assert.match(String(tpl.headers['content-disposition']), /filename="list of students\.xlsx"/);
      const wt = new ExcelJS.Workbook();
      await wt.xlsx.load(tpl.rawPayload as unknown as ArrayBuffer);
      assert.ok((wt.worksheets[0]!.getRow(1).values as unknown[]).includes('Passport number'));
      // Group filter, any case: only ФИ-11, who passed → nobody absent.
      const g = await t.app.inject({ method: 'GET', url: `/admin/export_report?group=${encodeURIComponent('фи-11')}`, headers: admin });
      const wg = new ExcelJS.Workbook();
      await wg.xlsx.load(g.rawPayload as unknown as ArrayBuffer);
      assert.equal(wg.getWorksheet('Проходы')!.rowCount, 2);
      assert.equal(wg.getWorksheet('Не прошли')!.rowCount, 1);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}

/** Students 1..n-1 of the sheet did not pass (student 0 passed by camera), sorted by group then name: ЭК-22 after ИТ-21. */
function absentOrder(n: number): string[] {
  const rows = Array.from({ length: n - 1 }, (_, i) => i + 1).map((i) => ({ name: `Иванова-${i}`, group: i % 2 ? 'ИТ-21' : 'ЭК-22' }));
  return rows.sort((a, b) => a.group.localeCompare(b.group, 'ru') || a.name.localeCompare(b.name, 'ru')).map((r) => r.name);
}
