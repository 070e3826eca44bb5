// The HNSW graph fills in the background: HTTP keeps turning, the exact scan answers meanwhile, and
// changes made during the build (or a reload) end up in the graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceIndex } from '../../src/face/index.js';
import { createHnsw } from '../../src/face/ann.js';
import type { AnnStatus } from '../../src/face/ann-graph.js';
import { rng, randomVector } from '../helpers/vectors.js';

const face = (r: () => number) => randomVector(r, 1.45);

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('graph builds in slices: exact answers meanwhile, event loop turns, changes during the build kept', async () => {
  const r = rng(11);
  const N = 20_000;
  const vectors = Array.from({ length: N }, () => face(r));
  const index = new FaceIndex(N);
  index.replaceAll(vectors.map((v, i) => ({ id: i + 1, embedding: v })));
  index.annFrom = 10_000;
  const seen: AnnStatus['state'][] = [];
  index.useAnn(createHnsw(), (s) => seen.push(s.state));
  assert.equal(index.annStatus?.state, 'building');
  assert.equal(index.backend, 'bruteforce', 'the exact scan answers until the graph is complete');

  let turns = 0;
  const timer = setInterval(() => turns++, 1);
  // Changes while the graph fills: a new face, a face removed, a face replaced by a new photo.
  for (let i = 0; i < 5; i++) await tick();
  const newcomer = face(r);
  index.upsert(N + 1, newcomer);
  index.remove(5);
  const retaken = face(r);
  index.upsert(N, retaken); // the snapshot's last id: the graph reaches it only at the very end
  const during = index.search(vectors[100]!)!;
  assert.equal(during.best.studentId, 101);
  assert.equal(index.annStatus?.state, 'building');
  assert.ok(index.annStatus.filled < N);

  await index.annSettled();
  clearInterval(timer);
  assert.ok(turns >= 5, `the event loop turned ${turns} times during the build`);
  assert.deepEqual(seen, ['building', 'ready']);
  assert.equal(index.annStatus?.state, 'ready');
  assert.equal(index.backend, 'hnsw');
  assert.equal(index.search(newcomer)!.best.studentId, N + 1);
  assert.equal(index.search(retaken)!.best.distance, 0);
  assert.equal(index.search(retaken)!.best.studentId, N);
  assert.notEqual(index.search(vectors[4]!)!.best.studentId, 5, 'a face removed during the build is never proposed');
  for (let i = 0; i < 200; i++) assert.equal(index.search(vectors[i * 97 + 3]!)!.best.studentId, i * 97 + 4);
});

test('a reload during the build starts the graph again from the new content; below annFrom it stays off', async () => {
  const r = rng(12);
  const index = new FaceIndex();
  index.annFrom = 1000;
  index.useAnn(createHnsw());
  index.replaceAll(Array.from({ length: 500 }, (_, i) => ({ id: i + 1, embedding: face(r) })));
  assert.equal(index.annStatus?.state, 'off', 'no graph below annFrom');
  const big = Array.from({ length: 6000 }, () => face(r));
  index.replaceAll(big.map((v, i) => ({ id: i + 1, embedding: v })));
  assert.equal(index.annStatus?.state, 'building');
  await tick();
  const fresh = Array.from({ length: 3000 }, () => face(r));
  index.replaceAll(fresh.map((v, i) => ({ id: 10_000 + i, embedding: v })));
  await index.annSettled();
  assert.equal(index.annStatus?.state, 'ready');
  assert.equal(index.annStatus?.total, 3000);
  assert.equal(index.backend, 'hnsw');
  // HNSW is approximate and its multi-threaded build is not deterministic: a rare probe misses (seen once in CI).
  let found = 0,
    probes = 0;
  for (let i = 0; i < 3000; i += 37, probes++) if (index.search(fresh[i]!)!.best.studentId === 10_000 + i) found++;
  assert.ok(found >= probes - 2, `${found} of ${probes} found`);
  for (let i = 0; i < 6000; i += 97) assert.ok(index.search(big[i]!)!.best.studentId >= 10_000, 'nothing of the old content');
  // Growing past annFrom one face at a time starts the build too.
  const small = new FaceIndex();
  small.annFrom = 50;
  small.useAnn(createHnsw());
  for (let i = 0; i < 49; i++) small.upsert(i + 1, face(r));
  assert.equal(small.annStatus?.state, 'off');
  small.upsert(50, face(r));
  assert.equal(small.annStatus?.state, 'building');
  await small.annSettled();
  assert.equal(small.backend, 'hnsw');
});
