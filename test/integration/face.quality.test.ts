// The enrolment quality gate on real photos: each reason in Russian, the hard floor for detections that are no face, and refuse mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { assessQuality, unusable, type FaceQuality } from '../../src/face/quality.js';
import { enrolFace } from '../../src/students/enrol.js';
import { AppError } from '../../src/errors.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { sampleBytes } from '../helpers/faces.js';
import { isAppError } from '../../src/errors.js';
import { loadStudents } from '../../src/students/loader.js';
import { rosterOf } from '../../src/context.js';

let engine: FaceEngine;
let people: IdPhoto[];
let frontal: IdPhoto;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = await makeIdPhotos(engine, [1, 3]);
  // The most frontal, evenly lit face of the two photos is the clean reference.
  const measured = await Promise.all(people.map(async (p) => ({ p, q: (await enrolFace(engine, p.bytes)).quality! })));
  frontal = measured.sort((a, b) => Math.abs(a.q.yaw) - Math.abs(b.q.yaw))[0]!.p;
});

after(async () => {
  await engine?.close();
});

const issuesOf = async (bytes: Buffer) => (await enrolFace(engine, bytes)).issues.map((i) => i.issue);

test('a good ID photo passes; blurred, dark, small, turned and group photos are flagged with Russian reasons', async () => {
  const good = await enrolFace(engine, frontal.bytes);
  assert.deepEqual(good.issues, [], JSON.stringify(good.quality));
  assert.ok(good.qualityJson && (JSON.parse(good.qualityJson) as { issues: unknown[] }).issues.length === 0);

  const blurred = await enrolFace(engine, await sharp(frontal.bytes).blur(2.5).jpeg().toBuffer());
  assert.ok(
    blurred.issues.some((i) => i.issue === 'blurry' && i.message === 'фото размыто'),
    JSON.stringify(blurred.quality),
  );

  assert.ok((await issuesOf(await sharp(frontal.bytes).modulate({ brightness: 0.35 }).jpeg().toBuffer())).includes('dark'));

  const small = await enrolFace(engine, await sharp(frontal.bytes).resize(90).jpeg({ quality: 95 }).toBuffer());
  assert.ok(
    small.issues.some((i) => i.issue === 'face_small' && /лицо слишком маленькое \(\d+ пикс\.\)/.test(i.message)),
    JSON.stringify(small.quality),
  );

  const turned = (await Promise.all(people.map(async (p) => (await enrolFace(engine, p.bytes)).quality!))).filter((q) => Math.abs(q.yaw) > 0.45);
  assert.ok(turned.length > 0, 'the demo photos hold half-turned faces');
  for (const q of turned) assert.ok(assessQuality(q, 0).some((i) => i.issue === 'turned' && i.message === 'голова повёрнута'));

  // A group photo of people of similar size is not an ID photo at all: which one is the student cannot be told.
  await assert.rejects(
    enrolFace(engine, sampleBytes(1)),
    (e: unknown) => isAppError(e) && e.code === 'two_faces' && /два лица сопоставимого размера/.test(e.message),
  );
  // A smaller face beside the student (half to four fifths of its width) is only a warning.
  assert.ok(assessQuality(good.quality!, 1).some((i) => i.issue === 'several_faces' && i.message === 'на фото несколько лиц'));
});

test('pitch and exposure limits; a detection with no face in it is never enrolled', () => {
  const base: FaceQuality = { faceWidth: 200, eyeDistance: 70, yaw: 0, pitch: 0.55, sharpness: 200, brightness: 130, clipped: 0 };
  assert.deepEqual(assessQuality(base, 0), []);
  assert.deepEqual(
    assessQuality({ ...base, pitch: 0.95 }, 0).map((i) => i.issue),
    ['tilted'],
  );
  assert.deepEqual(
    assessQuality({ ...base, brightness: 230 }, 0).map((i) => i.issue),
    ['overexposed'],
  );
  assert.deepEqual(
    assessQuality({ ...base, clipped: 0.4 }, 0).map((i) => i.issue),
    ['overexposed'],
  );
  assert.equal(unusable(base), undefined);
  assert.equal(unusable({ ...base, eyeDistance: 10 }), 'not_a_face', 'eyes 10 px apart in a 200 px box: the landmarks missed');
  assert.equal(unusable({ ...base, sharpness: 2 }), 'blurry');
});

test('a photo blurred beyond use is refused as face_unclear; ENROL_QUALITY=refuse turns warnings into failed rows', async () => {
  await assert.rejects(
    enrolFace(engine, await sharp(frontal.bytes).resize(120).blur(6).resize(300).jpeg().toBuffer()),
    (e: unknown) => e instanceof AppError && (e.code === 'face_unclear' || e.code === 'no_face'),
  );

  const work = tempDir();
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { ENROL_QUALITY: 'refuse' });
  try {
    fs.mkdirSync(path.join(work, 'photos'));
    fs.writeFileSync(path.join(work, 'photos', 'good.jpg'), frontal.bytes);
    fs.writeFileSync(path.join(work, 'photos', 'dark.jpg'), await sharp(frontal.bytes).modulate({ brightness: 0.35 }).jpeg().toBuffer());
    const sheet = path.join(work, 'list.xlsx');
    await writeSheet(sheet, [studentRow(0, 'good.jpg'), studentRow(1, 'dark.jpg')]);
    const s = await loadStudents({
      db: t.db,
      engine,
      roster: rosterOf(t.ctx),
      lookalikeRadius: t.ctx.config.lookalikeDistance,
      quality: t.ctx.config.enrolQuality,
      maxImageBytes: 15 << 20,
      source: sheet,
      fileLabel: sheet,
      photos: { photosDir: path.join(work, 'photos'), faceIdDocs: work },
      force: false,
      log: { info: () => {}, warn: () => {} },
    });
    // The refused photo leaves its student «без фото» (stored, never recognised).
    assert.deepEqual([s.added, s.without_photo, s.index_size], [2, 1, 1]);
    const row = s.rows.find((r) => r.row === 3)!;
    assert.equal(row.status, 'no_photo');
    assert.equal(row.reason, 'poor_photo');
    assert.match(row.message, /фото не годится для распознавания: .*фото слишком тёмное/);
  } finally {
    await t.close();
    await tdb.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
