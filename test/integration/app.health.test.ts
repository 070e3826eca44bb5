// The app factory with the real engine and database: /api/health and JSON errors, without listening.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/index.js';
import { FaceEngine } from '../../src/face/engine.js';
import { FaceIndex } from '../../src/face/index.js';
import { rebuildIndex } from '../../src/students/rebuild.js';
import { Lookalikes } from '../../src/face/lookalikes.js';
import { FACEAPI_MODEL } from '../../src/face/models.js';
import { encodeEmbedding } from '../../src/face/embedding.js';
import { systemClock } from '../../src/time.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import type { ErrorJson } from '../helpers/answers.js';
import type { Static } from '@fastify/type-provider-typebox';
import type { healthSchema } from '../../src/http/schemas/checkpoint.js';

/** The health answer as its route schema declares it. */
type HealthBody = Static<(typeof healthSchema.response)[200]>;

let tdb: TestDatabase;
let db: Db;
let engine: FaceEngine;
let app: FastifyInstance;
const index = new FaceIndex();
const lookalikes = new Lookalikes();

before(async () => {
  tdb = await sqliteDatabase();
  db = await createDb(tdb.config);
  // face-api's model: the index below holds 128-d rows of it.
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, model: FACEAPI_MODEL });
  const config = { ...loadConfig({ ADMIN_TOKEN, FACE_MODEL: 'faceapi' }), database: tdb.config };
  app = buildApp({ config, db, engine, index, lookalikes, clock: systemClock }, { logger: false });
});

after(async () => {
  await app?.close();
  await engine?.close();
  await db?.destroy();
  await tdb?.drop();
});

test('GET /api/health without a token answers liveness only; the figures need the admin token', async () => {
  const open = await app.inject({ method: 'GET', url: '/api/health' });
  assert.equal(open.statusCode, 200);
  assert.deepEqual(open.json(), { status: 'ok', index_size: 0 });
  const wrong = await app.inject({ method: 'GET', url: '/api/health', headers: { 'x-admin-token': 'not-the-admin-token' } });
  assert.deepEqual(Object.keys(wrong.json()).sort(), ['index_size', 'status']);
  const res = await app.inject({ method: 'GET', url: '/api/health', headers: { 'x-admin-token': ADMIN_TOKEN } });
  assert.equal(res.statusCode, 200);
  const body = res.json<HealthBody>();
  assert.equal(body.status, 'ok');
  assert.equal(body.db, true);
  assert.equal(body.database, 'sqlite');
  assert.equal(body.index_size, 0);
  assert.equal(body.engine_ready, true);
  assert.equal(body.engine_workers, 1);
});

test('rebuildIndex() picks up students written to the database, only those of its model', async () => {
  const now = new Date().toISOString();
  for (let i = 0; i < 4; i++) {
    await db
      .insertInto('students')
      .values({
        matricula: `M${i}`,
        lastname: 'L',
        firstname: 'F',
        lotin: null,
        short: null,
        group: null,
        identifier: null,
        date_of_birth: null,
        passport_number: null,
        file_path: null,
        face_quality: null,
        // The fourth was described by an earlier engine (the migration's default): never loaded next to the others.
        ...(i < 3 ? { embedding_model: FACEAPI_MODEL.id } : {}),
        embedding: encodeEmbedding(new Float32Array(128).fill(i / 10)),
        face_score: 0.9,
        face_width: 100,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const r = await rebuildIndex(db, { index, lookalikes, modelId: FACEAPI_MODEL.id });
  assert.equal(r.size, 3);
  const res = await app.inject({ method: 'GET', url: '/api/health' });
  assert.equal(res.json<HealthBody>().index_size, 3);
});

test('unknown routes answer JSON 404 with a Russian message', async () => {
  const res = await app.inject({ method: 'GET', url: '/api/nothing-here' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json<ErrorJson>().error, 'not_found');
  assert.match(res.json<ErrorJson>().message, /Не найдено/);
  // Security headers on every response, errors included.
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
});
