// The roster look-alike audit through HTTP: two students with one face are listed with both photos, and the camera names neither.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, startApp, type TestApp } from '../helpers/app.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { alter } from '../helpers/faces.js';
import type { LoadJson, LoadStatusJson, LookalikesJson, PassAnswerJson } from '../helpers/answers.js';

let engine: FaceEngine;
let tdb: TestDatabase;
let t: TestApp;
let people: IdPhoto[];
let work: string;
const admin = { 'x-admin-token': ADMIN_TOKEN };

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = (await makeIdPhotos(engine, [3, 6])).slice(0, 3);
  work = tempDir();
  tdb = await sqliteDatabase();
  t = await startApp(tdb, engine);
});

after(async () => {
  await t?.close();
  await tdb?.drop();
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function upload(rows: ReturnType<typeof studentRow>[], files: Record<string, Buffer>, force = false): Promise<LoadJson> {
  const sheet = path.join(work, `list-${Date.now()}.xlsx`);
  await writeSheet(sheet, rows);
  const photos = path.join(t.ctx.config.faceIdDocs, 'photos');
  fs.mkdirSync(photos, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(photos, name), bytes);
  const form = multipart([{ name: 'file', filename: 'list.xlsx', data: fs.readFileSync(sheet) }, ...(force ? [{ name: 'force', data: 'true' }] : [])]);
  const res = await t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: form.body, headers: { ...form.headers, ...admin } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<LoadJson>();
}

const recognise = async (photo: Buffer) =>
  (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: photo.toString('base64') } })).json<PassAnswerJson>();

test('one face under two students: listed with both photos, neither named; a better photo clears the pair', async () => {
  t.ctx.config.faceIdDocs = path.join(work, 'Face ID docs');
  // Row 3 repeats row 2's face (the same person enrolled twice: a slip in the sheet).
  const s = await upload([studentRow(0, 'a.jpg'), studentRow(1, 'b.jpg'), studentRow(2, 'c.jpg')], {
    'a.jpg': people[0]!.bytes,
    'b.jpg': people[1]!.bytes,
    'c.jpg': await alter(people[1]!.bytes, 'jpeg40'),
  });
  assert.equal(s.added, 3);
  assert.equal(s.lookalikes.length, 1, JSON.stringify(s.lookalikes));
  assert.equal(s.lookalikes_total, 1);
  const pair = s.lookalikes[0]!;
  assert.deepEqual(pair.students.map((x) => x.row).sort(), [3, 4]);
  assert.deepEqual(
    s.rows
      .filter((r) => r.reason === 'similar_face')
      .map((r) => r.row)
      .sort(),
    [3, 4],
  );

  const listed = await t.app.inject({ method: 'GET', url: '/admin/lookalikes', headers: admin });
  assert.equal(listed.statusCode, 200);
  const { pairs, total } = listed.json<LookalikesJson>();
  assert.equal(pairs.length, 1);
  assert.equal(total, 1);
  for (const st of pairs[0]!.students) {
    assert.match(st.name, /^Иванова-[12] Анна$/);
    const photo = await t.app.inject({ method: 'GET', url: st.photo_url, headers: admin });
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
  }
  assert.equal((await t.app.inject({ method: 'GET', url: '/admin/lookalikes' })).statusCode, 401, 'admin token required');

  // The camera names neither of the pair, but still names the third student.
  assert.equal((await recognise(await alter(people[1]!.bytes, 'half'))).status, 'not_found');
  const ok = await recognise(await alter(people[0]!.bytes, 'half'));
  assert.equal(ok.status, 'ok');
  assert.equal(ok.student.matricula, '001000');
  const status = (await t.app.inject({ method: 'GET', url: '/admin/load_status', headers: admin })).json<LoadStatusJson>();
  assert.equal(status.lookalike_students, 2);

  // A different (correct) photo for row 3's student: the pair is gone, both are named again.
  const again = await upload([studentRow(2, 'c2.jpg')], { 'c2.jpg': people[2]!.bytes }, true);
  assert.equal(again.updated, 1);
  assert.deepEqual(again.lookalikes, []);
  assert.deepEqual((await t.app.inject({ method: 'GET', url: '/admin/lookalikes', headers: admin })).json<LookalikesJson>().pairs, []);
  const b = await recognise(await alter(people[1]!.bytes, 'half'));
  assert.equal(b.status, 'ok');
  assert.equal(b.student.matricula, '001001');
});
