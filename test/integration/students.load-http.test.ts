// POST /admin/load_excel and the CLI: token, upload with a zip of photos, no-body load, 409, exit codes,
// and kill -9 in the middle of a load followed by a re-run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import yazl from 'yazl';
import type { FaceEngine } from '../../src/face/engine.js';
import { createDb } from '../../src/db/index.js';
import { projectRoot } from '../../src/paths.js';
import { localDate, localTime } from '../../src/time.js';
import { sqliteDatabase } from '../helpers/db.js';
import { zipBytes } from '../helpers/zip.js';
import { ADMIN_TOKEN, multipart, startApp } from '../helpers/app.js';
import { studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';
import type { ErrorJson, LoadJson, LoadStatusJson } from '../helpers/answers.js';
import type { LoadSummary } from '../../src/students/loader.js';

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

/** A zip; names yazl refuses to write (../x, /x) are written as same-length placeholders, then patched in. */
async function zipOf(entries: { name: string; data: Buffer; symlink?: boolean }[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  const patches: [string, string][] = [];
  entries.forEach((e, i) => {
    let name = e.name;
    if (name.startsWith('/') || name.includes('..')) {
      const placeholder = `p${i}`.padEnd(name.length, 'q');
      patches.push([placeholder, name]);
      name = placeholder;
    }
    z.addBuffer(e.data, name, e.symlink ? { mode: 0o120777 } : {});
  });
  z.end();
  const buf = await zipBytes(z);
  for (const [from, to] of patches) {
    for (let at = buf.indexOf(from); at >= 0; at = buf.indexOf(from, at + 1)) buf.write(to, at, 'latin1');
  }
  return buf;
}

test('POST /admin/load_excel: 401 without token, upload .xlsx + .zip, paths cannot escape, 409 while loading', async () => {
  const tdb = await sqliteDatabase();
  const docs = path.join(work, 'docs-http');
  const t = await startApp(tdb, engine, { FACE_ID_DOCS: docs });
  try {
    const xlsx = path.join(work, 'upload.xlsx');
    await writeSheet(xlsx, [
      ...photos.map((p, i) => studentRow(i, i % 2 ? `photos/${p.key}.jpg` : `${p.key}.jpg`)),
      studentRow(50, '../../../etc/passwd.jpg'),
      studentRow(51, 'evil.jpg'),
    ]);
    const zip = await zipOf([
      ...photos.map((p) => ({ name: `photos/${p.key}.jpg`, data: p.bytes })),
      { name: '../evil.jpg', data: photos[0]!.bytes },
      { name: '/abs/evil.jpg', data: photos[0]!.bytes },
      { name: 'link.jpg', data: Buffer.from('/etc/hostname'), symlink: true },
    ]);
    const form = () =>
      multipart([
        { name: 'force', data: 'false' },
        { name: 'file', filename: 'students.xlsx', data: fs.readFileSync(xlsx) },
        { name: 'photos', filename: 'photos.zip', type: 'application/zip', data: zip },
      ]);

    const noToken = await t.app.inject({ method: 'POST', url: '/admin/load_excel', ...form() });
    assert.equal(noToken.statusCode, 401);
    assert.equal(noToken.json<ErrorJson>().error, 'unauthorized');
    const wrong = await t.app.inject({ method: 'POST', url: '/admin/load_excel', ...form(), headers: { ...form().headers, 'x-admin-token': 'nope' } });
    assert.equal(wrong.statusCode, 401);

    const f = form();
    const [first, second] = await Promise.all([
      t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: f.body, headers: { ...f.headers, authorization: `Bearer ${ADMIN_TOKEN}` } }),
      new Promise((r) => setTimeout(r, 300)).then(() =>
        t.app.inject({ method: 'POST', url: '/admin/load_excel', ...form(), headers: { ...form().headers, 'x-admin-token': ADMIN_TOKEN } }),
      ),
    ]);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(second.statusCode, 409, 'a second load while one runs');
    assert.equal(second.json<ErrorJson>().error, 'conflict');
    const s = first.json<LoadJson>();
    // Every row is a student; the two whose photo cannot be had are «без фото»: a path climbing out of the zip is
    // refused as such (nothing read), a name the zip lacks is not found.
    assert.deepEqual([s.added, s.without_photo], [photos.length + 2, 2]);
    assert.deepEqual(
      s.rows.filter((r) => r.status === 'no_photo').map((r) => r.reason),
      ['path_outside_docs', 'file_not_found'],
    );
    assert.equal(t.ctx.index.size, photos.length, 'the running server recognises the new students at once');
    assert.ok(!fs.existsSync(path.join(work, 'evil.jpg')));

    const status = await t.app.inject({ method: 'GET', url: '/admin/load_status', headers: { 'x-admin-token': ADMIN_TOKEN } });
    const st = status.json<LoadStatusJson>();
    assert.equal(st.running, false);
    assert.equal(st.index_size, photos.length);
    const finished = new Date(st.last_load_at);
    assert.ok(Date.now() - finished.getTime() < 60_000, 'the load just finished is the last one');
    assert.match(st.last_load_local, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal(
      st.last_load_local,
      `${localDate(finished, 'Asia/Tashkent')} ${localTime(finished, 'Asia/Tashkent')}`,
      "on the exam centre's clock (UTC+5), not UTC",
    );

    // No body: the configured Face ID docs; missing → 404 with a clear message; then present → loads.
    const none = await t.app.inject({ method: 'POST', url: '/admin/load_excel?force=true', headers: { 'x-admin-token': ADMIN_TOKEN } });
    assert.equal(none.statusCode, 404);
    assert.match(none.json<ErrorJson>().message, /list of students\.xlsx/);
    fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
    for (const p of photos) fs.writeFileSync(path.join(docs, 'photos', `${p.key}.jpg`), p.bytes);
    await writeSheet(
      path.join(docs, 'list of students.xlsx'),
      photos.map((p, i) => studentRow(i, `${p.key}.jpg`)),
    );
    const forced = await t.app.inject({ method: 'POST', url: '/admin/load_excel?force=true', headers: { 'x-admin-token': ADMIN_TOKEN } });
    assert.equal(forced.statusCode, 200, forced.body);
    assert.equal(forced.json<LoadJson>().updated, photos.length);

    const bad = multipart([{ name: 'file', filename: 'x.xlsx', data: 'not excel' }]);
    const badRes = await t.app.inject({
      method: 'POST',
      url: '/admin/load_excel',
      payload: bad.body,
      headers: { ...bad.headers, 'x-admin-token': ADMIN_TOKEN },
    });
    assert.equal(badRes.statusCode, 400);
    assert.equal(badRes.json<ErrorJson>().error, 'bad_excel');
    const noFile = multipart([{ name: 'force', data: 'true' }]);
    const noFileRes = await t.app.inject({
      method: 'POST',
      url: '/admin/load_excel',
      payload: noFile.body,
      headers: { ...noFile.headers, 'x-admin-token': ADMIN_TOKEN },
    });
    assert.equal(noFileRes.statusCode, 400);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('admin endpoints are disabled (403) when ADMIN_TOKEN is unset', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { ADMIN_TOKEN: '' });
  try {
    const res = await t.app.inject({ method: 'POST', url: '/admin/load_excel', headers: { 'x-admin-token': 'anything-at-all' } });
    assert.equal(res.statusCode, 403);
    assert.match(res.json<ErrorJson>().message, /ADMIN_TOKEN/);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

function runCli(args: string[], env: Record<string, string>): { child: ReturnType<typeof spawn>; output: () => string; done: Promise<number> } {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/cli/load.js'), ...args], {
    env: { ...process.env, FACE_WORKERS: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out, done: once(child, 'exit').then(([code]) => code as number) };
}

test('CLI: progress and summary, --json, exit codes, and kill -9 mid-load then re-run ends with exactly the file', async () => {
  const docs = path.join(work, 'docs-cli');
  const data = path.join(work, 'data-cli');
  fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
  for (const p of photos) fs.writeFileSync(path.join(docs, 'photos', `${p.key}.jpg`), p.bytes);
  // 150 students (photos reused under different ids) so the load spans several batches.
  const N = 150;
  await writeSheet(
    path.join(docs, 'list of students.xlsx'),
    Array.from({ length: N }, (_, i) => studentRow(i, `${photos[i % photos.length]!.key}.jpg`)),
  );
  const env = { FACE_ID_DOCS: docs, DATA_DIR: data, DATABASE_URL: '' };

  const killed = runCli([], env);
  const db = await createDb({ kind: 'sqlite', file: path.join(data, 'database.db') });
  try {
    const count = async () =>
      Number(
        (
          await db
            .selectFrom('students')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const deadline = Date.now() + 120_000;
    while ((await count()) === 0) {
      assert.ok(Date.now() < deadline, killed.output());
      await new Promise((r) => setTimeout(r, 20));
    }
    killed.child.kill('SIGKILL');
    await killed.done;
    const partial = await count();
    assert.ok(partial > 0 && partial < N, `killed after ${partial} rows`);

    const rerun = runCli([], env);
    assert.equal(await rerun.done, 0, rerun.output());
    assert.match(rerun.output(), /Итог загрузки/);
    assert.match(rerun.output(), /строк\/с/, 'progress lines');
    assert.equal(await count(), N);
    const distinct = await db
      .selectFrom('students')
      .select((eb) => eb.fn.count<number>('matricula').distinct().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(distinct.n), N);
    const orphans = await db
      .selectFrom('students')
      .leftJoin('student_photos', 'student_photos.student_id', 'students.id')
      .where('student_photos.student_id', 'is', null)
      .select('students.id')
      .execute();
    assert.equal(orphans.length, 0, 'every student has its photo: nothing half-written');

    const json = runCli(['--json'], env);
    assert.equal(await json.done, 0);
    const summary = JSON.parse(json.output().slice(json.output().indexOf('{'))) as LoadSummary;
    assert.equal(summary.added, 0);
    assert.equal(summary.skipped, N);

    const missing = runCli(['--file', path.join(work, 'nope.xlsx')], env);
    assert.equal(await missing.done, 1);
    assert.match(missing.output(), /не найден/);
    await writeSheet(path.join(work, 'bad.xlsx'), [], ['Matricula', 'Lastname']);
    const badCols = runCli(['--file', path.join(work, 'bad.xlsx')], env);
    assert.equal(await badCols.done, 1);
    assert.match(badCols.output(), /«Firstname»/);
    const badArg = runCli(['--frobnicate'], env);
    assert.equal(await badArg.done, 2);
  } finally {
    await db.destroy();
  }
});
