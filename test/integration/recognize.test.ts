// POST /api/recognize end to end with real faces: ok, already_passed, not_found, errors, margin, audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir, type TestDatabase } from '../helpers/db.js';
import { multipart, startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, studentRow, type IdPhoto } from '../helpers/students.js';
import { cropFace, landscape, sampleBytes } from '../helpers/faces.js';
import type { ErrorJson, PassAnswerJson } from '../helpers/answers.js';

let engine: FaceEngine;
let tdb: TestDatabase;
let t: TestApp;
let enrolled: IdPhoto[];
let strangers: IdPhoto[];
let work: string;

/** A checkpoint-like frame of a person: a wider, differently scaled and re-encoded cut of the group photo. */
async function probeOf(p: IdPhoto, width = 480, quality = 75): Promise<Buffer> {
  const r = await engine.describe(sampleBytes(p.sample), { purpose: 'probe', describe: 'all' });
  const crop = await cropFace(sampleBytes(p.sample), r.faces[p.face]!.box, 0.45, 95);
  return sharp(crop).resize(width).jpeg({ quality }).toBuffer();
}

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  const all = await makeIdPhotos(engine, [1, 3, 4, 5]);
  enrolled = all.filter((p) => p.sample !== 5);
  strangers = all.filter((p) => p.sample === 5);
  work = tempDir();
  tdb = await sqliteDatabase();
  t = await startApp(tdb, engine);
  await enrol(t, engine, enrolled, work);
});

after(async () => {
  await t?.close();
  await tdb?.drop();
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const post = (payload: object | Buffer, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url: '/api/recognize', payload, headers });

test('an enrolled face → ok with the right student and a new pass; again → already_passed with the first pass', async () => {
  const who = enrolled[0]!;
  const probe = await probeOf(who);
  const form = multipart([
    { name: 'image', filename: 'frame.jpg', type: 'image/jpeg', data: probe },
    { name: 'station', data: 'Ауд. 101' },
  ]);
  const first = await post(form.body, form.headers);
  assert.equal(first.statusCode, 200, first.body);
  const a = first.json<PassAnswerJson>();
  assert.equal(a.status, 'ok');
  assert.equal(a.student.matricula, '001000');
  assert.equal(a.student.lastname, 'Иванова-0');
  assert.equal(a.student.identifier, '0700000000');
  // Only what the operator needs (F1): never the passport number, the birth date or the server's file path.
  assert.deepEqual(Object.keys(a.student).sort(), [
    'firstname',
    'group',
    'id',
    'identifier',
    'lastname',
    'lotin',
    'matricula',
    'passport_masked',
    'photo_problem',
    'photo_url',
  ]);
  assert.equal(a.student.photo_problem, null);
  assert.equal(a.student.passport_masked, 'AB******60');
  assert.doesNotMatch(first.body, /AB01234560|file_path|date_of_birth|passport_number/);
  assert.equal(a.student.photo_url, `/api/students/${a.student.id}/photo`);
  assert.ok(a.distance !== null && a.distance > 0 && a.distance <= t.ctx.config.matchThreshold, String(a.distance));
  assert.equal(a.pass.source, 'web');
  assert.equal(a.pass.station, 'Ауд. 101');
  assert.match(a.pass.date, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(a.pass.time, /^\d{2}:\d{2}:\d{2}$/);
  assert.match(a.message, /Студент/);

  // Same person, another frame (Base64 JSON), from the camera page.
  const second = await post({ image: (await probeOf(who, 560, 85)).toString('base64'), source: 'camera', station: 'Ауд. 101' });
  assert.equal(second.statusCode, 200);
  const b = second.json<PassAnswerJson>();
  assert.equal(b.status, 'already_passed');
  assert.match(b.message, /Студент уже проходил сегодня/);
  assert.equal(b.student.id, a.student.id);
  assert.equal(b.pass.id, a.pass.id, 'the first pass of today');
  assert.equal(b.first_pass_time, a.pass.time);
  const passes = await t.db.selectFrom('passes').selectAll().where('student_id', '=', a.student.id).execute();
  assert.equal(passes.length, 1);

  const photo = await t.app.inject({ method: 'GET', url: a.student.photo_url });
  assert.equal(photo.statusCode, 200);
  assert.equal(photo.headers['content-type'], 'image/jpeg');
  assert.equal((await sharp(photo.rawPayload).metadata()).format, 'jpeg');
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/students/999999/photo' })).statusCode, 404);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/students/abc/photo' })).statusCode, 400);
});

test('every enrolled person is recognised from a data-URL frame, and raw image bodies work', async () => {
  for (const p of enrolled.slice(1)) {
    const probe = await probeOf(p, 400, 70);
    const res = await post({ image: `data:image/jpeg;base64,${probe.toString('base64')}`, source: 'camera' });
    assert.equal(res.statusCode, 200, `${p.key}: ${res.body}`);
    const body = res.json<PassAnswerJson>();
    assert.equal(body.status, 'ok', `${p.key}: ${res.body}`);
    assert.equal(body.student.matricula, `00${1000 + enrolled.indexOf(p)}`, p.key);
    assert.equal(body.pass.source, 'camera');
  }
  const raw = await post(await probeOf(enrolled[1]!), { 'content-type': 'image/jpeg' });
  assert.equal(raw.json<PassAnswerJson>().status, 'already_passed');
});

test('a face that was never enrolled → not_found with no student data', async () => {
  for (const p of strangers) {
    const res = await post({ image: (await probeOf(p)).toString('base64') });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'not_found', message: 'Лицо не найдено', mode: 'identify' }, p.key);
  }
});

test('group photo → multiple_faces, landscape → no_face, nothing recorded', async () => {
  const before = await t.db
    .selectFrom('passes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const group = await post({ image: sampleBytes(1).toString('base64') });
  assert.equal(group.statusCode, 422);
  const groupJson = group.json<ErrorJson>();
  assert.equal(groupJson.error, 'multiple_faces');
  assert.equal(groupJson.status, 'multiple_faces');
  assert.match(groupJson.message, /несколько лиц/);
  const none = await post({ image: (await landscape()).toString('base64') });
  assert.equal(none.statusCode, 422);
  assert.equal(none.json<ErrorJson>().error, 'no_face');
  const after = await t.db
    .selectFrom('passes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(after.n), Number(before.n));
});

test('bad requests get 4xx JSON with a Russian message', async () => {
  const cases: [string, object | Buffer, Record<string, string>, number, string][] = [
    ['bad base64', { image: 'this is *not* base64!' }, {}, 400, 'bad_request'],
    ['missing field', { picture: 'abc' }, {}, 400, 'bad_request'],
    ['empty JSON', {}, {}, 400, 'bad_request'],
    ['text as image', { image: Buffer.from('hello world, not an image').toString('base64') }, {}, 400, 'bad_image'],
    ['truncated jpeg', { image: sampleBytes(1).subarray(0, 5000).toString('base64') }, {}, 400, 'bad_image'],
    ['bad source', { image: 'AAAA', source: 'drone' }, {}, 400, 'bad_request'],
    ['empty body', Buffer.alloc(0), { 'content-type': 'application/json' }, 400, 'bad_request'],
    ['no body', Buffer.alloc(0), {}, 400, 'bad_request'],
    ['broken JSON', Buffer.from('{"image": '), { 'content-type': 'application/json' }, 400, 'bad_request'],
    ['huge', { image: 'A'.repeat(23 * 1024 * 1024) }, {}, 413, 'payload_too_large'],
  ];
  for (const [name, payload, headers, status, error] of cases) {
    const res = await post(payload, headers);
    assert.equal(res.statusCode, status, `${name}: ${res.body.slice(0, 200)}`);
    const body = res.json<ErrorJson>();
    assert.equal(body.error, error, name);
    assert.match(body.message, /[а-яА-Я]/, `${name}: Russian message`);
  }
  const health = await t.app.inject({ method: 'GET', url: '/api/health' });
  assert.equal(health.statusCode, 200, 'still serving');
});

test('a look-alike within the margin makes the answer not_found (never a guess between two students)', async () => {
  const tdb2 = await sqliteDatabase();
  const t2 = await startApp(tdb2, engine);
  const dir = tempDir();
  try {
    const twin = enrolled[3]!;
    // The same face enrolled twice under two identities: the nearest and the second nearest are equally close.
    await enrol(t2, engine, [twin], dir, [studentRow(77, `${twin.key}.jpg`, { Matricula: 'TWIN', Идентификатор: 'TWIN-ID' })]);
    const res = await t2.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: (await probeOf(twin)).toString('base64') } });
    assert.deepEqual(res.json(), { status: 'not_found', message: 'Лицо не найдено', mode: 'identify' });
    const attempt = await t2.db.selectFrom('attempts').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(attempt.status, 'not_found');
    const rule = t2.ctx.config;
    assert.ok(
      attempt.distance! <= rule.matchThreshold && attempt.second_distance! - attempt.distance! < rule.matchMargin,
      'refused for the margin, not the threshold',
    );
  } finally {
    await t2.close();
    await tdb2.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every attempt is in the audit log with status, distance and station, and no image', async () => {
  const rows = await t.db.selectFrom('attempts').selectAll().orderBy('id').execute();
  const statuses = new Set(rows.map((r) => r.status));
  for (const s of ['ok', 'already_passed', 'not_found', 'multiple_faces', 'no_face', 'bad_image']) assert.ok(statuses.has(s), `audit has ${s}`);
  const ok = rows.find((r) => r.status === 'ok' && r.station === 'Ауд. 101')!;
  assert.ok(ok.student_id && ok.distance! > 0 && ok.duration_ms! >= 0);
  assert.equal(ok.mode, 'identify');
  assert.deepEqual(Object.keys(ok).sort(), [
    'claimed_student_id',
    'distance',
    'duration_ms',
    'faces',
    'id',
    'mode',
    'room',
    'second_distance',
    'sitting_id',
    'source',
    'station',
    'station_id',
    'status',
    'student_id',
    'timestamp',
  ]);
});
