// Bad input at every endpoint: a clear 4xx JSON each time, never a 5xx, and the server keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import ExcelJS from 'exceljs';
import yazl from 'yazl';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, startApp, type TestApp } from '../helpers/app.js';
import { sampleBytes, pngHeaderBomb } from '../helpers/faces.js';
import type { LoadJson } from '../helpers/answers.js';

let engine: FaceEngine;
let tdb: TestDatabase;
let t: TestApp;
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  tdb = await sqliteDatabase();
  work = tempDir();
  t = await startApp(tdb, engine, { FACE_ID_DOCS: path.join(work, 'docs') });
});

after(async () => {
  await t?.close();
  await tdb?.drop();
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function expect4xx(name: string, res: { statusCode: number; body: string; headers: Record<string, unknown> }, status?: number, error?: string): void {
  assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${name}: got ${res.statusCode} ${res.body.slice(0, 200)}`);
  if (status) assert.equal(res.statusCode, status, `${name}: ${res.body.slice(0, 200)}`);
  const body = JSON.parse(res.body) as { error: string; message: string };
  if (error) assert.equal(body.error, error, name);
  assert.ok(body.message && /[а-яА-Я]/.test(body.message), `${name}: Russian message`);
}

test('POST /api/recognize refuses every kind of bad image with a clear 4xx', async () => {
  const post = (payload: Buffer | object, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: '/api/recognize', payload, headers });
  const jpeg = sampleBytes(1);
  const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
    .png()
    .toBuffer();
  const form = (data: Buffer, type = 'image/jpeg') => multipart([{ name: 'image', filename: 'x.jpg', type, data }]);
  const cases: [string, () => ReturnType<typeof post>, number, string][] = [
    ['1×1 image', () => post({ image: tiny.toString('base64') }), 400, 'image_too_small'],
    [
      'PNG claiming 60000×60000 (decompression bomb)',
      () => {
        const f = form(pngHeaderBomb(60000, 60000), 'image/png');
        return post(f.body, f.headers);
      },
      413,
      'image_too_large',
    ],
    [
      'truncated JPEG (multipart)',
      () => {
        const f = form(jpeg.subarray(0, 20000));
        return post(f.body, f.headers);
      },
      400,
      'bad_image',
    ],
    [
      'SVG renamed .jpg',
      () => {
        const f = form(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'));
        return post(f.body, f.headers);
      },
      400,
      'bad_image',
    ],
    [
      'HTML renamed .jpg',
      () => {
        const f = form(Buffer.from('<!doctype html><script>alert(1)</script>'));
        return post(f.body, f.headers);
      },
      400,
      'bad_image',
    ],
    [
      'malformed multipart',
      () =>
        post(Buffer.from('--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc'), {
          'content-type': 'multipart/form-data; boundary=xyz',
        }),
      400,
      '',
    ],
    [
      'multipart without the image field',
      () => {
        const f = multipart([{ name: 'station', data: 'A' }]);
        return post(f.body, f.headers);
      },
      400,
      'bad_request',
    ],
    ['wrong content type', () => post(Buffer.from('image=abc'), { 'content-type': 'text/plain' }), 0, ''],
    ['form-urlencoded', () => post(Buffer.from('image=abc'), { 'content-type': 'application/x-www-form-urlencoded' }), 0, ''],
    ['JSON array', () => post(Buffer.from('[1,2,3]'), { 'content-type': 'application/json' }), 400, 'bad_request'],
    ['image is a number', () => post({ image: 12345 }), 400, 'bad_request'],
    ['data URL without base64', () => post({ image: 'data:image/jpeg,abcdef' }), 400, 'bad_request'],
    ['station is an object', () => post({ image: tiny.toString('base64'), station: { a: 1 } }), 400, 'bad_request'],
    ['huge raw body', () => post(Buffer.alloc(20 * 1024 * 1024, 1), { 'content-type': 'image/jpeg' }), 413, 'payload_too_large'],
    [
      'huge multipart file',
      () => {
        const f = form(Buffer.alloc(17 * 1024 * 1024, 1));
        return post(f.body, f.headers);
      },
      413,
      'payload_too_large',
    ],
  ];
  for (const [name, run, status, error] of cases) expect4xx(name, await run(), status || undefined, error || undefined);
  const health = await t.app.inject({ method: 'GET', url: '/api/health' });
  assert.equal(health.statusCode, 200, 'still serving');
});

async function sheet(build: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('S');
  build(ws);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const HEADER = ['Matricula', 'Lastname', 'Firstname', 'Lotin', 'Short', 'Group', 'Идентификатор', 'Date of birth', 'Passport number', 'File path'];

test('POST /admin/load_excel: zip-bomb xlsx, formulas, merged cells, 100,000 empty rows, wrong types — 4xx or row errors, never 5xx', async () => {
  const load = (file: Buffer, extra: { name: string; filename?: string; data: Buffer }[] = []) => {
    const f = multipart([{ name: 'file', filename: 's.xlsx', data: file }, ...extra]);
    return t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: f.body, headers: { ...f.headers, 'x-admin-token': ADMIN_TOKEN } });
  };
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.alloc(300 * 1024 * 1024), 'xl/worksheets/sheet1.xml');
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  const rssBefore = process.memoryUsage().rss;
  expect4xx('xlsx zip bomb', await load(Buffer.concat(chunks)), 400, 'bad_excel');
  assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024, 'memory stays bounded');
  expect4xx('not a zip at all', await load(Buffer.from('PK\x03\x04garbage')), 400, 'bad_excel');
  expect4xx(
    'photos not a zip',
    await load(await sheet((ws) => ws.addRow(HEADER)), [{ name: 'photos', filename: 'p.zip', data: Buffer.from('nope') }]),
    400,
    'bad_request',
  );

  const tricky = await sheet((ws) => {
    ws.addRow(HEADER);
    ws.addRow(['M1', { formula: 'CONCATENATE("Ива","нов")', result: 'Иванов' }, 'Иван', null, null, 'G1', 'I1', '01.02.2003', 'AA1', 'none.jpg']);
    ws.addRow(['M2', 'Петров', 'Пётр', null, null, 'G1', 'I2', 'не дата', 'AA2', 'none.jpg']);
    ws.addRow([true, 12.5, new Date(), { error: '#N/A' }, null, 7, { text: 'link', hyperlink: 'http://x' }, 44000, 1.5e20, 42]);
    ws.addRow(['M4', 'Сидоров', 'Сидор', null, null, 'G2', 'I4', '2003-02-01', 'AA4', 'none.jpg']);
    ws.mergeCells('A6:C6');
    ws.getCell('A6').value = 'merged';
    for (let r = 7; r < 100_007; r++) ws.getRow(r).getCell(1).value = null;
    ws.getRow(100_010).getCell(12).value = 'stray cell far away';
  });
  const res = await load(tricky);
  assert.equal(res.statusCode, 200, res.body.slice(0, 300));
  const s = res.json<LoadJson>();
  // Rows with a Matricula and a name are students, «без фото» when their photo is not there (rows 2, 3, 5 and the merged 6).
  assert.equal(s.added, 4, res.body.slice(0, 500));
  assert.equal(s.without_photo, 4);
  const reasons = s.rows.map((r) => `${r.row}:${r.status}:${r.reason}`);
  assert.ok(reasons.includes('2:no_photo:file_not_found'), reasons.join(' ')); // the formula's cached result was read as the name
  assert.ok(reasons.includes('3:warning:bad_date'), reasons.join(' ')); // stored, without the birth date
  assert.ok(reasons.includes('4:failed:bad_cell'), 'the row of wrong types (ИСТИНА as Matricula, numbers and dates as names) is refused');
  assert.match(s.rows.find((r) => r.row === 4)?.message ?? '', /не номер: «ИСТИНА»/, 'the refused cell is shown as the operator typed it');
  assert.ok(
    reasons.some((r) => r.startsWith('6:')),
    'the merged-cells row is reported',
  );
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/health' })).statusCode, 200);
});
