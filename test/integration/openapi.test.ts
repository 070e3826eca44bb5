// The API describes itself: /docs/json is a valid OpenAPI 3.1 document built from the route schemas, every
// registered route is in it with the token it needs, its responses cannot carry personal data, and /docs
// serves Swagger UI from the package (no CDN). Bad input against the schemas is a 400 in Russian.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { InjectOptions, RouteOptions } from 'fastify';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import { systemClock } from '../../src/time.js';
import type { ErrorJson, StudentCardJson } from '../helpers/answers.js';

let engine: FaceEngine;
let tdb: TestDatabase;
let t: TestApp;
const routes: RouteOptions[] = [];

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  tdb = await sqliteDatabase();
  t = await startApp(tdb, engine, {}, systemClock, false, (r) => void routes.push(r));
});

after(async () => {
  await t?.close();
  await engine?.close();
  await tdb?.drop();
});

type Json = { [k: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every schema object under `node` (properties, items, anyOf…), with its path. */
function* schemasIn(node: unknown, at: string): Generator<[string, Json]> {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) yield* schemasIn(n, `${at}[${i}]`);
  } else if (isObject(node)) {
    yield [at, node];
    for (const [k, v] of Object.entries(node)) yield* schemasIn(v, `${at}.${k}`);
  }
}

async function documentOf(): Promise<Json> {
  const res = await t.anon({ method: 'GET', url: '/docs/json' });
  assert.equal(res.statusCode, 200);
  const doc: unknown = res.json();
  assert.ok(isObject(doc));
  return doc;
}

test('/docs/json is a valid OpenAPI 3.1 document', async () => {
  const doc = await documentOf();
  assert.equal(doc.openapi, '3.1.0');
  // The parser changes what it is given: a copy.
  await SwaggerParser.validate(structuredClone(doc) as never);
});

test('every registered route is documented, with the token it needs', async () => {
  const doc = await documentOf();
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const documented = routes.filter((r) => !(isObject(r.schema) && r.schema.hide === true));
  assert.ok(documented.length >= 20, `only ${documented.length} routes seen`);
  for (const r of documented) {
    const url = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue; // Fastify adds HEAD for each GET on its own
      const op = paths[url]?.[method.toLowerCase()];
      assert.ok(op, `${method} ${url} is not in /docs/json`);
      assert.ok(typeof op.summary === 'string' && op.summary.length > 0, `${method} ${url} has no summary`);
      assert.ok(isObject(op.responses) && isObject(op.responses['200'] ?? op.responses['301']), `${method} ${url} declares no success response`);
      const schemes = ((op.security ?? []) as Json[]).flatMap((s) => Object.keys(s));
      if (url.startsWith('/admin/')) assert.deepEqual(schemes.sort(), ['adminToken', 'bearerAuth'], `${method} ${url}`);
      else if (url.startsWith('/api/') && url !== '/api/health')
        assert.deepEqual(schemes.sort(), ['adminToken', 'bearerAuth', 'stationToken'], `${method} ${url}`);
      else assert.deepEqual(schemes, [], `${method} ${url} is open`);
      // A refusal is the project's {error, message}.
      if (url.startsWith('/api/') || url.startsWith('/admin/')) assert.ok(isObject(op.responses['4XX']), `${method} ${url} documents no 4xx body`);
    }
  }
  // And nothing documented that is not served.
  const served = new Set(documented.flatMap((r) => [r.method].flat().map((m) => `${m.toLowerCase()} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`)));
  for (const [url, ops] of Object.entries(paths))
    for (const m of Object.keys(ops)) assert.ok(served.has(`${m} ${url}`), `${m} ${url} documented but not served`);
});

test('response schemas hold no personal field and pass no unknown field through', async () => {
  const doc = await documentOf();
  const forbidden = ['passport_number', 'date_of_birth', 'file_path', 'photo', 'embedding', 'descriptor', 'token'];
  let objects = 0;
  for (const [url, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [at, s] of schemasIn(op.responses, `${method} ${url} responses`)) {
        if (isObject(s.properties)) {
          objects++;
          for (const name of Object.keys(s.properties)) assert.ok(!forbidden.includes(name), `${at} has ${name}`);
          // fast-json-stringify writes only declared properties unless a schema lets others through.
          assert.notEqual(s.additionalProperties, true, `${at} lets any field through`);
        }
      }
      // Every JSON answer has a schema that says what it is (an empty schema would pass anything).
      for (const [code, r] of Object.entries(op.responses as Record<string, Json>)) {
        const json = (r.content as Record<string, Json> | undefined)?.['application/json'];
        if (json)
          assert.ok(
            isObject(json.schema) && Object.keys(json.schema).some((k) => ['type', 'anyOf', 'oneOf', 'properties'].includes(k)),
            `${method} ${url} ${code} has an open schema`,
          );
      }
    }
  }
  assert.ok(objects > 30, `${objects} object schemas`);
});

test('the serialiser drops what a schema does not declare (the student card has no passport number)', async () => {
  const now = new Date().toISOString();
  const id = await t.db
    .insertInto('students')
    .values({
      matricula: 'M-1',
      lastname: 'Иванов',
      firstname: 'Иван',
      lotin: null,
      short: null,
      group: 'G1',
      identifier: null,
      date_of_birth: '2001-02-03',
      passport_number: 'AB1234567',
      file_path: 'photos/secret.jpg',
      embedding: new Uint8Array(4 * 128),
      face_quality: null,
      face_score: 0.9,
      face_width: 120,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const res = await t.anon({ method: 'GET', url: `/admin/students/${id.id}`, headers: { 'x-admin-token': ADMIN_TOKEN } });
  assert.equal(res.statusCode, 200, res.body);
  const card = res.json<StudentCardJson>();
  assert.equal(card.student.lastname, 'Иванов');
  assert.equal(card.student.passport_masked, 'AB*****67');
  for (const secret of ['AB1234567', '2001-02-03', 'secret.jpg']) assert.ok(!res.body.includes(secret), `${secret} leaked`);
});

test('a value against the schema is a 400 with the error code and a Russian message', async () => {
  const admin = { 'x-admin-token': ADMIN_TOKEN };
  const cases: [string, InjectOptions, RegExp][] = [
    ['offset not a number', { method: 'GET', url: '/admin/students?offset=abc', headers: admin }, /offset: нужно целое число/],
    ['offset Infinity', { method: 'GET', url: '/admin/students?offset=Infinity', headers: admin }, /offset/],
    ['offset too large', { method: 'GET', url: '/admin/students?offset=99999999999', headers: admin }, /offset: слишком большое значение/],
    ['id in the address', { method: 'GET', url: '/admin/students/-1', headers: admin }, /в адресе id/],
    ['format not json/xlsx', { method: 'GET', url: '/admin/load_rows?format=pdf', headers: admin }, /format/],
    ['student_id a string', { method: 'POST', url: '/api/passes', payload: { student_id: 'x' } }, /student_id/],
    ['student_id missing', { method: 'POST', url: '/api/passes', payload: { reason: 'документы' } }, /student_id: не указан/],
    ['body an array', { method: 'POST', url: '/api/passes', payload: [1] }, /объектом JSON/],
    ['cancel without a reason', { method: 'POST', url: '/admin/passes/1/cancel', payload: {}, headers: admin }, /reason/],
    ['image not a string', { method: 'POST', url: '/api/recognize', payload: { image: { bytes: 1 } } }, /image/],
  ];
  for (const [name, req, message] of cases) {
    const res = await t.app.inject(req);
    assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
    const body = res.json<ErrorJson>();
    assert.equal(body.error, 'bad_request', name);
    assert.match(body.message, message, name);
    assert.match(body.message, /[а-я]/, `${name}: Russian`);
  }
});

test('/docs serves Swagger UI from the package, nothing from a CDN', async () => {
  const page = await t.anon({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  const html = page.body;
  assert.doesNotMatch(html, /(src|href)=["']https?:/i, 'no external script or style');
  for (const asset of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js']) {
    const r = await t.anon({ method: 'GET', url: asset });
    assert.equal(r.statusCode, 200, asset);
  }
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
});
