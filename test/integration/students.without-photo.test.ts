// Every row with a Matricula and a name becomes a student (issue 26), on SQLite and PostgreSQL: a missing photo, a
// 36×45 photo and an empty File path are stored «без фото» with the reason, a wrong birth date is dropped with a
// warning; the summary starts with them. Such students are found by the station search, never named by the camera
// (1:N nor 1:1), passed by hand (no photo can be taught to them from the door), listed in «Не прошли» and in their
// sitting; the admin's photo from the student card makes the camera know them; a re-run picks up a photo put in later.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import ExcelJS from 'exceljs';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, STATION_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto, doorFrame } from '../helpers/students.js';
import type { ErrorJson, LoadJson, PassAnswerJson, StudentSearchJson } from '../helpers/answers.js';

let engine: FaceEngine;
let people: IdPhoto[];
/** Each person in another picture than the enrolled crop (a wider crop of the group photo, resized). */
const frames: Buffer[] = [];
let work: string;
const admin = { 'x-admin-token': ADMIN_TOKEN };

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = (await makeIdPhotos(engine, [3, 6])).slice(0, 4);
  for (const p of people) frames.push(await doorFrame(engine, p));
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

// Tashkent is UTC+5: local 10:00 on 2026-06-15 is 05:00Z.
const DAY = '2026-06-15';
const at = (hhmm: string) => new Date(`${DAY}T${hhmm}:00+05:00`);

for (const kind of databaseKinds) {
  test(`${kind.name}: rows without a usable photo are students «без фото» — found, passed by hand, reported; the admin's photo makes the camera know them`, async () => {
    const tdb = await kind.make();
    const t: TestApp = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' }, () => at('10:00'));
    const docs = path.join(work, `${kind.name}-docs`);
    t.ctx.config.faceIdDocs = docs;
    try {
      const photos = path.join(docs, 'photos');
      fs.mkdirSync(photos, { recursive: true });
      const tiny = await sharp(people[1]!.bytes).resize(36, 45, { fit: 'fill' }).jpeg().toBuffer();
      fs.writeFileSync(path.join(photos, 'tiny.jpg'), tiny);
      fs.writeFileSync(path.join(photos, 'p2.jpg'), people[2]!.bytes);
      fs.writeFileSync(path.join(photos, 'p3.jpg'), people[3]!.bytes);
      const rows = [
        studentRow(0, 'missing.jpg'), // row 2: the file is not there
        studentRow(1, 'tiny.jpg'), // row 3: 36×45
        studentRow(2, 'p2.jpg', { 'Date of birth': '31.02.2004' }), // row 4: a good photo, an impossible birth date
        studentRow(3, 'p3.jpg'), // row 5: all well
        { ...studentRow(4, ''), 'File path': null, 'Date of birth': '31.02.2004' }, // row 6: no photo named, bad date
        { ...studentRow(5, 'p3.jpg'), Lastname: null, Firstname: null }, // row 7: nobody to store
      ];
      const sheet = path.join(work, `${kind.name}-list.xlsx`);
      await writeSheet(sheet, rows);
      const load = async (force = false) => {
        const form = multipart([{ name: 'file', filename: 'list.xlsx', data: fs.readFileSync(sheet) }, ...(force ? [{ name: 'force', data: 'true' }] : [])]);
        const res = await t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: form.body, headers: { ...form.headers, ...admin } });
        assert.equal(res.statusCode, 200, res.body);
        return res.json<LoadJson>();
      };

      // 1. Five students stored, three of them «без фото»; only the nameless row is refused. The summary starts with them.
      const s = await load();
      assert.deepEqual([s.added, s.failed, s.without_photo, s.index_size], [5, 1, 3, 2], JSON.stringify(s.rows));
      const byRow = new Map<string, string>(s.rows.map((r) => [`${r.row}:${r.reason}`, r.status]));
      assert.equal(byRow.get('2:file_not_found'), 'no_photo');
      assert.equal(byRow.get('3:image_too_small'), 'no_photo');
      assert.equal(byRow.get('6:no_file_path'), 'no_photo');
      assert.equal(byRow.get('4:bad_date'), 'warning');
      assert.equal(byRow.get('6:bad_date'), 'warning');
      assert.equal(byRow.get('7:missing_name'), 'failed');
      assert.deepEqual(
        s.actions.slice(0, 3).map((a) => a.status),
        ['no_photo', 'no_photo', 'no_photo'],
        'students without a photo come first',
      );
      assert.deepEqual(s.actions.find((a) => a.reason === 'bad_date')?.rows, [4, 6]);
      assert.ok(s.actions.every((a) => a.advice && a.advice.length > 10));
      assert.match(s.actions.find((a) => a.reason === 'image_too_small')!.advice!, /300×400/);

      const student = async (n: number) =>
        t.db
          .selectFrom('students')
          .select(['id', 'date_of_birth', 'photo_problem', 'embedding_model'])
          .where('matricula', '=', `00${1000 + n}`)
          .executeTakeFirstOrThrow();
      const [s0, s1, s2, s3, s4] = await Promise.all([0, 1, 2, 3, 4].map(student));
      assert.match(s0!.photo_problem!, /файл не найден: missing\.jpg/);
      assert.match(s1!.photo_problem!, /36×45/);
      assert.equal(s2!.photo_problem, null);
      assert.equal(s2!.date_of_birth, null, 'the impossible date is not stored');
      assert.equal(s3!.photo_problem, null);
      assert.match(s4!.photo_problem!, /File path/);

      // 2. The station search finds them and says «без фото»; there is no photo to fetch.
      const found = (await t.app.inject({ method: 'GET', url: '/api/students?q=001000' })).json<StudentSearchJson>();
      assert.deepEqual(
        found.students.map((x) => [x.id, x.photo_problem !== null]),
        [[s0!.id, true]],
      );
      assert.equal((await t.app.inject({ method: 'GET', url: `/api/students/${s0!.id}/photo` })).statusCode, 404);

      // 3. The camera never names them: 1:N answers «not found», the card's Matricula answers no_photo. Nobody is recorded.
      const r0 = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[0]!.toString('base64') } });
      assert.notEqual(r0.json<PassAnswerJson>().status, 'ok', r0.body);
      const v0 = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[0]!.toString('base64'), matricula: '001000' } });
      assert.equal(v0.json<{ status: string }>().status, 'no_photo', v0.body);
      assert.equal((await t.db.selectFrom('passes').select('id').execute()).length, 0);
      // The students with a photo are named as ever.
      const r2 = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[2]!.toString('base64') } });
      assert.equal(r2.json<PassAnswerJson>().student?.id, s2!.id, r2.body);

      // 4. A sitting now with the three «без фото» students: a manual pass admits one; no face can be taught to them from the door.
      const sitting = await t.db
        .insertInto('sittings')
        .values({
          exam: 'Математика',
          room: '101',
          sitting_date: DAY,
          start_time: '09:30',
          end_time: '12:00',
          starts_at: at('09:30').toISOString(),
          ends_at: at('12:00').toISOString(),
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await t.db
        .insertInto('sitting_students')
        .values([s0!, s1!, s4!].map((x) => ({ sitting_id: sitting.id, student_id: x.id })))
        .execute();
      const manual = await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: s0!.id, room: '101', reason: 'документы проверены' } });
      const pass = manual.json<PassAnswerJson & { add_face_ticket: string }>();
      assert.equal(pass.status, 'ok', manual.body);
      assert.equal(pass.sitting?.id, sitting.id);
      assert.match(pass.student.photo_problem ?? '', /missing\.jpg/, 'the door is told the student has no photo');
      const teach = multipart([
        { name: 'image', filename: 'f.jpg', data: frames[0]! },
        { name: 'ticket', data: pass.add_face_ticket },
      ]);
      const taught = await t.app.inject({ method: 'POST', url: `/api/students/${s0!.id}/faces`, payload: teach.body, headers: teach.headers });
      assert.equal(taught.statusCode, 409, taught.body);
      assert.match(taught.json<ErrorJson>().message, /нет фото в базе/);

      // 5. The sitting lists them: one came (by hand), two absent; the day report's «Не прошли» has the three who did not pass.
      const report = (await t.app.inject({ method: 'GET', url: `/admin/sittings/${sitting.id}`, headers: admin })).json<{
        came: { lastname: string; source: string }[];
        absent: { lastname: string }[];
      }>();
      assert.deepEqual(
        report.came.map((x) => [x.lastname, x.source]),
        [['Иванова-0', 'manual']],
      );
      assert.deepEqual(report.absent.map((x) => x.lastname).sort(), ['Иванова-1', 'Иванова-4']);
      const xlsx = await t.app.inject({ method: 'GET', url: `/admin/export_report?date=${DAY}`, headers: admin });
      assert.equal(xlsx.statusCode, 200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const absentSheet = wb.getWorksheet('Не прошли')!;
      const absentText: string[] = [];
      absentSheet.eachRow((row) => absentText.push(JSON.stringify(row.values)));
      for (const n of [1, 3, 4])
        assert.ok(
          absentText.some((l) => l.includes(`Иванова-${n}`)),
          `Иванова-${n} in «Не прошли»`,
        );
      for (const n of [0, 2]) assert.ok(!absentText.some((l) => l.includes(`Иванова-${n}`)), `Иванова-${n} passed (by hand, by the camera)`);

      // 6. The admin uploads a photo from the card: only the admin token; then the camera names the student.
      const photoOf1 = (replace = false, headers: Record<string, string> = admin) =>
        t.anon({
          method: 'POST',
          url: `/admin/students/${s1!.id}/photo${replace ? '?replace=1' : ''}`,
          payload: people[1]!.bytes,
          headers: { 'content-type': 'image/jpeg', ...headers },
        });
      assert.equal((await photoOf1(false, { 'x-station-token': STATION_TOKEN })).statusCode, 401, 'a station cannot enrol a face');
      const bad = await t.anon({
        method: 'POST',
        url: `/admin/students/${s1!.id}/photo`,
        payload: tiny,
        headers: { 'content-type': 'image/jpeg', ...admin },
      });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.equal(bad.json<ErrorJson>().error, 'image_too_small');
      assert.match((await student(1)).photo_problem!, /36×45/, 'a refused photo changes nothing');
      const enrolled = await photoOf1();
      assert.equal(enrolled.statusCode, 200, enrolled.body);
      assert.equal(enrolled.json<{ status: string; replaced: boolean }>().replaced, false);
      assert.equal((await student(1)).photo_problem, null);
      assert.equal(t.ctx.index.size, 3);
      const r1 = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[1]!.toString('base64') } });
      assert.equal(r1.json<PassAnswerJson>().student?.id, s1!.id, r1.body);
      assert.equal((await t.app.inject({ method: 'GET', url: `/api/students/${s1!.id}/photo` })).statusCode, 200);
      // A student with a photo keeps it unless the admin confirms the replacement.
      const again = await photoOf1();
      assert.equal(again.statusCode, 409, again.body);
      const replaced = await photoOf1(true);
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.equal(replaced.json<{ replaced: boolean }>().replaced, true);

      // 7. A re-run after the office put the missing file in: that student gets a face; the others are only «exists».
      fs.writeFileSync(path.join(photos, 'missing.jpg'), people[0]!.bytes);
      const rerun = await load();
      assert.deepEqual([rerun.added, rerun.updated, rerun.without_photo], [0, 1, 0], JSON.stringify(rerun.rows));
      assert.equal((await student(0)).photo_problem, null);
      assert.equal(t.ctx.index.size, 4);
      // Without the force flag, a student with a face is never touched by a re-run; with it and a broken photo, the face stays.
      fs.writeFileSync(path.join(photos, 'p3.jpg'), tiny);
      const forced = await load(true);
      const kept = forced.rows.find((r) => r.row === 5 && r.reason === 'image_too_small');
      assert.equal(kept?.status, 'warning', JSON.stringify(forced.rows));
      assert.match(kept.message, /прежнее оставлено/);
      assert.equal((await student(3)).photo_problem, null);
      assert.equal(t.ctx.index.size, 4);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}
