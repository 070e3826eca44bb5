// Excel bulk load with real faces, on SQLite and PostgreSQL: fields, reasons, re-runs, --force, bad columns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createDb, type Db } from '../../src/db/index.js';
import { FaceEngine } from '../../src/face/engine.js';
import { FaceIndex } from '../../src/face/index.js';
import { Lookalikes } from '../../src/face/lookalikes.js';
import { AppError } from '../../src/errors.js';
import { loadStudents, type LoadSummary } from '../../src/students/loader.js';
import { photoCandidates } from '../../src/students/photo-paths.js';
import { databaseKinds, tempDir } from '../helpers/db.js';
import { landscape, sampleBytes } from '../helpers/faces.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto, type StudentSheetRow } from '../helpers/students.js';

let engine: FaceEngine;
let photos: IdPhoto[];
let docs: string;

/** The sheet every test loads: 19 ID photos + one row per way a row can go wrong. */
export async function buildDocs(dir: string, ids: IdPhoto[]): Promise<StudentSheetRow[]> {
  const photosDir = path.join(dir, 'photos');
  fs.mkdirSync(photosDir, { recursive: true });
  const rows: StudentSheetRow[] = ids.map((p, i) => {
    fs.writeFileSync(path.join(photosDir, `${p.key}.jpg`), p.bytes);
    return studentRow(i, `${p.key}.jpg`);
  });
  // Cell types a real sheet has: numeric ids with a 000… format, big numbers, Excel dates, ISO text dates.
  rows[0] = studentRow(0, `${ids[0]!.key}.jpg`, { Matricula: { value: 123, numFmt: '000000' }, 'Passport number': { value: 1234567, numFmt: '000000000' } });
  rows[1] = studentRow(1, `photos/${ids[1]!.key}.jpg`, { Идентификатор: 1234567890123, 'Date of birth': new Date(Date.UTC(2003, 11, 31)) });
  rows[2] = studentRow(2, path.join(photosDir, `${ids[2]!.key}.jpg`), {
    'Date of birth': '2004-02-29',
    Lastname: 'Ўролов',
    Firstname: 'Шоҳрух',
    Lotin: "O'rolov Shohrux",
  });
  rows[3] = studentRow(3, `${path.basename(dir)}/photos/${ids[3]!.key}.jpg`, { 'Date of birth': { formula: 'DATE(2002,5,6)', result: '06.05.2002' } });
  fs.writeFileSync(path.join(photosDir, 'group.jpg'), sampleBytes(3));
  fs.writeFileSync(path.join(photosDir, 'landscape.jpg'), await landscape());
  fs.writeFileSync(path.join(photosDir, 'text.jpg'), 'not a photo at all');
  rows.push(
    studentRow(100, 'group.jpg'),
    studentRow(101, 'landscape.jpg'),
    studentRow(102, 'missing.jpg'),
    studentRow(103, 'text.jpg'),
    studentRow(104, '', { 'File path': null, 'Date of birth': '31.02.2004' }), // no photo named and an impossible date
    studentRow(105, `${ids[5]!.key}.jpg`, { Matricula: '001005' }), // same Matricula as row 7
    studentRow(106, `${ids[6]!.key}.jpg`, { Matricula: null, Идентификатор: null }),
    {}, // an empty row in the middle is ignored
  );
  // Bidi controls (a U+202E would show the name reversed) are removed from every text cell.
  rows.push(
    studentRow(107, `${ids[7]!.key}.jpg`, {
      Lastname: '  \u202EПробелов\u202C  ',
      Firstname: '\u2066Анна\u2069\u200E',
      Group: '\u200FИТ-21\u061C',
      Lotin: '\u202AProbelov\u202B \u202DAnna\u2067\u2068',
      'Date of birth': null,
    }),
  );
  await writeSheet(path.join(dir, 'list of students.xlsx'), rows);
  return rows;
}

const quiet = { info: () => {}, warn: () => {} };

function reasons(s: LoadSummary): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of s.rows) out[`${r.row}:${r.status}`] = r.reason + (out[`${r.row}:${r.status}`] ? `,${out[`${r.row}:${r.status}`]}` : '');
  return out;
}

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  photos = await makeIdPhotos(engine);
  docs = path.join(tempDir(), 'Face ID docs');
  await buildDocs(docs, photos);
});

after(async () => {
  await engine?.close();
  fs.rmSync(path.dirname(docs), { recursive: true, force: true });
});

function run(db: Db, index: FaceIndex, force = false, source = path.join(docs, 'list of students.xlsx')): Promise<LoadSummary> {
  return loadStudents({
    db,
    engine,
    roster: { index, lookalikes: new Lookalikes(), modelId: engine.model.id },
    lookalikeRadius: engine.model.calibrated!.threshold - engine.model.calibrated!.margin,
    quality: 'warn',
    maxImageBytes: 15 << 20,
    source,
    fileLabel: source,
    photos: { photosDir: path.join(docs, 'photos'), faceIdDocs: docs },
    force,
    log: quiet,
  });
}

for (const kind of databaseKinds) {
  test(`load on ${kind.name}: good rows with exact fields, bad rows with reasons, re-run, --force`, async () => {
    const tdb = await kind.make();
    const db = await createDb(tdb.config);
    const index = new FaceIndex(1024, { dim: engine.dim });
    try {
      const s = await run(db, index);
      assert.equal(photos.length, 18);
      assert.equal(s.total_rows, 26);
      // Rows 20–24 have no usable photo: stored «без фото»; only the row without a number is refused.
      assert.equal(s.added, 24, JSON.stringify(s.rows));
      assert.equal(s.without_photo, 5);
      assert.equal(s.updated, 0);
      assert.equal(s.skipped, 1);
      assert.equal(s.failed, 1);
      assert.equal(s.interrupted, false);
      assert.equal(s.index_size, 19);
      const r = reasons(s);
      // Excel row = sheet index + 2 (header is row 1); the empty row 27 is not counted.
      // The group photo shows people of similar size: which one is the student cannot be told, so it is not enrolled.
      assert.equal(r['20:no_photo'], 'two_faces');
      assert.equal(r['21:no_photo'], 'no_face');
      assert.equal(r['22:no_photo'], 'file_not_found');
      assert.equal(r['23:no_photo'], 'bad_image');
      assert.equal(r['24:no_photo'], 'no_file_path');
      assert.equal(r['24:warning'], 'bad_date');
      assert.equal(r['25:skipped'], 'duplicate');
      assert.equal(r['26:failed'], 'missing_id');
      assert.ok(r['28:warning']!.split(',').includes('similar_face'), 'row 28 reuses the photo of row 9');
      // The look-alike audit lists the pair with both rows and photos; neither is searchable by name.
      const pair = s.lookalikes.find((p) => p.students.some((x) => x.row === 28));
      assert.ok(pair, JSON.stringify(s.lookalikes));
      assert.deepEqual(
        pair.students.map((x) => x.row).sort((a, b) => a! - b!),
        [9, 28],
      );
      assert.ok(pair.distance < 0.05, 'the same photo twice');
      assert.match(pair.students[0]!.photo_url, /^\/api\/students\/\d+\/photo$/);
      // Both students of a look-alike pair are warned: row 28 reuses row 9's photo.
      assert.deepEqual(
        s.rows
          .filter((x) => x.reason === 'similar_face')
          .map((x) => x.row)
          .sort((a, b) => a - b),
        [9, 28],
      );
      // Besides these, only the quality gate's warnings (poor_photo: half-turned demo faces and the like).
      const others = Object.entries(r).filter(([, v]) => !v.split(',').every((x) => x === 'poor_photo' || x === 'similar_face'));
      assert.equal(others.length, 8, JSON.stringify(r));
      for (const w of s.rows.filter((x) => x.reason === 'poor_photo'))
        assert.match(
          w.message,
          /^фото плохо подходит для распознавания: (голова повёрнута|голова наклонена вверх или вниз|фото размыто|фото слишком тёмное|фото пересвечено|лицо слишком маленькое \(\d+ пикс\.\))/,
        );

      const byM = async (m: string) => db.selectFrom('students').selectAll().where('matricula', '=', m).executeTakeFirstOrThrow();
      const a = await byM('000123');
      assert.equal(a.passport_number, '001234567');
      assert.equal(a.identifier, '0700000000');
      assert.equal(a.date_of_birth, '2004-01-09');
      assert.equal(a.lastname, 'Иванова-0');
      assert.equal(a.group, 'ЭК-22');
      const b = await byM('001001');
      assert.equal(b.identifier, '1234567890123');
      assert.equal(b.date_of_birth, '2003-12-31');
      const c = await byM('001002');
      assert.deepEqual([c.lastname, c.firstname, c.lotin, c.date_of_birth], ['Ўролов', 'Шоҳрух', "O'rolov Shohrux", '2004-02-29']);
      assert.equal((await byM('001003')).date_of_birth, '2002-05-06');
      const trimmed = await byM('001107');
      assert.deepEqual(
        [trimmed.lastname, trimmed.firstname, trimmed.group, trimmed.lotin],
        ['Пробелов', 'Анна', 'ИТ-21', 'Probelov Anna'],
        'no bidi controls left',
      );
      assert.equal(trimmed.date_of_birth, null);
      assert.equal((await byM('001005')).file_path, `${photos[5]!.key}.jpg`, 'first of two rows with one Matricula wins');

      // Stored photo: an upright JPEG for the operator.
      const photo = await db.selectFrom('student_photos').select('data').where('student_id', '=', a.id).executeTakeFirstOrThrow();
      const meta = await sharp(Buffer.from(photo.data)).metadata();
      assert.equal(meta.format, 'jpeg');
      // Each enrolled person is found again from the group photo their ID photo was cut from.
      const ids = new Map((await db.selectFrom('students').select(['id', 'file_path']).execute()).map((x) => [path.basename(x.file_path ?? ''), x.id]));
      // (Not sample 3's faces, one of whom is enrolled twice via the group photo, nor photo 7, reused by row 28.)
      for (const p of photos.filter((x, i) => x.sample !== 3 && i !== 7)) {
        const hit = index.search(p.descriptor)!;
        assert.equal(hit.best.studentId, ids.get(`${p.key}.jpg`), p.key);
        assert.ok(hit.best.distance < engine.model.calibrated!.threshold, `${p.key} ${hit.best.distance}`);
      }

      // A re-run skips every student with a face; those «без фото» whose row names a photo are tried again.
      const again = await run(db, index);
      assert.equal(again.added, 0);
      assert.equal(again.updated, 4);
      assert.equal(again.without_photo, 4);
      assert.equal(again.rows.filter((x) => x.reason === 'exists').length, 20);
      assert.equal(again.skipped, 21);

      const forced = await run(db, index, true);
      assert.equal(forced.added, 0);
      assert.equal(forced.updated, 24);
      const count = await db
        .selectFrom('students')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 24);
      assert.equal(index.size, 19);
    } finally {
      await db.destroy();
      await tdb.drop();
    }
  });
}

test('a sheet with a misspelled required column fails with a message naming it (not the optional ones)', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.xlsx');
  await writeSheet(
    file,
    [studentRow(1, 'x.jpg')],
    ['Matricula', 'Lastname', 'Firstnme', 'Lotin', 'Short', 'Group', 'Идентификатор', 'Date of birth', 'Passport number'],
  );
  const tdb = await databaseKinds[0]!.make();
  const db = await createDb(tdb.config);
  try {
    await assert.rejects(run(db, new FaceIndex(1024, { dim: engine.dim }), false, file), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'bad_excel');
      assert.match(e.message, /нет обязательного столбца «Firstname» \(Имя\)/);
      assert.doesNotMatch(e.message, /«File path»/, 'File path is optional');
      assert.match(e.message, /Найдены столбцы: .*«Firstnme»/);
      return true;
    });
    // Header names tolerate case, order and surrounding spaces.
    const ok = path.join(dir, 'ok.xlsx');
    await writeSheet(
      ok,
      [],
      [' file path', 'MATRICULA ', 'lastname', 'Firstname', 'Lotin', 'Short', 'Group', 'идентификатор', 'Date  of birth', 'Passport number'],
    );
    assert.equal((await run(db, new FaceIndex(1024, { dim: engine.dim }), false, ok)).total_rows, 0);
    fs.writeFileSync(path.join(dir, 'not.xlsx'), 'plain text');
    await assert.rejects(
      run(db, new FaceIndex(1024, { dim: engine.dim }), false, path.join(dir, 'not.xlsx')),
      (e: unknown) => e instanceof AppError && e.code === 'bad_excel',
    );
  } finally {
    await db.destroy();
    await tdb.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a photo under 48×48 leaves its student «без фото» (image_too_small); the other rows load with their faces', async () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, 'photos'));
  fs.writeFileSync(path.join(dir, 'photos', 'good.jpg'), photos[0]!.bytes);
  fs.writeFileSync(path.join(dir, 'photos', 'tiny.jpg'), await sharp(photos[0]!.bytes).resize(20, 20).jpeg().toBuffer());
  const file = path.join(dir, 'list of students.xlsx');
  await writeSheet(file, [studentRow(1, 'tiny.jpg'), studentRow(2, 'good.jpg')]);
  const tdb = await databaseKinds[0]!.make();
  const db = await createDb(tdb.config);
  try {
    const s = await loadStudents({
      db,
      engine,
      roster: { index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), modelId: engine.model.id },
      lookalikeRadius: 0.3,
      quality: 'warn',
      maxImageBytes: 15 << 20,
      source: file,
      fileLabel: file,
      photos: { photosDir: path.join(dir, 'photos'), faceIdDocs: dir },
      force: false,
      log: quiet,
    });
    assert.equal(s.added, 2, JSON.stringify(s.rows));
    assert.equal(s.failed, 0);
    assert.equal(s.without_photo, 1);
    assert.equal(s.index_size, 1);
    const bad = s.rows.find((r) => r.status === 'no_photo')!;
    assert.deepEqual([bad.row, bad.reason], [2, 'image_too_small']);
    assert.match(bad.message, /20×20.*tiny\.jpg/);
  } finally {
    await db.destroy();
    await tdb.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('File path resolution follows the seed: absolute as is, relative to photos/, to the docs folder, to the project root', () => {
  const loc = { photosDir: '/srv/Face ID docs/photos', faceIdDocs: '/srv/Face ID docs' };
  assert.deepEqual(photoCandidates('/abs/a.jpg', loc), ['/abs/a.jpg']);
  assert.equal(photoCandidates('a.jpg', loc)[0], '/srv/Face ID docs/photos/a.jpg');
  assert.ok(photoCandidates('photos\\a.jpg', loc).includes('/srv/Face ID docs/photos/a.jpg'));
  assert.ok(photoCandidates('Face ID docs/photos/a.jpg', loc).includes('/srv/Face ID docs/photos/a.jpg'));
  // Inside an uploaded zip nothing may point outside it.
  const zip = { ...loc, confineTo: '/tmp/up/photos' };
  for (const p of ['../../etc/passwd', '/etc/passwd', 'C:\\Windows\\x.jpg', 'a/../../b.jpg']) {
    for (const c of photoCandidates(p, zip)) assert.ok(c.startsWith('/tmp/up/photos/'), `${p} → ${c}`);
  }
});
