// Passes on SQLite and PostgreSQL: 20 simultaneous checkpoints → one pass; local-day boundary; the Excel report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds, sqliteDatabase, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from '../helpers/students.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';
import type { ErrorJson, PassAnswerJson } from '../helpers/answers.js';
import { parseReportQuery } from '../../src/passes/period-report.js';
import { AppError } from '../../src/errors.js';

let engine: FaceEngine;
let people: IdPhoto[];
let frames: Buffer[];
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000, interactiveQueue: 64 });
  people = await makeIdPhotos(engine, [3, 6]);
  const boxes = new Map<number, Awaited<ReturnType<FaceEngine['describe']>>>();
  for (const s of [3, 6]) boxes.set(s, await engine.describe(sampleBytes(s), { purpose: 'probe', describe: 'all' }));
  frames = await Promise.all(
    people.map(async (p) =>
      sharp(await cropFace(sampleBytes(p.sample), boxes.get(p.sample)!.faces[p.face]!.box, 0.45))
        .resize(480)
        .jpeg({ quality: 80 })
        .toBuffer(),
    ),
  );
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

for (const kind of databaseKinds) {
  test(`${kind.name}: 20 simultaneous requests with the same face → exactly one ok, 19 already_passed, one pass row`, async () => {
    const tdb = await kind.make();
    const t = await startApp(tdb, engine);
    try {
      await enrol(t, engine, people.slice(0, 2), fs.mkdtempSync(`${work}/c-`));
      const image = frames[0]!.toString('base64');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.app.inject({
            method: 'POST',
            url: '/api/recognize',
            remoteAddress: `10.0.1.${i + 1}`,
            payload: { image, source: 'camera', station: `door-${i % 2}` },
          }),
        ),
      );
      const statuses = results.map((r) => r.json<PassAnswerJson>().status);
      assert.equal(statuses.filter((s) => s === 'ok').length, 1, statuses.join(','));
      assert.equal(statuses.filter((s) => s === 'already_passed').length, 19);
      const passIds = new Set(results.map((r) => r.json<PassAnswerJson>().pass.id));
      assert.equal(passIds.size, 1, 'all answers point at the one first pass');
      const rows = await t.db.selectFrom('passes').selectAll().execute();
      assert.equal(rows.length, 1);
      const attempts = await t.db.selectFrom('attempts').select('status').execute();
      assert.equal(attempts.length, 20);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}

test('day boundary: 23:59 and 00:01 local are two days in TIMEZONE even on the same UTC date', async () => {
  const tdb = await sqliteDatabase();
  let now = new Date('2026-06-10T18:59:00Z'); // 23:59 in Tashkent (UTC+5)
  const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' }, () => now);
  try {
    await enrol(t, engine, people.slice(0, 1), fs.mkdtempSync(`${work}/d-`));
    const send = async () =>
      (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[0]!.toString('base64') } })).json<PassAnswerJson>();
    const a = await send();
    assert.equal(a.status, 'ok');
    assert.equal(a.pass.date, '2026-06-10');
    assert.equal(a.pass.time, '23:59:00');
    assert.equal(a.pass.timestamp, '2026-06-10T18:59:00.000Z');
    now = new Date('2026-06-10T19:01:00Z'); // 00:01 on the 11th in Tashkent, still the 10th in UTC
    const b = await send();
    assert.equal(b.status, 'ok', 'a new local day: a new first pass');
    assert.equal(b.pass.date, '2026-06-11');
    now = new Date('2026-06-11T04:00:00Z'); // 09:00 local, same local day
    const c = await send();
    assert.equal(c.status, 'already_passed');
    assert.equal(c.first_pass_time, '00:01:00');
    assert.equal(c.pass.id, b.pass.id);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

async function readXlsx(buf: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb.worksheets[0]!;
}

test('GET /admin/export_report: token, headers, rows, leading zeros, local date cells, date and group filters', async () => {
  const tdb = await sqliteDatabase();
  let now = new Date('2026-06-10T04:30:00Z'); // 09:30 Tashkent
  const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' }, () => now);
  try {
    await enrol(t, engine, people, fs.mkdtempSync(`${work}/r-`));
    for (const [i, f] of frames.entries()) {
      now = new Date(Date.UTC(2026, 5, 10, 4, 30 + i));
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: f.toString('base64'), station: 'A' } })).json<PassAnswerJson>().status,
        'ok',
      );
    }
    now = new Date('2026-06-11T05:00:00Z');
    assert.equal(
      (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[0]!.toString('base64') } })).json<PassAnswerJson>().status,
      'ok',
    );
    // Many more passes than one page of the report query, straight into the table.
    const sid = (await t.db.selectFrom('students').select('id').where('matricula', '=', '001001').executeTakeFirstOrThrow()).id;
    const bulk = Array.from({ length: 2500 }, (_, i) => ({
      student_id: sid,
      timestamp: new Date(Date.UTC(2019, 0, 1) + i * 86_400_000).toISOString(),
      pass_date: new Date(Date.UTC(2019, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
      source: 'web',
    }));
    for (let i = 0; i < bulk.length; i += 500)
      await t.db
        .insertInto('passes')
        .values(bulk.slice(i, i + 500))
        .execute();

    assert.equal((await t.app.inject({ method: 'GET', url: '/admin/export_report' })).statusCode, 401);
    const get = (q: string) => t.app.inject({ method: 'GET', url: `/admin/export_report${q}`, headers: { 'x-admin-token': ADMIN_TOKEN } });
    const res = await get('?date=2026-06-10');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.match(String(res.headers['content-disposition']), /attachment; filename="passes_2026-06-10\.xlsx"/);
    const ws = await readXlsx(res.rawPayload);
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    assert.deepEqual(header, [
      '№ зачётки (Matricula)',
      'Фамилия',
      'Имя',
      'ФИО латиницей',
      'Группа',
      'Идентификатор',
      'Дата и время прохода',
      'Номер паспорта',
      'Способ',
      'Пункт пропуска',
      'Экзамен',
      'Аудитория',
      'Причина (вручную)',
      'Расстояние',
    ]);
    assert.equal(ws.name, 'Проходы');
    assert.equal(ws.rowCount, 1 + frames.length);
    const col = (name: string) => header.indexOf(name) + 1;
    const first = ws.getRow(2);
    assert.equal(first.getCell(col('№ зачётки (Matricula)')).value, '001000');
    assert.equal(first.getCell(col('Идентификатор')).value, '0700000000');
    assert.equal(first.getCell(col('Номер паспорта')).value, 'AB01234560');
    assert.equal(first.getCell(col('Фамилия')).value, 'Иванова-0');
    const when = first.getCell(col('Дата и время прохода')).value as Date;
    assert.ok(when instanceof Date, 'a real Excel date');
    assert.equal(when.toISOString(), '2026-06-10T09:30:00.000Z', 'local wall-clock time 09:30 in Tashkent');
    assert.equal(first.getCell(col('Способ')).value, 'загрузка фото');
    assert.ok(ws.views?.[0] && (ws.views[0] as { state?: string }).state === 'frozen');
    assert.ok(ws.getRow(1).getCell(1).font?.bold, 'styled header');

    // The group filter ignores case (Cyrillic too).
    for (const g of ['ИТ-21', 'ит-21', ' Ит-21 ']) {
      const group = await readXlsx((await get(`?date=2026-06-10&group=${encodeURIComponent(g)}`)).rawPayload);
      assert.equal(group.rowCount - 1, frames.filter((_, i) => i % 2 === 1).length, g);
    }
    const range = await readXlsx((await get('?from=2026-06-10&to=2026-06-11')).rawPayload);
    assert.equal(range.rowCount - 1, frames.length + 1);
    const big = await readXlsx((await get('?from=2019-01-01&to=2031-12-31')).rawPayload);
    assert.equal(big.rowCount - 1, 2500 + frames.length + 1);
    const empty = await readXlsx((await get('?date=2018-01-01')).rawPayload);
    assert.equal(empty.rowCount, 1);
    now = new Date('2026-06-11T10:00:00Z');
    const today = await get('');
    assert.match(String(today.headers['content-disposition']), /passes_2026-06-11\.xlsx/);
    for (const bad of ['?date=2026-13-01', '?date=yesterday', '?from=2026-02-30', '?date=2026-06-10&from=2026-06-01', '?from=2026-06-11&to=2026-06-10']) {
      const r = await get(bad);
      assert.equal(r.statusCode, 400, bad);
      assert.equal(r.json<ErrorJson>().error, 'bad_request');
    }
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('report query parsing: defaults; from later than to is refused, not swapped', () => {
  assert.deepEqual(parseReportQuery({}, '2026-01-02'), { from: '2026-01-02', to: '2026-01-02' });
  assert.throws(
    () => parseReportQuery({ from: '2026-01-05', to: '2026-01-01' }, '2026-01-02'),
    (e: unknown) => e instanceof AppError && e.code === 'bad_request' && /позже/.test(e.message),
  );
  assert.deepEqual(parseReportQuery({ from: '2026-01-01' }, '2026-01-09'), { from: '2026-01-01', to: '2026-01-09' });
  assert.deepEqual(parseReportQuery({ date: '2026-01-01', group: ' ИТ-21 ' }, '2026-01-09'), { from: '2026-01-01', to: '2026-01-01', group: 'ИТ-21' });
});
