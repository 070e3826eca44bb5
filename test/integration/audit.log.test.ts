// The audit log (issue 27) with real faces and real databases: one walk through every logged action — student sheet
// load, schedule import, station pairing, a paired station's manual pass and added face, an override with the shared
// token, cancellation, removal of the added face, an admin photo upload, station rename / new link / revocation,
// erasure, the retention sweep — each with the right actor, station and target, and not one passport number, birth
// date, name or photo byte in any row. Then filters, paging, bad input, the .xlsx export (a formula-like target
// stays text), admin only, and no route (nor any code but the sweep's own retention) updates or deletes a row; a row the
// database refuses after the change is retried, then handed to the server log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { FaceEngine } from '../../src/face/engine.js';
import { projectRoot } from '../../src/paths.js';
import { sweepRetention } from '../../src/retention/sweep.js';
import { appendAudit, writeAudit, SYSTEM, detailJson, type AuditInsert } from '../../src/audit/log.js';
import { createDb } from '../../src/db/index.js';
import { databaseKinds, sqliteDatabase, tempDir, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, STATION_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto, doorFrame } from '../helpers/students.js';
import { writeSchedule, uploadSchedule } from '../helpers/schedule.js';
import type { PassAnswerJson } from '../helpers/answers.js';

let engine: FaceEngine;
let people: IdPhoto[];
const frames: Buffer[] = [];
let work: string;
const admin = { 'x-admin-token': ADMIN_TOKEN };
// Noon in Tashkent: the sitting 11:30–13:30 in А-101 is open.
const NOW = new Date('2026-12-07T07:00:00Z');
const DAY = '2026-12-07';

interface Entry {
  id: number;
  at: string;
  time: string;
  actor_kind: string;
  station_id: number | null;
  actor_name: string | null;
  ip: string | null;
  action: string;
  action_label: string;
  target: string | null;
  detail: Record<string, unknown> | null;
}
interface Page {
  total: number;
  entries: Entry[];
}

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

for (const kind of databaseKinds) {
  test(`${kind.name}: every data-changing action is in the audit log with its actor, station and target — and nothing personal`, async () => {
    const tdb: TestDatabase = await kind.make();
    const docs = fs.mkdtempSync(path.join(work, 'docs-'));
    fs.mkdirSync(path.join(docs, 'photos'));
    // Three students with photos, the fourth «без фото» (her photo is uploaded from the card later).
    for (const p of people.slice(0, 3)) fs.writeFileSync(path.join(docs, 'photos', `${p.key}.jpg`), p.bytes);
    await writeSheet(path.join(docs, 'list of students.xlsx'), [
      ...people.slice(0, 3).map((p, i) => studentRow(i, `${p.key}.jpg`)),
      studentRow(3, 'missing.jpg'),
    ]);
    let tick = 0;
    const t: TestApp = await startApp(
      tdb,
      engine,
      { FACE_ID_DOCS: docs, TIMEZONE: 'Asia/Tashkent', DATA_DIR: path.join(docs, 'data') },
      () => new Date(NOW.getTime() + tick++ * 1000),
    );
    const audit = async (query = ''): Promise<Page> => {
      const r = await t.app.inject({ method: 'GET', url: `/admin/audit${query}`, headers: admin });
      assert.equal(r.statusCode, 200, r.body);
      return r.json<Page>();
    };
    try {
      // 1. The student sheet (HTTP, the configured file).
      const load = await t.app.inject({ method: 'POST', url: '/admin/load_excel', headers: admin });
      assert.equal(load.statusCode, 200, load.body);
      const secrets = await t.db.selectFrom('students').select(['id', 'matricula', 'lastname', 'passport_number', 'date_of_birth']).orderBy('id').execute();
      assert.equal(secrets.length, 4);
      const idOf = (n: number) => secrets.find((s) => s.matricula === `00${1000 + n}`)!.id;
      const [anna, boris, clara, dan] = [idOf(0), idOf(1), idOf(2), idOf(3)];

      // 2. The schedule (HTTP): Anna sits Математика in А-101 now.
      const sched = path.join(docs, 'schedule.xlsx');
      await writeSchedule(sched, [['Математика', DAY, '11:30', '13:30', 'А-101', null, '001000']]);
      assert.equal((await uploadSchedule(t.app, fs.readFileSync(sched))).statusCode, 200);

      // 3. A paired station in А-101.
      const paired = await t.app.inject({ method: 'POST', url: '/admin/stations', payload: { name: 'Вход 1', room: 'А-101' }, headers: admin });
      assert.equal(paired.statusCode, 200, paired.body);
      const station = paired.json<{ station: { id: number }; url: string }>();
      const own = { 'x-station-token': decodeURIComponent(station.url.split('#pair=')[1]!) };

      // 4. The paired station admits Anna by hand (documents checked) and adds the next frame to her photos.
      const manual = await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: anna, reason: 'паспорт проверен' }, headers: own });
      const m = manual.json<PassAnswerJson>();
      assert.equal(m.status, 'ok', manual.body);
      const form = multipart([
        { name: 'image', filename: 'f.jpg', data: frames[0]! },
        { name: 'ticket', data: m.add_face_ticket! },
      ]);
      const added = await t.app.inject({ method: 'POST', url: `/api/students/${anna}/faces`, payload: form.body, headers: { ...form.headers, ...own } });
      assert.equal(added.statusCode, 200, added.body);
      const faceId = added.json<{ face: { id: number } }>().face.id;
      // Anna again: «already passed» changes nothing and is not logged.
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: anna }, headers: own })).json<PassAnswerJson>().status,
        'already_passed',
      );

      // 5. The shared station token: «Допустить» Boris (not registered) into А-101.
      const over = await t.app.inject({
        method: 'POST',
        url: '/api/passes',
        payload: { student_id: boris, room: 'А-101', override: true, reason: 'поздняя запись' },
      });
      assert.equal(over.json<PassAnswerJson>().status, 'ok', over.body);
      const borisPass = over.json<PassAnswerJson>().pass.id;

      // 6. The admin: cancels Boris's pass, removes Anna's added photo, uploads Dan's photo.
      const cancel = await t.app.inject({ method: 'POST', url: `/admin/passes/${borisPass}/cancel`, payload: { reason: 'не тот студент' }, headers: admin });
      assert.equal(cancel.statusCode, 200, cancel.body);
      const removed = await t.app.inject({ method: 'DELETE', url: `/admin/student-faces/${faceId}`, headers: admin });
      assert.equal(removed.statusCode, 200, removed.body);
      const photo = await t.app.inject({
        method: 'POST',
        url: `/admin/students/${dan}/photo`,
        payload: people[3]!.bytes,
        headers: { 'content-type': 'image/jpeg', ...admin },
      });
      assert.equal(photo.statusCode, 200, photo.body);

      // 7. The station renamed, a new link, revoked.
      assert.equal(
        (await t.app.inject({ method: 'PATCH', url: `/admin/stations/${station.station.id}`, payload: { name: 'Вход 2' }, headers: admin })).statusCode,
        200,
      );
      assert.equal((await t.app.inject({ method: 'POST', url: `/admin/stations/${station.station.id}/link`, headers: admin })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'POST', url: `/admin/stations/${station.station.id}/revoke`, headers: admin })).statusCode, 200);

      // 8. Clara erased (ids and counts only in the log).
      const erased = await t.app.inject({ method: 'POST', url: '/admin/erase', payload: { student_id: clara, confirm: 1 }, headers: admin });
      assert.equal(erased.statusCode, 200, erased.body);

      // 9. The daily sweep (who: the system).
      await sweepRetention(t.db, t.ctx.config.retention, new Date(NOW.getTime() + 400 * 86_400_000));

      const log = await audit('?limit=200');
      const seen = [...log.entries].reverse().map((e) => [e.action, e.actor_kind, e.station_id, e.actor_name]);
      const sid = station.station.id;
      assert.deepEqual(seen, [
        ['students.load', 'admin', null, null],
        ['schedule.load', 'admin', null, null],
        ['station.pair', 'admin', null, null],
        ['pass.manual', 'paired', sid, 'Вход 1'],
        ['face.add', 'paired', sid, 'Вход 1'],
        ['pass.override', 'station', null, null],
        ['pass.cancel', 'admin', null, null],
        ['face.remove', 'admin', null, null],
        ['student.photo', 'admin', null, null],
        ['station.update', 'admin', null, null],
        ['station.relink', 'admin', null, null],
        ['station.revoke', 'admin', null, null],
        ['erase', 'admin', null, null],
        ['retention.sweep', 'system', null, null],
      ]);
      assert.equal(log.total, 14);
      const by = (action: string) => log.entries.find((e) => e.action === action)!;
      assert.equal(by('pass.manual').target, `pass:${m.pass.id} student:${anna}`);
      assert.equal(by('face.add').target, `face:${faceId} student:${anna} pass:${m.pass.id}`);
      assert.equal(by('pass.override').target, `pass:${borisPass} student:${boris}`);
      assert.equal(by('pass.cancel').target, `pass:${borisPass} student:${boris}`);
      assert.equal(by('face.remove').target, `face:${faceId} student:${anna}`);
      assert.equal(by('student.photo').target, `student:${dan}`);
      assert.equal(by('erase').target, `student:${clara}`);
      assert.deepEqual(by('erase').detail, { students: 1, passes: 0, passes_mode: 'counts', added_photos: 0 });
      assert.equal(by('station.pair').target, `station:${sid}`);
      assert.match(String(by('students.load').target), /^load:\d+$/);
      assert.equal(by('students.load').detail?.added, 4);
      assert.equal(by('schedule.load').detail?.added, 1);
      // 400 days on: the attempts (2 manual, 1 override) and the passes (Anna's, Boris's cancelled one) are past their time; the log is not (730 days).
      assert.deepEqual(by('retention.sweep').detail, { attempts: 3, added_frames: 0, passes: 2, audit_rows: 0 });
      for (const e of log.entries) {
        if (e.actor_kind === 'system') assert.equal(e.ip, null);
        else assert.equal(e.ip, '127.0.0.1', `${e.action} has the client's address`);
        assert.match(e.time, /^20\d\d-\d\d-\d\d \d\d:\d\d:\d\d$/);
        assert.ok(e.action_label.length > 3);
      }

      // Nothing personal in any row: no passport number, birth date, name or Matricula; no photo bytes.
      const raw = await t.db.selectFrom('audit_log').selectAll().execute();
      const text = JSON.stringify(raw);
      for (const s of secrets) {
        for (const v of [s.passport_number, s.lastname, s.date_of_birth, s.matricula]) assert.ok(v && !text.includes(v), `${v} is in the audit log`);
      }
      assert.ok(!text.includes('паспорт проверен') && !text.includes('не тот студент'), 'free text typed by people stays with the pass, not in the log');
      for (const p of people) assert.ok(!text.includes(p.bytes.subarray(1000, 1032).toString('base64')));
      assert.ok(raw.every((r) => (r.detail ?? '').length <= 1000));
    } finally {
      await t.close();
      await tdb.drop();
    }
  });

  test(`${kind.name}: filters, paging, bad input, the .xlsx export (formula-like text defused), admin only, append-only`, async () => {
    const tdb: TestDatabase = await kind.make();
    const t: TestApp = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' }, () => NOW);
    const get = (url: string, headers: Record<string, string> = admin) => t.anon({ method: 'GET', url, headers });
    try {
      // Rows on three local days (Tashkent is UTC+5: 20:00Z is the next local day).
      const station = { kind: 'paired' as const, stationId: 7, name: 'Вход 7', ip: '10.0.0.7' };
      const adm = { kind: 'admin' as const, stationId: null, name: null, ip: '10.0.0.1' };
      await writeAudit(t.db, adm, { action: 'station.pair', target: 'station:7' }, new Date('2026-12-01T10:00:00Z'));
      for (let i = 0; i < 5; i++)
        await writeAudit(t.db, station, { action: 'pass.manual', target: `pass:${i + 1} student:${i + 10}` }, new Date(`2026-12-02T10:0${i}:00Z`));
      await writeAudit(t.db, adm, { action: 'erase', target: 'group:ЭК-22', detail: { students: 3 } }, new Date('2026-12-02T20:00:00Z'));
      await writeAudit(t.db, SYSTEM, { action: 'retention.sweep', detail: { attempts: 1 } }, new Date('2026-12-03T01:00:00Z'));
      await writeAudit(t.db, adm, { action: 'erase', target: '=HYPERLINK("http://evil","x")' }, new Date('2026-12-03T02:00:00Z'));
      await writeAudit(t.db, { ...adm, kind: 'admin' }, { action: 'face.remove', target: 'face:100%_x' }, new Date('2026-12-03T03:00:00Z'));

      const page = async (q: string) => {
        const r = await get(`/admin/audit${q}`);
        assert.equal(r.statusCode, 200, r.body);
        return r.json<Page>();
      };
      const all = await page('');
      assert.equal(all.total, 10);
      assert.deepEqual(
        all.entries.map((e) => e.action),
        ['face.remove', 'erase', 'retention.sweep', 'erase', ...Array<string>(5).fill('pass.manual'), 'station.pair'],
      );
      // Newest first, paged.
      const p1 = await page('?limit=4');
      const p2 = await page('?limit=4&offset=4');
      const p3 = await page('?limit=4&offset=8');
      assert.deepEqual(
        [...p1.entries, ...p2.entries, ...p3.entries].map((e) => e.id),
        all.entries.map((e) => e.id),
      );
      assert.deepEqual([p1.total, p3.entries.length], [10, 2]);
      for (let i = 1; i < all.entries.length; i++) assert.ok(all.entries[i - 1]!.at >= all.entries[i]!.at);
      // Filters: action, actor, station, local dates, text in the target (its % and _ are themselves).
      assert.equal((await page('?action=pass.manual')).total, 5);
      assert.equal((await page('?actor=system')).entries[0]!.action, 'retention.sweep');
      assert.equal((await page('?actor=paired&station_id=7')).total, 5);
      assert.equal((await page('?station_id=8')).total, 0);
      assert.equal((await page('?from=2026-12-02&to=2026-12-02')).total, 5, 'the 20:00Z erase is 3 December in Tashkent');
      assert.equal((await page('?from=2026-12-03')).total, 4);
      assert.equal((await page('?to=2026-12-01')).total, 1);
      assert.equal((await page('?q=student:12')).total, 1);
      assert.equal((await page(`?q=${encodeURIComponent('%_')}`)).total, 1);
      assert.equal((await page(`?q=${encodeURIComponent('ЭК-22')}`)).entries[0]!.detail?.students, 3);
      assert.equal((await page('?action=erase&from=2026-12-03&q=group')).total, 1);

      // Bad input: a clear 400 with a Russian message.
      for (const q of [
        '?from=2026-13-01',
        '?to=9999-12-31',
        '?from=0001-01-01',
        '?from=2026-12-03&to=2026-12-01',
        '?action=drop',
        '?actor=root',
        '?limit=0',
        '?limit=201',
        '?station_id=x',
        '?q=a%00b',
      ]) {
        const r = await get(`/admin/audit${q}`);
        assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
        const body = r.json<{ error: string; message: string }>();
        assert.equal(body.error, 'bad_request', q);
        assert.match(body.message, /[а-яА-Я]/, q);
      }
      // A 10,000-character search: refused. A body on a GET is not parsed (the answer is the page without it). 300 reads
      // at once: all answered.
      assert.equal((await get(`/admin/audit?q=${'ж'.repeat(10_000)}`)).statusCode, 400);
      const withBody = await t.anon({
        method: 'GET',
        url: '/admin/audit',
        headers: { ...admin, 'content-type': 'application/json' },
        payload: 'x'.repeat(1 << 20),
      });
      assert.equal(withBody.statusCode, 200);
      assert.deepEqual(withBody.json(), (await get('/admin/audit')).json());
      const many = await Promise.all(Array.from({ length: 300 }, () => get('/admin/audit?limit=5')));
      assert.deepEqual([...new Set(many.map((r) => r.statusCode))], [200]);
      // Admin only.
      assert.equal((await get('/admin/audit', {})).statusCode, 401);
      assert.equal((await get('/admin/audit', { 'x-station-token': STATION_TOKEN })).statusCode, 401);
      assert.equal((await get('/admin/audit.xlsx', { 'x-station-token': STATION_TOKEN })).statusCode, 401);

      // The export opens with exceljs, has the filtered rows newest first, and the formula-like target is text.
      const x = await get('/admin/audit.xlsx?action=erase');
      assert.equal(x.statusCode, 200, x.body);
      assert.match(String(x.headers['content-type']), /spreadsheetml/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
      const ws = wb.getWorksheet('Журнал действий')!;
      assert.equal(ws.getCell(1, 1).text, 'Записей: 2');
      assert.equal(ws.getRow(2).getCell(9).text, 'Цель');
      assert.equal(ws.rowCount, 4);
      const cell = ws.getRow(3).getCell(9);
      assert.equal(cell.value, `'=HYPERLINK("http://evil","x")`, 'defused: a quote in front, a string, not a formula');
      assert.equal(ws.getRow(4).getCell(9).text, 'group:ЭК-22');
      assert.equal(ws.getRow(4).getCell(10).text, '{"students":3}');
      assert.equal((await get('/admin/audit.xlsx?from=2026-12-05&to=2026-12-01')).statusCode, 400);

      // Append-only: no route updates or deletes a row…
      const before = await t.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
      for (const method of ['DELETE', 'PATCH', 'PUT', 'POST'] as const)
        for (const url of ['/admin/audit', `/admin/audit/${before[0]!.id}`, '/admin/audit.xlsx']) {
          const r = await t.anon({ method, url, headers: admin, payload: method === 'DELETE' ? undefined : {} });
          assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
        }
      assert.deepEqual(await t.db.selectFrom('audit_log').selectAll().orderBy('id').execute(), before);
      // …and no code but the sweep's own long retention (RETENTION_DAYS_AUDIT) does.
      const writers: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (p.endsWith('.ts') && /(updateTable|deleteFrom)\(\s*'audit_log'/.test(fs.readFileSync(p, 'utf8')))
            writers.push(path.relative(projectRoot, p));
        }
      };
      walk(path.join(projectRoot, 'src'));
      assert.deepEqual(writers, [path.join('src', 'retention', 'sweep.ts')]);
      // That retention: rows older than RETENTION_DAYS_AUDIT go (and the sweep logs itself).
      await sweepRetention(t.db, { attemptsDays: 0, addedFramesDays: 0, passesDays: 0, auditDays: 3 }, new Date('2026-12-05T12:00:00Z'));
      const kept = await page('');
      assert.deepEqual(
        kept.entries.map((e) => e.action),
        ['retention.sweep', 'face.remove', 'erase', 'retention.sweep', 'erase'],
      );
      assert.equal(kept.entries[0]!.detail?.audit_rows, 6);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}

test('the detail keeps counts and codes, drops what must never be logged, and stays short', () => {
  assert.equal(detailJson({ students: 2, passport_number: 'AB123', date_of_birth: '2004-01-09', lastname: 'Иванова', image: 'xxx' }), '{"students":2}');
  const long = detailJson(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'x'.repeat(50)])));
  assert.ok(long!.length <= 1000, String(long?.length));
  assert.match(long!, /"truncated":true/);
  assert.equal(detailJson({}), null);
});

test('a row the database refuses after the change is retried once, then handed over whole (the server logs it), never dropped silently', async () => {
  const tdb = await sqliteDatabase();
  const db = await createDb(tdb.config);
  try {
    const actor = { kind: 'admin' as const, stationId: null, name: null, ip: '10.0.0.1' };
    const lost: AuditInsert[] = [];
    await appendAudit(db, actor, { action: 'face.remove', target: 'face:1 student:2' }, NOW, (row) => lost.push(row));
    assert.equal(lost.length, 0, 'written');
    await db.schema.alterTable('audit_log').renameTo('audit_log_gone').execute();
    await appendAudit(db, actor, { action: 'face.remove', target: 'face:3 student:4' }, NOW, (row) => lost.push(row));
    assert.equal(lost.length, 1);
    assert.deepEqual(
      [lost[0]!.action, lost[0]!.target, lost[0]!.actor_kind, lost[0]!.ip, lost[0]!.at],
      ['face.remove', 'face:3 student:4', 'admin', '10.0.0.1', NOW.toISOString()],
    );
  } finally {
    await db.destroy();
    await tdb.drop();
  }
});
