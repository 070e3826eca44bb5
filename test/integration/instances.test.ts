// Two app instances on one PostgreSQL database: a load through A is recognised by B without a restart,
// 50 concurrent requests across both give exactly one pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { startIndexSync } from '../../src/students/sync.js';
import { rosterOf } from '../../src/context.js';
import { postgresDatabase, tempDir } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from '../helpers/students.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';
import type { PassAnswerJson } from '../helpers/answers.js';

let engine: FaceEngine;
let people: IdPhoto[];
let frame: string;
let work: string;

before(async () => {
  // 50 stations at once: the recognition queue is sized for them (the default is a few jobs per worker).
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000, interactiveQueue: 64 });
  people = await makeIdPhotos(engine, [6]);
  const r = await engine.describe(sampleBytes(6), { purpose: 'probe', describe: 'all' });
  frame = (
    await sharp(await cropFace(sampleBytes(6), r.faces[people[0]!.face]!.box, 0.45))
      .resize(480)
      .jpeg()
      .toBuffer()
  ).toString('base64');
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('PostgreSQL, two instances: students loaded through A are recognised by B within 5 s; one pass for 50 concurrent requests', async () => {
  const tdb = await postgresDatabase();
  const a = await startApp(tdb, engine);
  const b = await startApp(tdb, engine);
  const sync = startIndexSync(b.db, rosterOf(b.ctx), 200, () => {});
  try {
    await sync.check();
    let station = 0;
    // Each request from its own station (address): one client may only have a couple in flight.
    const ask = (t: typeof a) =>
      t.app.inject({ method: 'POST', url: '/api/recognize', remoteAddress: `10.0.0.${++station}`, payload: { image: frame, station: t === a ? 'A' : 'B' } });
    assert.equal((await ask(b)).json<PassAnswerJson>().status, 'not_found', 'nobody enrolled yet');
    await enrol(a, engine, people, fs.mkdtempSync(`${work}/a-`));
    const t0 = Date.now();
    while (b.ctx.index.size !== people.length) {
      assert.ok(Date.now() - t0 < 5000, 'B sees the new students within 5 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(i % 2 ? a : b)));
    const statuses = results.map((r) => r.json<PassAnswerJson>().status);
    assert.equal(statuses.filter((s) => s === 'ok').length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 'already_passed').length, 49);
    const passes = await a.db.selectFrom('passes').selectAll().execute();
    assert.equal(passes.length, 1);
  } finally {
    sync.stop();
    await a.close();
    await b.close();
    await tdb.drop();
  }
});
