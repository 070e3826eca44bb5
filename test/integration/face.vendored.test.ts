// The default model's weights ship in models/ and are checked by their hash at every start: the real files pass; a
// changed file stops `npm start`'s entry with a message that names the file and says what to do. And an enrolment
// photo of two people of similar size is not guessed at: the row is refused with its reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { defaultModel, INTEL_FILE, sha256File, YUNET_FILE } from '../../src/face/models.js';
import { loadConfig } from '../../src/config.js';
import { projectRoot } from '../../src/paths.js';
import { FaceEngine } from '../../src/face/engine.js';
import { tempDir, sqliteDatabase } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import { writeSheet, studentRow, makeIdPhotos } from '../helpers/students.js';
import { grow, sampleBytes } from '../helpers/faces.js';
import { loadStudents } from '../../src/students/loader.js';
import { rosterOf } from '../../src/context.js';
import { TWO_FACES_RATIO } from '../../src/face/quality.js';

let engine: FaceEngine;
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('the vendored files are the expected ones; FACE_MODEL unset gives Intel’s model with its shipped rule', () => {
  assert.equal(sha256File(INTEL_FILE.path), INTEL_FILE.sha256);
  assert.equal(sha256File(YUNET_FILE.path), YUNET_FILE.sha256);
  for (const f of ['intel-face-reid-0095/LICENSE', 'intel-face-reid-0095/PROVENANCE.md', 'yunet/LICENSE'])
    assert.ok(fs.existsSync(path.join(projectRoot, 'models', f)), f);
  const m = defaultModel();
  assert.equal(m.chip, 'intel');
  assert.equal(m.points, 'yunet68');
  assert.match(m.licence, /Apache-2\.0/);
  const c = loadConfig({});
  assert.equal(c.model.id, m.id);
  assert.equal(c.matchThreshold, m.calibrated!.threshold);
  assert.equal(c.matchMargin, m.calibrated!.margin);
  assert.equal(c.verifyThreshold, m.calibrated!.verify);
  assert.ok(c.rosterRules.length > 0);
  assert.equal(loadConfig({ FACE_MODEL: 'faceapi' }).matchThreshold, 0.45);
});

test('a changed weights file stops the server at start with a message naming it (no request is ever answered with it)', () => {
  // A copy of the built program beside a damaged copy of the model folder (the repository's own files stay untouched).
  const root = fs.mkdtempSync(path.join(work, 'app-'));
  fs.cpSync(path.join(projectRoot, 'dist', 'src'), path.join(root, 'dist', 'src'), { recursive: true });
  fs.copyFileSync(path.join(projectRoot, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.cpSync(path.join(projectRoot, 'models'), path.join(root, 'models'), { recursive: true });
  const onnx = path.join(root, 'models', 'intel-face-reid-0095', 'face-reidentification-retail-0095.onnx');
  const bytes = fs.readFileSync(onnx);
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
  fs.writeFileSync(onnx, bytes);
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'src', 'server.js')], {
    env: { PATH: process.env.PATH, DATA_DIR: path.join(root, 'data'), PORT: '0' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /FACE_MODEL="intel"|FACE_MODEL=intel/);
  assert.match(r.stderr, /face-reidentification-retail-0095\.onnx has sha256 [0-9a-f]{16}…, expected b02a658c705358dc…/);
  assert.match(r.stderr, /restore it with git checkout/);
  assert.ok(!fs.existsSync(path.join(root, 'data', 'database.db')), 'stopped before touching the database');
});

test('an enrolment photo of two people of similar size is not enrolled (reason two_faces); one big face with a small one behind is', async () => {
  // Sample 4: four people side by side. A crop around two neighbours = «the student cheek to cheek with someone».
  const r = await engine.describe(sampleBytes(4), { purpose: 'probe', describe: 'all' });
  const faces = [...r.faces].sort((a, b) => a.box.x - b.box.x);
  let pair: [number, number] | undefined;
  for (let i = 0; i + 1 < faces.length && !pair; i++) {
    const [a, b] = [faces[i]!, faces[i + 1]!];
    if (Math.min(a.box.width, b.box.width) / Math.max(a.box.width, b.box.width) >= TWO_FACES_RATIO + 0.05) pair = [i, i + 1];
  }
  assert.ok(pair, `two neighbours of similar size in sample 4: ${faces.map((f) => Math.round(f.box.width)).join(', ')}`);
  const [a, b] = [faces[pair[0]]!.box, faces[pair[1]]!.box];
  const meta = await sharp(sampleBytes(4)).metadata();
  const union = {
    x: Math.min(a.x, b.x),
    y: Math.min(a.y, b.y),
    width: Math.max(a.x + a.width, b.x + b.width) - Math.min(a.x, b.x),
    height: Math.max(a.y + a.height, b.y + b.height) - Math.min(a.y, b.y),
  };
  const two = await sharp(sampleBytes(4))
    .extract(grow(union, 0.25, meta.width, meta.height))
    .jpeg({ quality: 92 })
    .toBuffer();
  const one = (await makeIdPhotos(engine, [1]))[0]!;

  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    const dir = path.join(work, 'docs');
    fs.mkdirSync(path.join(dir, 'photos'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'photos', 'two.jpg'), two);
    fs.writeFileSync(path.join(dir, 'photos', 'one.jpg'), one.bytes);
    const sheet = path.join(dir, 'list.xlsx');
    await writeSheet(sheet, [studentRow(0, 'two.jpg'), studentRow(1, 'one.jpg')]);
    const s = await loadStudents({
      db: t.db,
      engine,
      roster: rosterOf(t.ctx),
      lookalikeRadius: t.ctx.config.lookalikeDistance,
      quality: t.ctx.config.enrolQuality,
      maxImageBytes: 15 << 20,
      source: sheet,
      fileLabel: sheet,
      photos: { photosDir: path.join(dir, 'photos'), faceIdDocs: dir },
      force: false,
      log: { info: () => {}, warn: () => {} },
    });
    const refused = s.rows.find((row) => row.matricula === '001000');
    // The student is stored «без фото» (never recognised); the photo of one person is enrolled.
    assert.equal(refused?.status, 'no_photo', JSON.stringify(s.rows));
    assert.equal(refused?.reason, 'two_faces');
    assert.match(refused.message, /на фото два лица сопоставимого размера/);
    assert.deepEqual([s.added, s.without_photo, s.index_size], [2, 1, 1], 'the photo of one person is enrolled');
    assert.deepEqual(
      (await t.db.selectFrom('students').select('matricula').where('embedding_model', '<>', 'none').execute()).map((x) => x.matricula),
      ['001001'],
    );
  } finally {
    await t.close();
    await tdb.drop();
  }
});
