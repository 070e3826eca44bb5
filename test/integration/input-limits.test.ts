// What a request may carry (issue 25): small routes read at most 16 KB of body (a 1 MB JSON is a 413 before
// it is parsed), photo routes keep MAX_IMAGE_MB; text with a NUL byte or another control character is a 400
// with a Russian message on SQLite and PostgreSQL (PostgreSQL refuses NUL in text: it was a 500).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { databaseKinds, sqliteDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, startApp } from '../helpers/app.js';
import { sampleBytes } from '../helpers/faces.js';
import type { ErrorJson } from '../helpers/answers.js';

let engine: FaceEngine;
let dot: Buffer;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
});

after(async () => {
  await engine?.close();
});

const admin = { 'x-admin-token': ADMIN_TOKEN };

test('body limits: a 1 MB body to a small route is 413 (JSON, a raw image, text), the photo routes still take megabytes', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    const mb = 'x'.repeat(1024 * 1024);
    const small = [
      { method: 'POST' as const, url: '/api/passes', payload: { student_id: 1, reason: mb } },
      { method: 'POST' as const, url: '/admin/passes/1/cancel', payload: { reason: mb }, headers: admin },
      { method: 'POST' as const, url: '/api/passes', payload: Buffer.alloc(1024 * 1024), headers: { 'content-type': 'image/jpeg' } },
      { method: 'POST' as const, url: '/admin/load_excel', payload: { file: mb }, headers: admin },
      { method: 'DELETE' as const, url: '/admin/student-faces/1', payload: { x: mb }, headers: admin },
      { method: 'POST' as const, url: '/nowhere', payload: { x: mb } },
    ];
    for (const r of small) {
      const res = await t.app.inject(r);
      assert.equal(res.statusCode, 413, `${r.method} ${r.url}: ${res.body.slice(0, 200)}`);
      assert.equal(res.json<ErrorJson>().error, 'payload_too_large');
      assert.match(res.json<ErrorJson>().message, /Слишком большой запрос/);
    }
    // 16 KB is plenty for the fields these routes take.
    const fits = await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: 999_999, reason: 'по документам', station: 'Дверь 1' } });
    assert.equal(fits.statusCode, 404, fits.body);
    // A 1.4 MB photo as JSON Base64 and as a raw body still reaches the face engine (it finds the group photo's faces).
    const photo = await sharp(sampleBytes(1)).resize(3000).jpeg({ quality: 100 }).toBuffer();
    assert.ok(photo.length > 1024 * 1024, `${photo.length} bytes`);
    const asJson = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: photo.toString('base64') } });
    assert.equal(asJson.json<ErrorJson>().error, 'multiple_faces', asJson.body.slice(0, 200));
    const raw = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: photo, headers: { 'content-type': 'image/jpeg' } });
    assert.equal(raw.json<ErrorJson>().error, 'multiple_faces', raw.body.slice(0, 200));
  } finally {
    await t.close();
    await tdb.drop();
  }
});

for (const kind of databaseKinds) {
  test(`${kind.name}: a NUL byte (or another control character) in reason, station, room, q, group is a 400 with a Russian message, never a 500`, async () => {
    const tdb = await kind.make();
    const t = await startApp(tdb, engine);
    try {
      const form = multipart([
        { name: 'image', filename: 'a.png', type: 'image/png', data: dot },
        { name: 'station', data: 'A\u0000' },
      ]);
      const cases = [
        { name: 'q', req: { method: 'GET' as const, url: '/api/students?q=%D0%98%D0%B2%00' } },
        { name: 'q', req: { method: 'GET' as const, url: '/admin/students?q=%00', headers: admin } },
        { name: 'station', req: { method: 'GET' as const, url: '/api/passes/recent?station=A%00' } },
        { name: 'group', req: { method: 'GET' as const, url: '/admin/export_report?group=%1b%5b2J', headers: admin } },
        { name: 'reason', req: { method: 'POST' as const, url: '/api/passes', payload: { student_id: 1, reason: 'по\u0000документам' } } },
        { name: 'station', req: { method: 'POST' as const, url: '/api/passes', payload: { student_id: 1, station: 'Дверь\u00001' } } },
        { name: 'room', req: { method: 'POST' as const, url: '/api/passes', payload: { student_id: 1, room: '101\u0000' } } },
        { name: 'reason', req: { method: 'POST' as const, url: '/admin/passes/1/cancel', payload: { reason: 'ошибка\u0000' }, headers: admin } },
        { name: 'station', req: { method: 'POST' as const, url: '/api/recognize', payload: { image: dot.toString('base64'), station: '\u0000' } } },
        { name: 'room', req: { method: 'POST' as const, url: '/api/recognize?room=1%0001', payload: dot, headers: { 'content-type': 'image/png' } } },
        { name: 'station', req: { method: 'POST' as const, url: '/api/recognize', payload: form.body, headers: form.headers } },
      ];
      for (const c of cases) {
        const req = c.req;
        const res = await t.app.inject(req);
        assert.equal(res.statusCode, 400, `${req.method} ${req.url} (${c.name}): ${res.body.slice(0, 200)}`);
        const body = res.json<ErrorJson>();
        assert.equal(body.error, 'bad_request');
        assert.match(body.message, new RegExp(`Поле ${c.name} содержит недопустимые управляющие символы`));
      }
      // Line breaks are text: a reason over two lines passes the check (no such student: 404).
      const lines = await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: 999_999, reason: 'по документам\nпаспорт' } });
      assert.equal(lines.statusCode, 404, lines.body);
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/students?q=%D0%98%D0%B2' })).statusCode, 200);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}
