// «Добавить снимок к фото студента» through HTTP with real faces: only the frame of a verified exchange (the ticket of a
// manual pass or a card checked 1:1, at this client, minutes ago, its pass standing today) and only if it matches the
// student's enrolled photo 1:1; a stranger is never taught; cancelling the pass removes the photo; the admin sees and
// removes every added photo; the index never loads an added photo of another model or one that does not match.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, STATION_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from '../helpers/students.js';
import { cropFace, landscape, sampleBytes } from '../helpers/faces.js';
import type { AddedFaceJson, AddedFacesJson, CancelJson, ErrorJson, PassAnswerJson, StudentCardJson } from '../helpers/answers.js';
import { encodeEmbedding } from '../../src/face/embedding.js';
import { rebuildIndex } from '../../src/students/rebuild.js';
import { rosterOf } from '../../src/context.js';

let engine: FaceEngine;
let people: IdPhoto[];
/** A camera frame of each of people[0..3]: a wider, mirrored crop than their ID photo (another "shot"). */
let frames: Buffer[];
/** A frame of somebody never enrolled (sample 5). */
let stranger: Buffer;
let work: string;
const admin = { 'x-admin-token': ADMIN_TOKEN };

async function frameOf(p: IdPhoto): Promise<Buffer> {
  const seen = await engine.describe(sampleBytes(p.sample), { purpose: 'probe', describe: 'all' });
  return sharp(await cropFace(sampleBytes(p.sample), seen.faces[p.face]!.box, 0.6))
    .flop()
    .resize(480)
    .jpeg({ quality: 85 })
    .toBuffer();
}

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = await makeIdPhotos(engine, [3, 6]);
  frames = await Promise.all(people.slice(0, 4).map(frameOf));
  stranger = await frameOf((await makeIdPhotos(engine, [5]))[0]!);
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** A clock the test moves. */
function clockAt(iso: string): { now: Date; clock: () => Date } {
  const c = { now: new Date(iso), clock: () => c.now };
  return c;
}

async function setup(t: TestApp, n = 3): Promise<Map<string, number>> {
  await enrol(t, engine, people.slice(0, n), fs.mkdtempSync(`${work}/a-`));
  return new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula!, r.id]));
}

const manualPass = async (t: TestApp, id: number, remoteAddress?: string) =>
  (
    await t.app.inject({
      method: 'POST',
      url: '/api/passes',
      payload: { student_id: id, reason: 'паспорт', station: 'Дверь 1' },
      ...(remoteAddress ? { remoteAddress } : {}),
    })
  ).json<PassAnswerJson>();

const add = (t: TestApp, id: number, image: Buffer, ticket: string | undefined, remoteAddress?: string) =>
  t.app.inject({
    method: 'POST',
    url: `/api/students/${id}/faces`,
    payload: { image: image.toString('base64'), station: 'Дверь 1', ...(ticket ? { ticket } : {}) },
    ...(remoteAddress ? { remoteAddress } : {}),
  });

test('added photos: only with the ticket of a pass; the frame must match the enrolled photo 1:1; one per pass; listed and removable', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    const ids = await setup(t);
    const s0 = ids.get('001000')!;
    const s1 = ids.get('001001')!;

    const none = await add(t, s0, frames[0]!, undefined);
    assert.equal(none.statusCode, 409, 'no ticket: nothing verified');
    assert.match(none.json<ErrorJson>().message, /сразу после прохода/);
    const forged = await add(t, s0, frames[0]!, 'eyJ4Ijoxfq.AAAA');
    assert.equal(forged.statusCode, 409);

    const pass = await manualPass(t, s0);
    assert.equal(pass.status, 'ok');
    assert.equal(pass.mode, 'manual');
    const ticket = pass.add_face_ticket!;
    assert.ok(ticket, 'a manual pass gives the right to add the next frame');

    assert.equal(
      (await t.anon({ method: 'POST', url: `/api/students/${s0}/faces`, payload: { image: frames[0]!.toString('base64'), ticket } })).statusCode,
      401,
    );
    // The ticket names its student and its client.
    const other = await add(t, s1, frames[1]!, ticket);
    assert.equal(other.statusCode, 409);
    assert.match(other.json<ErrorJson>().message, /другому студенту/);
    const elsewhere = await add(t, s0, frames[0]!, ticket, '10.9.9.9');
    assert.equal(elsewhere.statusCode, 409, 'another client cannot use this station’s ticket');
    // Not a face, several faces: the door's refusals.
    assert.equal((await add(t, s0, await landscape(), ticket)).json<ErrorJson>().error, 'no_face');
    assert.equal((await add(t, s0, sampleBytes(3), ticket)).json<ErrorJson>().error, 'multiple_faces');
    // The operator captured another enrolled student, or a stranger: refused by the 1:1 check, nothing learnt.
    for (const wrongFrame of [frames[1]!, stranger]) {
      const wrong = await add(t, s0, wrongFrame, ticket);
      assert.equal(wrong.statusCode, 409, wrong.body);
      assert.match(wrong.json<ErrorJson>().message, /не совпадает с фото студента/);
    }
    assert.equal(t.ctx.index.addedFaces, 0);
    assert.equal((await t.db.selectFrom('student_faces').selectAll().execute()).length, 0);
    // The stranger stays a stranger.
    const rec = (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: stranger.toString('base64') } })).json<PassAnswerJson>();
    assert.equal(rec.status, 'not_found', JSON.stringify(rec));

    const ok = await add(t, s0, frames[0]!, ticket);
    assert.equal(ok.statusCode, 200, ok.body);
    const face = ok.json<AddedFaceJson>().face;
    assert.equal(face.student_id, s0);
    assert.equal(face.added_by, 'Дверь 1');
    assert.ok(face.distance_to_own <= t.ctx.config.verifyThreshold!, `within the 1:1 threshold: ${face.distance_to_own}`);
    assert.equal(t.ctx.index.addedFaces, 1);
    const stored = await t.db.selectFrom('student_faces').selectAll().executeTakeFirstOrThrow();
    assert.equal(stored.embedding_model, engine.model.id);
    assert.equal(stored.pass_id, pass.pass.id);
    assert.equal(stored.client, '127.0.0.1');
    // One photo per pass: the same ticket again is refused.
    const again = await add(t, s0, frames[0]!, ticket);
    assert.equal(again.statusCode, 409);
    assert.match(again.json<ErrorJson>().message, /уже добавлен/);

    // The admin sees every added photo: student, station, client, distance; one click removes it.
    const list = (await t.app.inject({ method: 'GET', url: '/admin/student-faces', headers: admin })).json<AddedFacesJson>();
    assert.equal(list.total, 1);
    assert.deepEqual(
      list.photos.map((p) => [p.id, p.student_id, p.matricula, p.added_by, p.client, p.pass_id, p.in_index]),
      [[face.id, s0, '001000', 'Дверь 1', '127.0.0.1', pass.pass.id, true]],
    );
    assert.equal(list.photos[0]!.distance, face.distance_to_own);
    assert.equal((await t.app.inject({ method: 'GET', url: '/admin/student-faces', headers: { 'x-station-token': STATION_TOKEN } })).statusCode, 401);
    const card = (await t.app.inject({ method: 'GET', url: `/admin/students/${s0}`, headers: admin })).json<StudentCardJson>();
    assert.deepEqual(
      card.added_photos.map((p) => p.id),
      [face.id],
    );
    const photo = await t.app.inject({ method: 'GET', url: face.photo_url, headers: admin });
    assert.equal(photo.statusCode, 200);
    assert.equal(photo.headers['content-type'], 'image/jpeg');
    assert.equal((await t.app.inject({ method: 'GET', url: face.photo_url, headers: { 'x-station-token': STATION_TOKEN } })).statusCode, 401, 'admin only');
    const del = (id: number) => t.app.inject({ method: 'DELETE', url: `/admin/student-faces/${id}`, headers: admin });
    assert.equal((await del(face.id)).statusCode, 200);
    assert.equal(t.ctx.index.addedFaces, 0);
    assert.equal((await del(face.id)).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/admin/student-faces/${face.id}` })).statusCode, 401);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('a cancelled pass, a pass of another day, an expired ticket: refused; cancelling a pass removes the photo added after it', async () => {
  const tdb = await sqliteDatabase();
  // 23:50 in Tashkent (UTC+5).
  const c = clockAt('2026-12-06T18:50:00Z');
  const t = await startApp(tdb, engine, {}, c.clock);
  try {
    const ids = await setup(t);
    const s0 = ids.get('001000')!;
    const s1 = ids.get('001001')!;
    const s2 = ids.get('001002')!;

    // Cancelled today, then the frame is offered with the ticket still valid.
    const p0 = await manualPass(t, s0);
    const cancel = await t.app.inject({ method: 'POST', url: `/admin/passes/${p0.pass.id}/cancel`, headers: admin, payload: { reason: 'не тот студент' } });
    assert.equal(cancel.statusCode, 200, cancel.body);
    const afterCancel = await add(t, s0, frames[0]!, p0.add_face_ticket);
    assert.equal(afterCancel.statusCode, 409);
    assert.match(afterCancel.json<ErrorJson>().message, /отменён/);

    // A pass at 23:58, the frame at 00:00:30: the ticket has not expired, but the pass is not today's.
    c.now = new Date('2026-12-06T18:58:00Z');
    const p1 = await manualPass(t, s1);
    c.now = new Date('2026-12-06T19:00:30Z');
    const nextDay = await add(t, s1, frames[1]!, p1.add_face_ticket);
    assert.equal(nextDay.statusCode, 409, nextDay.body);
    assert.match(nextDay.json<ErrorJson>().message, /не сегодня/);

    // Minutes later the ticket is gone.
    const p2 = await manualPass(t, s2);
    c.now = new Date(c.now.getTime() + 10 * 60_000);
    const late = await add(t, s2, frames[2]!, p2.add_face_ticket);
    assert.equal(late.statusCode, 409);
    assert.match(late.json<ErrorJson>().message, /истекло/);

    // A photo added after a pass leaves with it.
    const p3 = await manualPass(t, s0);
    assert.equal(p3.status, 'ok', 'the cancelled pass no longer counts');
    const added = await add(t, s0, frames[0]!, p3.add_face_ticket);
    assert.equal(added.statusCode, 200, added.body);
    const faceId = added.json<AddedFaceJson>().face.id;
    assert.equal(t.ctx.index.addedFaces, 1);
    const cancel3 = await t.app.inject({ method: 'POST', url: `/admin/passes/${p3.pass.id}/cancel`, headers: admin, payload: { reason: 'ошибка' } });
    assert.equal(cancel3.json<CancelJson>().removed_photos, 1);
    assert.equal(t.ctx.index.addedFaces, 0);
    assert.equal(t.ctx.index.hasFace(faceId), false);
    assert.equal((await t.db.selectFrom('student_faces').selectAll().execute()).length, 0);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('the index never loads an added photo of another model, nor one that does not match its student 1:1', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    const ids = await setup(t, 4);
    const s0 = ids.get('001000')!;
    const own = (await engine.describe(frames[0]!, { purpose: 'probe' })).faces[0]!.descriptor!;
    const strangerFace = (await engine.describe(stranger, { purpose: 'probe' })).faces[0]!.descriptor!;
    const insert = (embedding: Float32Array, model: string) =>
      t.db
        .insertInto('student_faces')
        .values({ student_id: s0, embedding: encodeEmbedding(embedding), embedding_model: model, photo: Buffer.from([1]), added_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
    // What earlier versions could hold: a stranger added to student 0 (same model), and a photo of another model.
    const taught = await insert(strangerFace, engine.model.id);
    await insert(new Float32Array(128).fill(0.01), 'faceapi-dlib150-mirrorenrol');
    const mine = await insert(own, engine.model.id);
    await rebuildIndex(t.db, rosterOf(t.ctx));
    assert.equal(t.ctx.index.addedFaces, 1, 'only the photo that matches the student');
    assert.equal(t.ctx.index.hasFace(mine.id), true);
    assert.equal(t.ctx.index.hasFace(taught.id), false);
    const rec = (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: stranger.toString('base64') } })).json<PassAnswerJson>();
    assert.equal(rec.status, 'not_found', 'the stranger added by an old version is not recognised as the student');
    const list = (await t.app.inject({ method: 'GET', url: '/admin/student-faces', headers: admin })).json<AddedFacesJson>();
    assert.deepEqual(
      list.photos.map((p) => [p.id, p.in_index]).sort((a, b) => Number(a[0]) - Number(b[0])),
      [
        [taught.id, false],
        [taught.id + 1, false],
        [mine.id, true],
      ],
    );
  } finally {
    await t.close();
    await tdb.drop();
  }
});
