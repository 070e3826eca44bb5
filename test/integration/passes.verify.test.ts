// Card + face (1:1) and roster-scoped search through HTTP with real faces: the right Matricula → ok (mode verify,
// pass source verified); another student's Matricula → mismatch, no pass, nobody named; an unknown one → 404; the
// attempt audited with the claimed student; in an open sitting the roster search names only roster students and
// never one when the frame is within the 1:N threshold of someone off the roster; the look-alike list is asked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { multipart, startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from '../helpers/students.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';
import type { ErrorJson, PassAnswerJson } from '../helpers/answers.js';
import { insertStudents, uploadSchedule, writeSchedule } from '../helpers/schedule.js';
import { localDate } from '../../src/time.js';
import { saveLookalikes } from '../../src/students/repository.js';

let engine: FaceEngine;
let people: IdPhoto[];
/** A later frame of each person: a wider, resized, re-encoded crop than the ID photo. */
let frames: Buffer[];
let work: string;

async function frameOf(p: IdPhoto): Promise<Buffer> {
  const seen = await engine.describe(sampleBytes(p.sample), { purpose: 'probe', describe: 'all' });
  return sharp(await cropFace(sampleBytes(p.sample), seen.faces[p.face]!.box, 0.5))
    .resize(440)
    .jpeg({ quality: 80 })
    .toBuffer();
}

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = await makeIdPhotos(engine, [1, 4, 5]);
  frames = await Promise.all(people.map(frameOf));
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const recognize = (t: TestApp, frame: Buffer, fields: Record<string, string> = {}) => {
  const form = multipart([
    { name: 'image', filename: 'frame.jpg', type: 'image/jpeg', data: frame },
    ...Object.entries(fields).map(([name, data]) => ({ name, data })),
  ]);
  return t.app.inject({ method: 'POST', url: '/api/recognize', payload: form.body, headers: form.headers });
};

test('1:1 by Matricula: the right card → ok (verify); another student’s card → mismatch, no pass; unknown → 404; audited', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    await enrol(t, engine, people.slice(0, 6), fs.mkdtempSync(`${work}/v-`));
    const idOf = new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula!, r.id]));

    // Student 2 shows student 3's card: their face is not student 3's. Nobody is named, nothing recorded.
    const wrong = await recognize(t, frames[2]!, { matricula: '001003', station: 'Дверь 1' });
    assert.equal(wrong.statusCode, 200, wrong.body);
    const w = wrong.json<PassAnswerJson>();
    assert.equal(w.status, 'mismatch');
    assert.equal(w.mode, 'verify');
    assert.equal(w.message, 'Лицо не совпадает с фото студента — проверьте документ');
    assert.equal(w.student, undefined, 'a mismatch names nobody');
    assert.doesNotMatch(wrong.body, /Иванова|001002/);
    assert.equal((await t.db.selectFrom('passes').selectAll().execute()).length, 0);

    // The right card (leading zeros as printed; spaces around as a scanner may send them).
    const right = await recognize(t, frames[2]!, { matricula: ' 001002 ', station: 'Дверь 1' });
    assert.equal(right.statusCode, 200, right.body);
    const r = right.json<PassAnswerJson>();
    assert.equal(r.status, 'ok', right.body);
    assert.equal(r.mode, 'verify');
    assert.equal(r.student.matricula, '001002');
    assert.equal(r.pass.source, 'verified');
    assert.ok(r.distance !== null && r.distance <= t.ctx.config.verifyThreshold!);
    assert.ok(r.add_face_ticket, 'a verified card may add the next frame');
    // Again with the card, by JSON and by id: already passed, the same pass.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/recognize',
      payload: { image: frames[2]!.toString('base64'), student_id: idOf.get('001002') },
    });
    assert.equal(again.json<PassAnswerJson>().status, 'already_passed', again.body);
    assert.equal(again.json<PassAnswerJson>().pass.id, r.pass.id);
    // And by query on a raw body.
    const raw = await t.app.inject({ method: 'POST', url: '/api/recognize?matricula=001002', payload: frames[2]!, headers: { 'content-type': 'image/jpeg' } });
    assert.equal(raw.json<PassAnswerJson>().status, 'already_passed', raw.body);

    const unknown = await recognize(t, frames[2]!, { matricula: '999999' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json<ErrorJson>().message, /Студент с номером зачётки «999999» не найден/);
    const both = await t.app.inject({
      method: 'POST',
      url: '/api/recognize',
      payload: { image: frames[2]!.toString('base64'), matricula: '001002', student_id: 1 },
    });
    assert.equal(both.statusCode, 400);
    const nul = await recognize(t, frames[2]!, { matricula: '0010\u000002' });
    assert.equal(nul.statusCode, 400);

    // The audit: the claimed student and the distance, for the mismatch too.
    const attempts = await t.db.selectFrom('attempts').selectAll().orderBy('id').execute();
    const mismatch = attempts.find((a) => a.status === 'mismatch')!;
    assert.equal(mismatch.mode, 'verify');
    assert.equal(mismatch.claimed_student_id, idOf.get('001003'));
    assert.equal(mismatch.student_id, null);
    assert.ok(mismatch.distance !== null && mismatch.distance > t.ctx.config.verifyThreshold!, String(mismatch.distance));
    const ok = attempts.find((a) => a.status === 'ok')!;
    assert.equal(ok.mode, 'verify');
    assert.equal(ok.claimed_student_id, idOf.get('001002'));
    assert.equal(ok.student_id, idOf.get('001002'));
    assert.ok(
      attempts.some((a) => a.status === 'not_found' && a.mode === 'verify'),
      'the unknown Matricula is audited too',
    );

    // Without a card the camera answers as before (1:N).
    const plain = (await recognize(t, frames[4]!)).json<PassAnswerJson>();
    assert.equal(plain.status, 'ok', JSON.stringify(plain));
    assert.equal(plain.mode, 'identify');
    assert.equal(plain.pass.source, 'web');
    assert.equal(plain.add_face_ticket, undefined, 'a 1:N match gives no right to add photos');
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('the look-alike list is asked: a student with a look-alike is not named by the camera, and is by the card', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine);
  try {
    await enrol(t, engine, people.slice(0, 4), fs.mkdtempSync(`${work}/l-`));
    const idOf = new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula!, r.id]));
    const a = idOf.get('001001')!,
      b = idOf.get('001003')!;
    assert.equal((await recognize(t, frames[1]!)).json<PassAnswerJson>().status, 'ok', 'named while no look-alike is listed');
    await t.db.deleteFrom('passes').execute();
    // The audit found a look-alike pair (stored, and in memory as a start-up or load leaves it).
    const pair = { a: Math.min(a, b), b: Math.max(a, b), distance: 0.5 };
    await saveLookalikes(t.db, t.ctx.engine.model.id, [a, b], [pair], t.ctx.config.lookalikeDistance);
    t.ctx.lookalikes.link(pair);
    const camera = (await recognize(t, frames[1]!)).json<PassAnswerJson>();
    assert.equal(camera.status, 'not_found', JSON.stringify(camera));
    // With the card the student is compared with their own photo only, and is not nearer to anyone else.
    const card = (await recognize(t, frames[1]!, { matricula: '001001' })).json<PassAnswerJson>();
    assert.equal(card.status, 'ok', JSON.stringify(card));
    assert.equal(card.student.id, a);
  } finally {
    await t.close();
    await tdb.drop();
  }
});

test('roster search in an open sitting: names roster students the 1:N rule is not sure of, never anyone for a face off the roster', async () => {
  const tdb = await sqliteDatabase();
  // Noon in Tashkent; the sitting runs 11:30–13:00.
  const now = new Date('2026-12-07T07:00:00Z');
  // The 1:N rule made too strict to name anyone (margin 2): whatever is named below is the roster search's doing.
  const t = await startApp(tdb, engine, { MATCH_MARGIN: '2' }, () => now);
  try {
    // people 0–2 are registered for the sitting in room А-101; 3 and 4 are enrolled elsewhere; person 0's photo is also
    // enrolled under a second Matricula off the roster (the same face twice).
    const docs = fs.mkdtempSync(`${work}/r-`);
    await enrol(t, engine, [...people.slice(0, 5), { ...people[0]!, key: `${people[0]!.key}-again` }], docs);
    const file = `${docs}/schedule.xlsx`;
    await writeSchedule(file, [['Математика', localDate(now, t.ctx.config.timezone), '11:30', '13:00', 'А-101', null, '001000, 001001, 001002']]);
    const up = await uploadSchedule(t.app, fs.readFileSync(file));
    assert.equal(up.statusCode, 200, up.body);

    // Person 1, registered: the 1:N rule cannot name (margin), the roster search does.
    const inRoster = (await recognize(t, frames[1]!, { room: 'А-101' })).json<PassAnswerJson>();
    assert.equal(inRoster.status, 'ok', JSON.stringify(inRoster));
    assert.equal(inRoster.mode, 'roster');
    assert.equal(inRoster.student.matricula, '001001');
    // The same frame in a room without a sitting: nobody (the 1:N rule alone).
    assert.equal((await recognize(t, frames[2]!)).json<PassAnswerJson>().status, 'not_found');
    // Person 3 is enrolled but not registered: within the 1:N threshold of their own off-roster face → never a roster student.
    const off = (await recognize(t, frames[3]!, { room: 'А-101' })).json<PassAnswerJson>();
    assert.equal(off.status, 'not_found', JSON.stringify(off));
    // Person 0's face is on the roster (001000) and off it (001005): it could be either — nobody is named.
    const twice = (await recognize(t, frames[0]!, { room: 'А-101' })).json<PassAnswerJson>();
    assert.equal(twice.status, 'not_found', JSON.stringify(twice));
    const named = await t.db.selectFrom('passes').innerJoin('students', 'students.id', 'passes.student_id').select('students.matricula').execute();
    assert.deepEqual(
      named.map((p) => p.matricula),
      ['001001'],
    );

    // An enrolled student off the roster whose face lies just outside person 2's distance from the frame, inside the
    // roster rule's margin (not the nearest, not a look-alike of theirs): the frame could be them — nobody is named.
    // (Their descriptor is placed on the line from the frame through person 2's photo, a little further out.)
    const rule = t.ctx.config.rosterRules[0]!;
    const id2 = (await t.db.selectFrom('students').select('id').where('matricula', '=', '001002').executeTakeFirstOrThrow()).id;
    const q = (await engine.describe(frames[2]!, { purpose: 'probe' })).faces[0]!.descriptor!;
    const own = t.ctx.index.vectorOf(id2)!;
    const d2 = Math.hypot(...own.map((v, i) => v - q[i]!));
    const k = (d2 + rule.margin / 2) / d2;
    const rival = Float32Array.from(q, (v, i) => v + (own[i]! - v) * k);
    const [rivalId] = await insertStudents(t.db, [{ matricula: '009999', lastname: 'Другой', firstname: 'Студент', group: 'ИТ-99' }]);
    t.ctx.index.upsert(rivalId!, rival);
    const guarded = (await recognize(t, frames[2]!, { room: 'А-101' })).json<PassAnswerJson>();
    assert.equal(
      guarded.status,
      'not_found',
      `an off-roster face ${(d2 + rule.margin / 2).toFixed(3)} away, person 2 ${d2.toFixed(3)}: ${JSON.stringify(guarded)}`,
    );
    t.ctx.index.remove(rivalId!);
    const clear = (await recognize(t, frames[2]!, { room: 'А-101' })).json<PassAnswerJson>();
    assert.deepEqual([clear.status, clear.mode, clear.student?.matricula], ['ok', 'roster', '001002'], 'without that face, the roster names person 2');
  } finally {
    await t.close();
    await tdb.drop();
  }
});
