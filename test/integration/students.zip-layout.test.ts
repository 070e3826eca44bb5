// Uploaded zips in every layout an office makes: `photos/…`, photos at the root, the whole `Face ID docs`
// folder (also under another wrapper, with macOS junk, `Photos/` capitalised), File path values written in
// each of the README's ways; and when not one photo is found, a hint that says what was expected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import type { FaceEngine } from '../../src/face/engine.js';
import { extractPhotos } from '../../src/students/zip.js';
import { locatePhoto, photoCandidates, zipPhotoLocations, type PhotoLocations } from '../../src/students/photo-paths.js';
import { databaseKinds, sqliteDatabase, tempDir } from '../helpers/db.js';
import { zipBytes } from '../helpers/zip.js';
import { ADMIN_TOKEN, multipart, startApp, type TestApp } from '../helpers/app.js';
import { studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';

let fixture: IdPhotoFixture | undefined;
let engine: FaceEngine;
let photos: IdPhoto[];
let work: string;
const dirs: string[] = [];

before(async () => {
  fixture = await startIdPhotoFixture();
  ({ engine, photos, work } = fixture);
});

after(async () => {
  await fixture?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const LIMITS = { maxEntries: 1000, maxTotalBytes: 64 << 20, maxEntryBytes: 16 << 20 };

async function zipOf(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) z.addBuffer(e.data, e.name);
  z.end();
  return zipBytes(z);
}

/** Extracts `entries` the way POST /admin/load_excel does and answers the PhotoLocations it would load with. */
async function extracted(entries: { name: string; data: Buffer }[]): Promise<{ dest: string; loc: PhotoLocations; written: number }> {
  const dir = tempDir('efc-layout-');
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'photos.zip'), await zipOf(entries));
  const dest = path.join(dir, 'photos');
  fs.mkdirSync(dest);
  const r = await extractPhotos(path.join(dir, 'photos.zip'), dest, LIMITS);
  return { dest, loc: await zipPhotoLocations(dest, '/srv/exams/Face ID docs'), written: r.written };
}

const resolved = async (p: string, loc: PhotoLocations) => {
  const r = await locatePhoto(p, loc);
  return 'file' in r ? r.file : r.reason;
};

/** The File path spellings the README allows (and what Windows sheets hold), for a photo named `name`. */
const spellings = (name: string) => [
  name,
  `photos/${name}`,
  `photos\\${name}`,
  `Face ID docs/photos/${name}`,
  `C:\\Users\\office\\Desktop\\Face ID docs\\photos\\${name}`,
  name.toUpperCase(), // typed on a case-insensitive disk
];

test('zipPhotoLocations: steps into folders that only wrap one folder, never into photos/; every spelling resolves in every layout', async () => {
  const bytes = Buffer.from('jpeg bytes');
  const layouts: Record<string, string[]> = {
    'zip of photos/': ['photos/a.jpg', 'photos/b.jpg'],
    'photos at the root': ['a.jpg', 'b.jpg'],
    'zip of Face ID docs': ['Face ID docs/photos/a.jpg', 'Face ID docs/photos/b.jpg', '__MACOSX/Face ID docs/photos/._a.jpg'],
    'Face ID docs under another wrapper, Photos/ capitalised': ['Archive 2024/Face ID docs/Photos/a.jpg', 'Archive 2024/Face ID docs/Photos/b.jpg'],
    'a wrapper with another name, photos loose inside': ['Фото студентов/a.jpg', 'Фото студентов/b.jpg'],
  };
  for (const [layout, names] of Object.entries(layouts)) {
    const { dest, loc, written } = await extracted(names.map((name) => ({ name, data: bytes })));
    assert.equal(written, 2, `${layout}: macOS metadata (__MACOSX/, ._*) is not extracted`);
    assert.ok(!fs.existsSync(path.join(dest, '__MACOSX')), layout);
    const want = fs.realpathSync(path.join(dest, names[0]!));
    for (const p of spellings('a.jpg')) assert.equal(await resolved(p, loc), want, `${layout}: «${p}»`);
    assert.equal(await resolved('c.jpg', loc), 'file_not_found', layout);
    for (const p of ['../a.jpg', 'photos/../../a.jpg', '/etc/passwd', 'C:\\Windows\\win.ini']) {
      for (const c of photoCandidates(p, loc)) assert.ok(c.startsWith(loc.confineTo! + path.sep), `${layout}: ${p} → ${c} stays inside`);
    }
  }
  // Never stepped into: a lone photos/ folder (its File paths say photos/…), or a folder beside files.
  const lone = await extracted([{ name: 'photos/a.jpg', data: bytes }]);
  assert.equal(lone.loc.confineTo, path.resolve(lone.dest));
  const mixed = await extracted([
    { name: 'x/a.jpg', data: bytes },
    { name: 'b.jpg', data: bytes },
  ]);
  assert.equal(mixed.loc.confineTo, path.resolve(mixed.dest));
  const wrapped = await extracted([{ name: 'Face ID docs/photos/a.jpg', data: bytes }]);
  assert.equal(wrapped.loc.confineTo, path.join(wrapped.dest, 'Face ID docs'));
  assert.equal(wrapped.loc.zipFolder, 'Face ID docs');
});

test('letter-case fallback: only one exact-insensitive match is taken, and it never leads out of the upload', async () => {
  const dir = tempDir('efc-case-');
  dirs.push(dir);
  const up = path.join(dir, 'up');
  fs.mkdirSync(path.join(up, 'photos'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secret.jpg'), 'outside');
  fs.writeFileSync(path.join(up, 'photos', 'IMG_1.JPG'), 'one');
  fs.writeFileSync(path.join(up, 'photos', 'twin.jpg'), 'lower');
  fs.writeFileSync(path.join(up, 'photos', 'TWIN.jpg'), 'upper');
  fs.symlinkSync(path.join(dir, 'secret.jpg'), path.join(up, 'photos', 'Link.jpg'));
  fs.symlinkSync(dir, path.join(up, 'photos', 'Out'));
  const loc: PhotoLocations = { photosDir: path.join(up, 'photos'), faceIdDocs: path.join(dir, 'Face ID docs'), confineTo: up };
  assert.equal(await resolved('img_1.jpg', loc), fs.realpathSync(path.join(up, 'photos', 'IMG_1.JPG')));
  assert.equal(await resolved('photos/Img_1.Jpg', loc), fs.realpathSync(path.join(up, 'photos', 'IMG_1.JPG')));
  assert.equal(await resolved('twin.jpg', loc), fs.realpathSync(path.join(up, 'photos', 'twin.jpg')), 'an exact name wins');
  assert.equal(await resolved('Twin.jpg', loc), 'file_not_found', 'two names differ only in case: no guess');
  assert.equal(await resolved('link.jpg', loc), 'path_outside_docs', 'a link out, found by case, is still outside');
  assert.equal(await resolved('Out/secret.jpg', loc), 'path_outside_docs');
  assert.equal(await resolved('Out/SECRET.JPG', loc), 'path_outside_docs', 'a folder link out: outside before any listing');
  assert.equal(await resolved('out/secret.jpg', loc), 'file_not_found', 'folder names are not case-folded');
  // The CLI (no confinement) gets the same fallback.
  assert.equal(await resolved('img_1.jpg', { photosDir: path.join(up, 'photos'), faceIdDocs: dir }), path.join(up, 'photos', 'IMG_1.JPG'));
});

interface Summary {
  added: number;
  updated: number;
  failed: number;
  rows: { row: number; status: string; reason: string; message: string }[];
  by_reason: Record<string, number>;
  hint?: string;
}

async function upload(t: TestApp, sheet: Buffer, zip?: Buffer): Promise<Summary> {
  const form = multipart([
    { name: 'force', data: 'true' },
    { name: 'file', filename: 'list of students.xlsx', data: sheet },
    ...(zip ? [{ name: 'photos', filename: 'Face ID docs.zip', type: 'application/zip', data: zip }] : []),
  ]);
  const res = await t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: form.body, headers: { ...form.headers, 'x-admin-token': ADMIN_TOKEN } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Summary>();
}

/** The sheet: one row per photo, each File path written another of the README's ways. */
async function sheetBytes(name: (p: IdPhoto) => string = (p) => `${p.key}.jpg`): Promise<Buffer> {
  const file = path.join(work, `sheet-${Math.random().toString(16).slice(2)}.xlsx`);
  await writeSheet(
    file,
    photos.map((p, i) => studentRow(i, spellings(name(p))[i % 6]!)),
  );
  return fs.readFileSync(file);
}

for (const kind of databaseKinds) {
  test(`POST /admin/load_excel (${kind.name}): a zip of photos/, of the photos, or of the whole Face ID docs folder loads every student`, async () => {
    const tdb = await kind.make();
    const t = await startApp(tdb, engine, { FACE_ID_DOCS: path.join(work, 'server-docs') });
    try {
      const sheet = await sheetBytes();
      const layouts: [string, (p: IdPhoto) => string][] = [
        ['Face ID docs', (p) => `Face ID docs/photos/${p.key}.jpg`],
        ['photos/', (p) => `photos/${p.key}.jpg`],
        ['root', (p) => `${p.key}.jpg`],
      ];
      // Both databases see the whole-folder zip (what this change is about); SQLite also the other two.
      for (const [layout, entry] of kind.name === 'SQLite' ? layouts : layouts.slice(0, 1)) {
        const junk = photos.map((p) => ({ name: `__MACOSX/${path.posix.dirname(entry(p))}/._${p.key}.jpg`, data: Buffer.from('resource fork') }));
        const s = await upload(t, sheet, await zipOf([...photos.map((p) => ({ name: entry(p), data: p.bytes })), ...junk]));
        assert.equal(s.added + s.updated, photos.length, `${layout}: ${JSON.stringify(s.rows)}`);
        assert.equal(s.failed, 0, layout);
        assert.equal(s.hint, undefined, `${layout}: photos were found, no hint`);
      }
      assert.equal(t.ctx.index.size, photos.length);
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}

test('not one photo found: the summary says what layout was expected, what the zip holds, and what the sheet says', async () => {
  const tdb = await sqliteDatabase();
  const docs = path.join(work, 'hint-docs');
  fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
  const t = await startApp(tdb, engine, { FACE_ID_DOCS: docs });
  try {
    const sheet = await sheetBytes((p) => `${p.key}.jpg`);
    // Photos in the zip under other names (numbered by the camera): every row is file_not_found.
    const s = await upload(t, sheet, await zipOf(photos.map((p, i) => ({ name: `Face ID docs/photos/IMG_${i}.jpg`, data: p.bytes }))));
    assert.equal(s.by_reason.file_not_found, photos.length);
    assert.ok(s.hint, 'a hint when nothing was found');
    assert.match(s.hint, /нет в архиве/);
    assert.match(s.hint, new RegExp(`В архиве ${photos.length} фото, например: «Face ID docs/photos/IMG_0\\.jpg»`));
    assert.match(s.hint, new RegExp(`В таблице File path, например: «${photos[0]!.key}\\.jpg»`));
    assert.match(s.hint, /zip папки photos.*zip всей папки «Face ID docs»/);

    // One photo found among many missing: no hint (the rows say which are missing).
    const one = await upload(t, sheet, await zipOf([{ name: `photos/${photos[0]!.key}.jpg`, data: photos[0]!.bytes }]));
    assert.equal(one.by_reason.file_not_found, photos.length - 1);
    assert.equal(one.hint, undefined);

    // Without a zip: the server's folder, named without the server's path.
    const none = await upload(t, sheet);
    assert.match(none.hint!, /Ни одного фото из таблицы не найдено\. В папке hint-docs\/photos нет ни одного фото/);
    assert.match(none.hint!, /zip-архивом фото/);
    assert.ok(!none.hint!.includes(work), `no server path in the answer: ${none.hint}`);
  } finally {
    await t.close();
    await tdb.drop();
  }
});
