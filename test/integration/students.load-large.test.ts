// F7: a sheet of 25,000 rows loads over HTTP while the server keeps answering (the sheet is parsed in
// a worker thread); the response and the log list at most 500 rows, the counts are complete, and the
// full row report downloads as JSON and .xlsx from GET /admin/load_rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ExcelJS from 'exceljs';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp } from '../helpers/app.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import type { ErrorJson, LoadJson, LoadRowsJson } from '../helpers/answers.js';
import { systemClock } from '../../src/time.js';

let engine: FaceEngine;
let photos: IdPhoto[];
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  photos = (await makeIdPhotos(engine, [1])).slice(0, 3);
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const N = 25_000;
const FORMULA = '=HYPERLINK("http://example.invalid","x")';

test(`a ${N}-row sheet over HTTP: health answers during the load, capped rows and log, complete counts, full list downloadable`, async (ctx) => {
  const docs = path.join(work, 'docs');
  fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
  photos.forEach((p, i) => fs.writeFileSync(path.join(docs, 'photos', `${i}.jpg`), p.bytes));
  // Three real photos, then rows whose photo is missing or outside FACE_ID_DOCS (they fail fast, the
  // outside ones without any I/O: the cost is the sheet itself).
  const M = N - photos.length - 1;
  const outside = Math.ceil(M / 3);
  const rows = [
    ...photos.map((_, i) => studentRow(i, `${i}.jpg`)),
    ...Array.from({ length: M }, (_, i) =>
      studentRow(100 + i, i % 3 === 0 ? `/etc/no-${i}.jpg` : `missing-${i}.jpg`, { Matricula: `M${String(i).padStart(7, '0')}`, Идентификатор: `I${i}` }),
    ),
    studentRow(99, 'missing-formula.jpg', { Matricula: FORMULA }),
  ];
  await writeSheet(path.join(docs, 'list of students.xlsx'), rows);
  const sheetMb = fs.statSync(path.join(docs, 'list of students.xlsx')).size / 1048576;

  const lines: string[] = [];
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { FACE_ID_DOCS: docs, DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'info' }, systemClock, {
    write: (l: string) => void lines.push(l),
  });
  const admin = { 'x-admin-token': ADMIN_TOKEN };
  try {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let loading = true;
    const health: number[] = [];
    const t0 = performance.now();
    const load = t.app.inject({ method: 'POST', url: '/admin/load_excel', headers: admin }).finally(() => (loading = false));
    // A health check every 20 ms, timed from when it was due: a blocked event loop delays it as it would a real client.
    while (loading) {
      const due = performance.now() + 20;
      await new Promise((r) => setTimeout(r, 20));
      const res = await t.app.inject({ method: 'GET', url: '/api/health' });
      assert.equal(res.statusCode, 200);
      health.push(performance.now() - due);
    }
    const res = await load;
    const loadMs = performance.now() - t0;
    delay.disable();
    const maxDelayMs = delay.max / 1e6;
    const maxHealthMs = Math.max(...health);
    ctx.diagnostic(
      `${N} rows (${sheetMb.toFixed(1)} MB .xlsx): load ${Math.round(loadMs)} ms; ${health.length} health calls, max ${Math.round(maxHealthMs)} ms, ` +
        `p50 ${Math.round(health.sort((a, b) => a - b)[health.length >> 1]!)} ms; event-loop delay max ${Math.round(maxDelayMs)} ms, mean ${Math.round(delay.mean / 1e6)} ms; response ${(res.rawPayload.length / 1024).toFixed(0)} KB`,
    );
    assert.ok(health.length >= 10, `health was asked during the load (${health.length} times)`);
    assert.ok(maxHealthMs < 1000, `health answered within 1 s during the load (max ${Math.round(maxHealthMs)} ms)`);
    assert.ok(maxDelayMs < 1000, `event loop never blocked for 1 s (max ${Math.round(maxDelayMs)} ms)`);

    assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    assert.ok(res.rawPayload.length < 200 * 1024, `small response: ${res.rawPayload.length} bytes`);
    const s = res.json<LoadJson>();
    assert.equal(s.total_rows, N);
    // Every row is a student: the three with photos recognised, the rest «без фото».
    assert.equal(s.added, N);
    assert.equal(s.without_photo, N - photos.length);
    assert.equal(s.failed, 0);
    assert.equal(s.index_size, photos.length);
    assert.equal(s.by_reason.file_not_found, M - outside + 1, 'counts by reason are complete');
    assert.equal(s.by_reason.path_outside_docs, outside);
    assert.equal(s.rows.length, 500);
    assert.equal(s.rows_truncated, true);
    assert.ok(s.rows_total >= N - photos.length);
    assert.equal(s.rows_url, '/admin/load_rows');
    const rowLines = lines.filter((l) => /строка \d+ \(Matricula/.test(l));
    assert.ok(rowLines.length <= 500, `log rows capped: ${rowLines.length}`);
    assert.ok(lines.some((l) => /ещё \d+ строк отчёта не записаны в журнал/.test(l)));

    const full = await t.app.inject({ method: 'GET', url: '/admin/load_rows', headers: admin });
    assert.equal(full.statusCode, 200);
    const report = full.json<LoadRowsJson>();
    assert.equal(report.rows.length, s.rows_total);
    assert.equal(report.rows.filter((r) => r.reason === 'file_not_found').length, M - outside + 1);
    assert.deepEqual(report.by_reason, s.by_reason);

    const xlsx = await t.app.inject({ method: 'GET', url: '/admin/load_rows?format=xlsx', headers: admin });
    assert.equal(xlsx.statusCode, 200);
    assert.match(String(xlsx.headers['content-disposition']), /attachment; filename="load_rows_.*\.xlsx"/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    assert.equal(ws.rowCount, 1 + s.rows_total);
    const formulaRow = report.rows.findIndex((r) => r.matricula === FORMULA);
    assert.equal(ws.getRow(2 + formulaRow).getCell(2).value, `'${FORMULA}`, 'sheet text in the row report is defused');
    assert.deepEqual((ws.getRow(1).values as unknown[]).slice(1), ['Строка', '№ зачётки (Matricula)', 'Статус', 'Причина', 'Код причины', 'Подробности']);
    const missing = ws.getRow(2 + report.rows.findIndex((r) => r.reason === 'file_not_found'));
    assert.deepEqual([missing.getCell(3).value, missing.getCell(5).value], ['без фото', 'file_not_found']);
    assert.match(missing.getCell(4).text, /[а-я]/, 'the reason in Russian beside its code');

    assert.equal((await t.app.inject({ method: 'GET', url: '/admin/load_rows' })).statusCode, 401);
    const bad = await t.app.inject({ method: 'GET', url: '/admin/load_rows?format=csv', headers: admin });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<ErrorJson>().error, 'bad_request');
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('GET /admin/load_rows before any load: 404 with a message', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { DATA_DIR: path.join(work, 'data2') });
  try {
    const res = await t.app.inject({ method: 'GET', url: '/admin/load_rows', headers: { 'x-admin-token': ADMIN_TOKEN } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json<ErrorJson>().error, 'not_found');
    assert.match(res.json<ErrorJson>().message, /загрузок ещё не было/);
  } finally {
    await t.close();
    await tdb.drop();
  }
});
