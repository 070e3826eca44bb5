// Overload is cheap and visible (F4): recognitions take turns per client, the queue is bounded and
// answers at once when full, a job that waited too long is dropped, tiny images never reach a detector,
// one client has at most RECOGNIZE_PER_CLIENT recognitions in flight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { isAppError } from '../../src/errors.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import type { ErrorJson } from '../helpers/answers.js';
import { sampleBytes } from '../helpers/faces.js';

let engine: FaceEngine;
let slow: Buffer;
let face: Buffer;
let small: Buffer;

before(async () => {
  face = sampleBytes(3);
  // A big photo: a describe takes a good part of a second on one worker.
  slow = await sharp(sampleBytes(5)).resize(3000).jpeg({ quality: 95 }).toBuffer();
  small = await sharp(sampleBytes(3)).resize(320).jpeg().toBuffer();
});

after(async () => {
  await engine?.close();
});

const code = (e: unknown) => (isAppError(e) ? e.code : String(e));

test('engine: one client queues at most perClientQueue, all at most interactiveQueue; a full queue refuses at once', async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, interactiveQueue: 3, perClientQueue: 2 });
  const a = [0, 1, 2].map(() => engine.describe(slow, { purpose: 'probe' }, { client: 'a' }));
  const t0 = performance.now();
  await assert.rejects(engine.describe(slow, { purpose: 'probe' }, { client: 'a' }), (e) => code(e) === 'overloaded');
  assert.ok(performance.now() - t0 < 50, 'refused at once, not after a wait');
  const b = engine.describe(face, { purpose: 'probe' }, { client: 'b' }); // the queue's third place
  await assert.rejects(engine.describe(face, { purpose: 'probe' }, { client: 'c' }), (e) => code(e) === 'overloaded');
  await Promise.all([...a, b]);
  await engine.close();
});

test('engine: clients take turns, and a door recognition goes before bulk (load) jobs', async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, interactiveQueue: 8, perClientQueue: 3 });
  const order: string[] = [];
  const track = (name: string, p: Promise<unknown>) => p.then(() => order.push(name));
  const jobs = [
    track('a1', engine.describe(slow, { purpose: 'probe' }, { client: 'a' })), // starts at once
    track('bulk', engine.describe(face, { purpose: 'enrol' })),
    track('a2', engine.describe(slow, { purpose: 'probe' }, { client: 'a' })),
    track('a3', engine.describe(slow, { purpose: 'probe' }, { client: 'a' })),
    track('b1', engine.describe(face, { purpose: 'probe' }, { client: 'b' })),
  ];
  await Promise.all(jobs);
  assert.deepEqual(order, ['a1', 'a2', 'b1', 'a3', 'bulk']);
  await engine.close();
});

test('engine: a recognition that waited longer than interactiveWaitMs since it arrived is dropped, the worker is not', async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, interactiveWaitMs: 100 });
  const running = engine.describe(slow, { purpose: 'probe' }, { client: 'a' });
  const t0 = performance.now();
  await assert.rejects(engine.describe(face, { purpose: 'probe' }, { client: 'b' }), (e) => code(e) === 'overloaded');
  const waited = performance.now() - t0;
  assert.ok(waited >= 90 && waited < 1000, `dropped after ${Math.round(waited)} ms`);
  await running;
  assert.equal((await engine.describe(face, { purpose: 'probe' }, { client: 'b' })).faces.length, 3, 'the engine still answers');
  await engine.close();
});

test('HTTP: a 1×1 image is refused from its header without a detector run; one client gets 429 beyond its cap, others pass', async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  const tdb: TestDatabase = await sqliteDatabase();
  const t = await startApp(tdb, engine, { RECOGNIZE_PER_CLIENT: '1' });
  try {
    const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    const before = engine.stats().done;
    const tiny = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: dot.toString('base64') } });
    assert.equal(tiny.statusCode, 400);
    assert.equal(tiny.json<ErrorJson>().error, 'image_too_small');
    assert.match(tiny.json<ErrorJson>().message, /слишком маленькое/);
    assert.equal(engine.stats().done, before, 'no detector job for a 1×1 image');

    const image = slow.toString('base64');
    const ask = (remoteAddress: string) => t.app.inject({ method: 'POST', url: '/api/recognize', remoteAddress, payload: { image } });
    const [first, second, other] = await Promise.all([ask('10.0.0.1'), ask('10.0.0.1'), ask('10.0.0.2')]);
    const codes = [first.statusCode, second.statusCode].sort();
    assert.deepEqual(codes, [422, 429], 'one answered (a group photo: multiple faces), one refused');
    const refused = first.statusCode === 429 ? first : second;
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.json<ErrorJson>().error, 'too_many_requests');
    assert.equal(other.statusCode, 422, 'another client is not affected');
    assert.equal((await ask('10.0.0.1')).statusCode, 422, 'the cap is released when the answer is sent');
  } finally {
    await t.close();
    await tdb.drop();
    await engine.close();
  }
});

test("engine: with two workers one client never holds both — the next client's face starts at once", async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000, perClientQueue: 4 });
  // Big photos (3000 px, five faces): each takes a worker far longer than the other client's small frame.
  const flood = [0, 1, 2, 3].map(() => engine.describe(slow, { purpose: 'probe', describe: 'all' }, { client: 'a' }));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(engine.stats().busy, 1, 'one worker for the flooding client, one left free');
  const done: string[] = [];
  flood.forEach((p, i) => void p.then(() => done.push(`a${i}`)));
  await engine.describe(small, { purpose: 'probe' }, { client: 'b' }).then(() => done.push('b'));
  await Promise.all(flood);
  assert.equal(done[0], 'b', `b is answered before the flood's first big image: ${done.join(',')}`);
  await engine.close();
});
