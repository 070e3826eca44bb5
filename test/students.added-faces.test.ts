// «Добавить снимок к фото студента» through HTTP with real faces: only after a pass today, the quality gate,
// refused when the frame is someone else enrolled, listed in the admin's student card, removable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sharp from 'sharp';
import { FaceEngine } from '../src/face/engine.js';
import { sqliteDatabase, tempDir } from './helpers/db.js';
import { ADMIN_TOKEN, STATION_TOKEN, startApp } from './helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from './helpers/students.js';
import { cropFace, landscape, sampleBytes } from './helpers/faces.js';
import type { AddedFaceJson, ErrorJson, PassAnswerJson, StudentCardJson } from './helpers/answers.js';
import { encodeEmbedding } from '../src/face/embedding.js';

let engine: FaceEngine;
let people: IdPhoto[];
let frames: Buffer[];
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = await makeIdPhotos(engine, [3, 6]);
  const seen = new Map<number, Awaited<ReturnType<FaceEngine['describe']>>>();
  for (const s of [3, 6]) seen.set(s, await engine.describe(sampleBytes(s), { purpose: 'probe', describe: 'all' }));
  // A camera frame of each person: a wider crop than their ID photo, mirrored (another "shot").
  frames = await Promise.all(
    people.slice(0, 3).map(async (p) =>
      sharp(await cropFace(sampleBytes(p.sample), seen.get(p.sample)!.faces[p.face]!.box, 0.6))
        .flop()
        .resize(480)
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('added photos: after a pass only, gate and look-alike check, student card, photo, removal', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    await enrol(t, engine, people.slice(0, 3), fs.mkdtempSync(`${work}/a-`));
    const ids = new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula, r.id]));
    const s0 = ids.get('001000')!;
    const add = (id: number, image: Buffer, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url: `/api/students/${id}/faces`, headers, payload: { image: image.toString('base64'), station: 'Дверь 1' } });

    const early = await add(s0, frames[0]!);
    assert.equal(early.statusCode, 409, 'no pass today yet: nothing verified');
    assert.match(early.json<ErrorJson>().message, /после прохода/);
    assert.equal(
      (await t.app.inject({ method: 'POST', url: '/api/passes', payload: { student_id: s0, reason: 'паспорт' } })).json<PassAnswerJson>().status,
      'ok',
    );

    assert.equal((await t.anon({ method: 'POST', url: `/api/students/${s0}/faces`, payload: { image: frames[0]!.toString('base64') } })).statusCode, 401);
    assert.equal((await add(999_999, frames[0]!)).statusCode, 404);
    const none = await add(s0, await landscape());
    assert.equal(none.json<ErrorJson>().error, 'no_face', none.body);
    const group = await add(s0, sampleBytes(3));
    assert.equal(group.json<ErrorJson>().error, 'multiple_faces', group.body);
    // The operator captured the wrong person (student 1, enrolled): refused, it would pull their probes to student 0.
    const wrong = await add(s0, frames[1]!);
    assert.equal(wrong.statusCode, 409, wrong.body);
    assert.match(wrong.json<ErrorJson>().message, /похож на другого студента/);
    assert.equal(t.ctx.index.addedFaces, 0);

    const ok = await add(s0, frames[0]!);
    assert.equal(ok.statusCode, 200, ok.body);
    const face = ok.json<AddedFaceJson>().face;
    assert.equal(face.student_id, s0);
    assert.equal(face.added_by, 'Дверь 1');
    assert.ok(face.distance_to_own < 0.6, `the student's own face is near: ${face.distance_to_own}`);
    assert.equal(t.ctx.index.addedFaces, 1);
    assert.equal(t.ctx.index.size, 4);
    const stored = await t.db.selectFrom('student_faces').selectAll().executeTakeFirstOrThrow();
    assert.equal(stored.embedding_model, engine.model.id);

    // The recognition of the same frame now finds student 0 (the added face is searchable at once).
    const rec = (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frames[0]!.toString('base64') } })).json<PassAnswerJson>();
    assert.equal(rec.status, 'already_passed', JSON.stringify(rec));
    assert.equal(rec.student.id, s0);

    const admin = { 'x-admin-token': ADMIN_TOKEN };
    const card = (await t.app.inject({ method: 'GET', url: `/admin/students/${s0}`, headers: admin })).json<StudentCardJson>();
    assert.deepEqual(
      card.added_photos.map((p) => [p.id, p.added_by]),
      [[face.id, 'Дверь 1']],
    );
    const photo = await t.app.inject({ method: 'GET', url: face.photo_url, headers: admin });
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
    const meta = await sharp(photo.rawPayload).metadata();
    assert.ok(meta.width <= 360 && meta.height <= 360);
    assert.equal((await t.app.inject({ method: 'GET', url: face.photo_url, headers: { 'x-station-token': STATION_TOKEN } })).statusCode, 401, 'admin only');

    // At most five added photos per student.
    for (let i = 0; i < 4; i++) {
      await t.db
        .insertInto('student_faces')
        .values({
          student_id: s0,
          embedding: encodeEmbedding(new Float32Array(128)),
          embedding_model: 'other',
          photo: Buffer.from([1]),
          added_at: new Date().toISOString(),
        })
        .execute();
    }
    const full = await add(s0, frames[0]!);
    assert.equal(full.statusCode, 409);
    assert.match(full.json<ErrorJson>().message, /уже 5/);

    const del = (id: number) => t.app.inject({ method: 'DELETE', url: `/admin/student-faces/${id}`, headers: admin });
    assert.equal((await del(face.id)).statusCode, 200);
    assert.equal(t.ctx.index.addedFaces, 0);
    assert.equal(t.ctx.index.size, 3);
    assert.equal((await del(face.id)).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/admin/student-faces/${face.id}` })).statusCode, 401);
  } finally {
    await t.close();
    await tdb.drop();
  }
});
