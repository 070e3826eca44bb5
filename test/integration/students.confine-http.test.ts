// F2: over HTTP a sheet's `File path` reads only inside FACE_ID_DOCS: absolute paths, `../`, and
// symlinks out are `path_outside_docs` with one message whether or not the file outside exists.
// The CLI keeps the seed's rule (absolute paths as they are). A Windows path (C:\…\Face ID docs\photos\a.jpg)
// names nothing here: it is looked up by its tail inside FACE_ID_DOCS, unless its text climbs out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FaceEngine } from '../../src/face/engine.js';
import { locatePhoto } from '../../src/students/photo-paths.js';
import { sqliteDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, startApp } from '../helpers/app.js';
import { studentRow, writeSheet, type IdPhoto, type StudentSheetRow } from '../helpers/students.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';

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

interface Row {
  row: number;
  matricula: string;
  status: string;
  reason: string;
  message: string;
}

test('HTTP loads (server folder and uploaded sheet without zip): nothing outside FACE_ID_DOCS is read or enrolled', async () => {
  const docs = path.join(work, 'Face ID docs');
  const inPhotos = path.join(docs, 'photos');
  fs.mkdirSync(inPhotos, { recursive: true });
  // Real faces just outside the docs folder, reachable by ../, by absolute path and by symlinks inside.
  fs.writeFileSync(path.join(work, 'outside.jpg'), photos[1]!.bytes);
  fs.writeFileSync(path.join(work, 'linked.jpg'), photos[2]!.bytes);
  fs.mkdirSync(path.join(work, 'outdir'));
  fs.writeFileSync(path.join(work, 'outdir', 'p.jpg'), photos[3]!.bytes);
  fs.symlinkSync(path.join(work, 'linked.jpg'), path.join(inPhotos, 'link.jpg'));
  fs.symlinkSync(path.join(work, 'gone.jpg'), path.join(inPhotos, 'dangling.jpg'));
  fs.symlinkSync(path.join(work, 'outdir'), path.join(inPhotos, 'outdir'));
  fs.writeFileSync(path.join(inPhotos, 'good.jpg'), photos[0]!.bytes);
  fs.writeFileSync(path.join(docs, 'top.jpg'), photos[4]!.bytes);

  // Pairs: an outside file that exists and one that does not, reached the same way.
  const outside: [string, string][] = [
    ['/etc/passwd', '/etc/no-such-file'],
    ['/etc/shadow', '/root/no-such-file.jpg'],
    ['../outside.jpg', '../missing-outside.jpg'],
    ['photos/../../outside.jpg', 'photos/../../missing.jpg'],
    [path.join(work, 'outside.jpg'), path.join(work, 'missing.jpg')],
    ['link.jpg', 'dangling.jpg'],
    ['outdir/p.jpg', 'outdir/none.jpg'],
    ['C:\\Users\\exam\\Face ID docs\\..\\outside.jpg', '..\\outside.jpg'],
  ];
  const rows: StudentSheetRow[] = [studentRow(0, 'good.jpg'), studentRow(1, path.join(docs, 'top.jpg'))];
  outside.flat().forEach((p, i) => rows.push(studentRow(10 + i, p)));
  await writeSheet(path.join(docs, 'list of students.xlsx'), rows);

  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { FACE_ID_DOCS: docs, DATA_DIR: path.join(work, 'data') });
  try {
    const check = (res: Awaited<ReturnType<typeof t.app.inject>>, how: string) => {
      assert.equal(res.statusCode, 200, res.body);
      const s = res.json<{ added: number; updated: number; photos_described: number; without_photo: number; rows: Row[]; by_reason: Record<string, number> }>();
      // Every row is a student, but only the two photos inside are read and enrolled; the rest stay «без фото».
      assert.equal(s.photos_described, 2, `${how}: only the two photos inside are read: ${JSON.stringify(s.rows)}`);
      assert.equal(s.without_photo, outside.length * 2);
      const failed = s.rows.filter((r) => r.status !== 'warning');
      assert.equal(failed.length, outside.length * 2, JSON.stringify(s.rows));
      for (const r of failed) assert.deepEqual([r.status, r.reason], ['no_photo', 'path_outside_docs'], `${how}: row ${r.row} ${JSON.stringify(r)}`);
      assert.equal(s.by_reason.path_outside_docs, outside.length * 2);
      // One message for all: an existing file outside and a missing one cannot be told apart.
      const messages = new Set(failed.map((r) => r.message));
      assert.equal(messages.size, 1, [...messages].join('\n'));
      const [message] = [...messages];
      assert.match(message!, /за пределы папки/);
      assert.doesNotMatch(message!, /passwd|shadow|outside|найден|прочитать|\//, 'nothing about the file');
    };
    const admin = { 'x-admin-token': ADMIN_TOKEN };
    check(await t.app.inject({ method: 'POST', url: '/admin/load_excel', headers: admin }), 'FACE_ID_DOCS sheet');
    const form = multipart([
      { name: 'force', data: 'true' },
      { name: 'file', filename: 'students.xlsx', data: fs.readFileSync(path.join(docs, 'list of students.xlsx')) },
    ]);
    check(await t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: form.body, headers: { ...form.headers, ...admin } }), 'uploaded sheet');

    const students = await t.db.selectFrom('students').select(['id', 'file_path']).where('embedding_model', '<>', 'none').execute();
    assert.deepEqual(students.map((s) => s.file_path).sort(), ['good.jpg', path.join(docs, 'top.jpg')].sort());
    assert.equal((await t.db.selectFrom('student_photos').select('student_id').execute()).length, 2, 'no photo stored for the others');
    assert.equal(t.ctx.index.size, 2);
    // The photo endpoint serves only what was enrolled: nothing from outside.
    const ids = students.map((s) => s.id);
    const next = await t.app.inject({ method: 'GET', url: `/api/students/${Math.max(...ids) + 1}/photo` });
    assert.equal(next.statusCode, 404);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('CLI rule unchanged: without a root an absolute path outside the docs folder is read as it is', async () => {
  const docs = path.join(work, 'cli-docs');
  fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
  const file = path.join(work, 'cli-outside.jpg');
  fs.writeFileSync(file, photos[0]!.bytes);
  const loc = { photosDir: path.join(docs, 'photos'), faceIdDocs: docs };
  assert.deepEqual(await locatePhoto(file, loc), { file });
  assert.deepEqual(await locatePhoto(file, { ...loc, root: docs }), { reason: 'path_outside_docs' });
  assert.deepEqual(await locatePhoto('missing.jpg', { ...loc, root: docs }), { reason: 'file_not_found' });
  // A Windows path: by its tail inside the docs folder, over HTTP as on the CLI; its text climbing out is refused on both.
  const inside = path.join(docs, 'photos', 'w.jpg');
  fs.writeFileSync(inside, photos[0]!.bytes);
  for (const l of [loc, { ...loc, root: docs }]) {
    const how = l === loc ? 'CLI' : 'HTTP';
    const found = await locatePhoto('C:\\Users\\exam\\Desktop\\cli-docs\\photos\\w.jpg', l);
    assert.ok('file' in found && fs.realpathSync(found.file) === fs.realpathSync(inside), `${how}: ${JSON.stringify(found)}`);
    assert.deepEqual(await locatePhoto('C:\\Windows\\win.ini', l), { reason: 'file_not_found' }, how);
    assert.deepEqual(await locatePhoto('C:\\Users\\exam\\cli-docs\\..\\..\\cli-outside.jpg', l), { reason: 'path_outside_docs' }, how);
    assert.deepEqual(await locatePhoto('..\\..\\cli-outside.jpg', l), { reason: 'path_outside_docs' }, how);
  }
});
