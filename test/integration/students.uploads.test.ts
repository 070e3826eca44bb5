// F9: uploaded sheets and photo zips stay under DATA_DIR/uploads (0700), are removed after the load,
// and what a load killed with -9 left behind is swept when the server starts again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import yazl from 'yazl';
import type { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, startApp } from '../helpers/app.js';
import { studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';
import { startServerProcess } from '../helpers/server-process.js';
import { freePort } from '../helpers/ports.js';
import type { LoadJson } from '../helpers/answers.js';

let fixture: IdPhotoFixture | undefined;
let engine: FaceEngine;
let photos: IdPhoto[];
let work: string;

before(async () => {
  fixture = await startIdPhotoFixture();
  ({ engine, photos, work } = fixture);
});

after(async () => {
  await fixture?.close();
});

async function zipOf(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) z.addBuffer(e.data, e.name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** An upload of `n` students (photos repeated), as the admin page sends it. */
async function uploadForm(n: number): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const xlsx = path.join(work, `upload-${n}.xlsx`);
  await writeSheet(
    xlsx,
    Array.from({ length: n }, (_, i) => studentRow(i, `photos/${photos[i % photos.length]!.key}.jpg`)),
  );
  const zip = await zipOf(photos.map((p) => ({ name: `photos/${p.key}.jpg`, data: p.bytes })));
  return multipart([
    { name: 'file', filename: 'students.xlsx', data: fs.readFileSync(xlsx) },
    { name: 'photos', filename: 'photos.zip', type: 'application/zip', data: zip },
  ]);
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

test('an upload lands under DATA_DIR/uploads (0700) while it loads and is removed after the load, also after a refused one', async () => {
  const data = path.join(work, 'data-inject');
  const uploads = path.join(data, 'uploads');
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { DATA_DIR: data, FACE_ID_DOCS: path.join(work, 'no-docs') });
  try {
    const form = await uploadForm(photos.length);
    let done = false;
    const seen = new Set<string>();
    const load = t.app
      .inject({ method: 'POST', url: '/admin/load_excel', payload: form.body, headers: { ...form.headers, 'x-admin-token': ADMIN_TOKEN } })
      .finally(() => (done = true));
    while (!done) {
      for (const f of filesUnder(uploads)) seen.add(f);
      await new Promise((r) => setTimeout(r, 2));
    }
    const res = await load;
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<LoadJson>().added, photos.length);
    const sheet = [...seen].find((f) => /^load-\d+-[^/]+\/students\.xlsx$/.test(f));
    assert.ok(sheet, `the sheet was kept under DATA_DIR/uploads during the load: ${[...seen].join(', ')}`);
    assert.ok(
      [...seen].some((f) => /^load-\d+-[^/]+\/photos\/.+\.jpg$/.test(f)),
      'and the photos too',
    );
    assert.equal(fs.statSync(uploads).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(uploads), [], 'nothing left after the load');

    const bad = multipart([{ name: 'file', filename: 'x.xlsx', data: 'not excel' }]);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/admin/load_excel',
      payload: bad.body,
      headers: { ...bad.headers, 'x-admin-token': ADMIN_TOKEN },
    });
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(fs.readdirSync(uploads), [], 'nothing left after a refused load');
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test("sweepUploads removes leftovers of dead processes and of this pid, keeps a running load's folder", async () => {
  const { sweepUploads, newUploadDir } = await import('../../src/students/uploads.js');
  const data = path.join(work, 'data-sweep');
  const mine = newUploadDir(data); // as if a previous process with this pid (a container restart) left it
  fs.writeFileSync(path.join(mine, 'students.xlsx'), 'passports');
  const gone = spawn(process.execPath, ['-e', '0']);
  await once(gone, 'exit');
  const dead = path.join(data, 'uploads', `load-${gone.pid}-abc123`);
  fs.mkdirSync(path.join(dead, 'photos'), { recursive: true });
  fs.writeFileSync(path.join(dead, 'photos', 'a.jpg'), photos[0]!.bytes);
  const junk = path.join(data, 'uploads', 'whatever');
  fs.writeFileSync(junk, 'x');
  const running = path.join(data, 'uploads', `load-${process.ppid}-def456`); // a live process (the test runner)
  fs.mkdirSync(running);
  const messages: string[] = [];
  assert.equal(
    sweepUploads(data, (m) => messages.push(m)),
    3,
  );
  assert.deepEqual(fs.readdirSync(path.join(data, 'uploads')), [path.basename(running)]);
  assert.match(messages.join('\n'), /removed 3 upload folder/);
  assert.equal(sweepUploads(path.join(work, 'no-such-data-dir')), 0, 'no uploads folder: nothing to do');
  // A day-old /tmp/efc-upload-* of this user (where older versions kept uploads) goes too; a fresh one stays.
  const oldTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-upload-'));
  const freshTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-upload-'));
  const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
  fs.utimesSync(oldTmp, twoDaysAgo, twoDaysAgo);
  try {
    sweepUploads(data);
    assert.ok(!fs.existsSync(oldTmp));
    assert.ok(fs.existsSync(freshTmp));
  } finally {
    fs.rmSync(freshTmp, { recursive: true, force: true });
  }
});

test('kill -9 during an HTTP load leaves the upload under DATA_DIR; the next start removes it', async () => {
  const data = path.join(work, 'data-server');
  const uploads = path.join(data, 'uploads');
  const env = { DATA_DIR: data, FACE_ID_DOCS: path.join(work, 'no-docs'), ADMIN_TOKEN, FACE_WORKERS: '1' };
  const first = startServerProcess(await freePort(), env);
  try {
    await first.ready;
    const form = await uploadForm(60);
    const load = fetch(`${first.base}/admin/load_excel`, { method: 'POST', headers: { ...form.headers, 'x-admin-token': ADMIN_TOKEN }, body: form.body }).catch(
      () => null,
    );
    const deadline = Date.now() + 60_000;
    while (!filesUnder(uploads).some((f) => f.endsWith('students.xlsx'))) {
      assert.ok(Date.now() < deadline, first.output());
      await new Promise((r) => setTimeout(r, 5));
    }
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    await load;
  } finally {
    await first.stop();
  }
  const left = filesUnder(uploads);
  assert.ok(
    left.some((f) => f.endsWith('students.xlsx')),
    `the killed load left its upload: ${left.join(', ')}`,
  );

  const second = startServerProcess(await freePort(), env);
  try {
    await second.ready;
    assert.deepEqual(fs.readdirSync(uploads), [], second.output());
    assert.match(second.output(), /removed 1 upload folder/);
  } finally {
    await second.stop();
  }
});
