// Descriptor models: an ArcFace-layout ONNX model plugged in by FACE_MODEL=onnx:PATH end to end, and the switch from
// face-api to the new default (Intel's model) and back on a populated database (re-description from stored photos,
// never a match across models).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FaceEngine } from '../../src/face/engine.js';
import { defaultModel, FACEAPI_MODEL, resolveModel, type FaceModelSpec } from '../../src/face/models.js';
import { Reembedder } from '../../src/students/reembed.js';
import { rosterOf } from '../../src/context.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from '../helpers/students.js';
import { alter } from '../helpers/faces.js';
import { writeTestArcfaceModel } from '../helpers/onnx.js';
import type { HealthJson } from '../helpers/answers.js';

let work: string;
let onnxFile: string;
let onnxModel: FaceModelSpec;
let faceapi: FaceEngine;
let onnx: FaceEngine;
/** The default model (FACE_MODEL unset): Intel's descriptor with YuNet. */
let intel: FaceEngine;
let people: IdPhoto[];
/** The test model is a fixed random projection of the aligned chip: it tells apart photos, not people, so probes are altered copies of the enrolled crops. */
const ONNX_ENV = () => ({ FACE_MODEL: `onnx:${onnxFile}`, MATCH_THRESHOLD: '0.25', MATCH_MARGIN: '0.05' });

before(async () => {
  work = tempDir();
  onnxFile = path.join(work, 'test-arcface.onnx');
  writeTestArcfaceModel(onnxFile);
  onnxModel = resolveModel(`onnx:${onnxFile}`, work, work);
  faceapi = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, model: FACEAPI_MODEL });
  onnx = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, model: onnxModel });
  intel = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  people = (await makeIdPhotos(faceapi, [1, 3])).slice(0, 5);
});

after(async () => {
  await faceapi?.close();
  await onnx?.close();
  await intel?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function recognise(t: TestApp, photo: Buffer): Promise<{ status: string; student?: { matricula: string } }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: photo.toString('base64') } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

test('FACE_MODEL=onnx:PATH: ArcFace-layout model end to end — 512-d embeddings tagged with the model, recognised through HTTP', async () => {
  assert.equal(onnx.dim, 512);
  assert.match(onnxModel.id, /^onnx-[0-9a-f]{16}-rgb-127\.5-127\.5$/);
  assert.equal(onnxModel.calibrated, undefined, 'an unknown model ships no threshold');
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, onnx, ONNX_ENV());
  try {
    await enrol(t, onnx, people, path.join(work, 'onnx-docs'));
    const rows = await t.db.selectFrom('students').select(['matricula', 'embedding', 'embedding_model']).orderBy('id').execute();
    assert.equal(rows.length, people.length);
    for (const r of rows) {
      assert.equal(r.embedding_model, onnxModel.id);
      assert.equal(r.embedding.byteLength, 512 * 4);
    }
    assert.equal(t.ctx.index.size, people.length);
    const r = await recognise(t, await alter(people[2]!.bytes, 'half'));
    assert.equal(r.status, 'ok');
    assert.equal(r.student?.matricula, '001002');
    const stranger = (await makeIdPhotos(faceapi, [4]))[0]!;
    assert.equal((await recognise(t, stranger.bytes)).status, 'not_found');
    const health = (await t.app.inject({ method: 'GET', url: '/api/health' })).json<HealthJson>();
    assert.equal(health.face_model.id, onnxModel.id);
    assert.equal(health.match_threshold, 0.25);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('an installation of the previous version (face-api) upgraded to the default model: nothing is compared across models; stored photos are re-described', async () => {
  const tdb = await sqliteDatabase();
  const docs = path.join(work, 'switch-docs');
  // Enrolled with face-api (the previous default).
  let t = await startApp(tdb, faceapi, { FACE_MODEL: 'faceapi' });
  await enrol(t, faceapi, people, docs);
  assert.equal(t.ctx.index.size, people.length);
  await t.close();

  // Started with FACE_MODEL unset: face-api's embeddings stay out of the index until re-described.
  const shipped = intel.model;
  assert.equal(shipped.id, defaultModel().id);
  assert.match(shipped.id, /^onnx-b02a658c705358dc-bgr-0-1-intel-yunet68-mirrorboth$/);
  t = await startApp(tdb, intel);
  try {
    assert.equal(t.ctx.config.model.id, shipped.id);
    assert.equal(t.ctx.index.size, 0, 'no embedding of another model is loaded');
    const probe = await alter(people[1]!.bytes, 'jpeg40');
    assert.equal((await recognise(t, probe)).status, 'not_found', 'meanwhile: «Лицо не найдено», never a cross-model match');
    const reembed = new Reembedder({ db: t.db, engine: intel, roster: rosterOf(t.ctx), lookalikeRadius: t.ctx.config.lookalikeDistance, log: () => {} });
    await reembed.start();
    assert.deepEqual(
      { ...reembed.status, error: undefined },
      { state: 'done', model: shipped.id, done: people.length, total: people.length, failed: 0, error: undefined },
    );
    assert.equal(t.ctx.index.size, people.length);
    const models = await t.db.selectFrom('students').select('embedding_model').distinct().execute();
    assert.deepEqual(
      models.map((m) => m.embedding_model),
      [shipped.id],
    );
    const r = await recognise(t, probe);
    assert.equal(r.status, 'ok');
    assert.equal(r.student?.matricula, '001001');
    // A second run finds nothing left to do: the last run's report stays as it was.
    const before = reembed.status;
    await reembed.start();
    assert.deepEqual(reembed.status, before);
  } finally {
    await t.close();
  }

  // And back to face-api (FACE_MODEL=faceapi): the same, the other way round.
  t = await startApp(tdb, faceapi, { FACE_MODEL: 'faceapi' });
  try {
    assert.equal(t.ctx.index.size, 0);
    const reembed = new Reembedder({ db: t.db, engine: faceapi, roster: rosterOf(t.ctx), lookalikeRadius: t.ctx.config.lookalikeDistance, log: () => {} });
    await reembed.start();
    assert.equal(t.ctx.index.size, people.length);
    const rows = await t.db.selectFrom('students').select(['embedding', 'embedding_model']).execute();
    for (const row of rows) {
      assert.equal(row.embedding_model, FACEAPI_MODEL.id);
      assert.equal(row.embedding.byteLength, 128 * 4);
    }
    const r = await recognise(t, people[3]!.bytes);
    assert.equal(r.status, 'ok');
    assert.equal(r.student?.matricula, '001003');
  } finally {
    await t.close();
    await tdb.drop();
  }
});
