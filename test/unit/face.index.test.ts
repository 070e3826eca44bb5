// FaceIndex: exact nearest and second-nearest against a naive scan, updates, growth, blobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceIndex } from '../../src/face/index.js';
import { encodeEmbedding, decodeEmbedding, euclidean } from '../../src/face/embedding.js';
import { rng } from '../helpers/vectors.js';

function randomVector(r: () => number): Float32Array {
  const v = new Float32Array(128);
  for (let i = 0; i < 128; i++) v[i] = (r() - 0.5) * 0.2;
  return v;
}

for (const simd of [true, false])
  test(`search (${simd ? 'WASM SIMD' : 'JS'} scan) returns the exact nearest and second-nearest student, as a naive scan does`, () => {
    const r = rng(42);
    const index = new FaceIndex(16, { simd }); // small capacity: forces growth
    assert.equal(index.scanKind, simd ? 'simd' : 'js', 'Node 20 has WASM SIMD');
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 3000; id++) {
      const v = randomVector(r);
      vectors.set(id * 7, v);
      index.upsert(id * 7, id % 2 ? v : encodeEmbedding(v));
    }
    assert.equal(index.size, 3000);
    for (let q = 0; q < 200; q++) {
      // Half the queries are near an enrolled vector, half are anywhere.
      const base = vectors.get(7 * (1 + Math.floor(r() * 3000)))!;
      const query = q % 2 ? randomVector(r) : base.map((x) => x + (r() - 0.5) * 0.01);
      const ranked = [...vectors].map(([id, v]) => ({ id, d: euclidean(v, query) })).sort((a, b) => a.d - b.d);
      const res = index.search(query)!;
      assert.equal(res.best.studentId, ranked[0]!.id);
      assert.ok(Math.abs(res.best.distance - ranked[0]!.d) < 1e-5);
      assert.equal(res.secondStudentId, ranked[1]!.id);
      assert.ok(Math.abs(res.secondDistance - ranked[1]!.d) < 1e-5);
    }
  });

test('upsert replaces, remove keeps the matrix consistent, empty and single-entry indexes', () => {
  const index = new FaceIndex();
  const q = randomVector(rng(1));
  assert.equal(index.search(q), undefined);
  index.upsert(5, q);
  const one = index.search(q)!;
  assert.equal(one.best.studentId, 5);
  assert.equal(one.best.distance, 0);
  assert.equal(one.secondDistance, Infinity);
  assert.equal(one.secondStudentId, undefined);

  const other = randomVector(rng(2));
  index.upsert(6, other);
  index.upsert(7, randomVector(rng(3)));
  index.upsert(
    5,
    other.map((x) => x + 0.001),
  ); // student 5 got a new photo
  assert.equal(index.size, 3);
  assert.equal(index.search(other)!.best.studentId, 6);
  index.remove(6);
  assert.equal(index.size, 2);
  assert.equal(index.has(6), false);
  assert.equal(index.search(other)!.best.studentId, 5);
  index.remove(5);
  index.remove(5);
  assert.equal(index.size, 1);
  assert.equal(index.search(q)!.best.studentId, 7);

  index.replaceAll([{ id: 1, embedding: q }]);
  assert.equal(index.size, 1);
  assert.equal(index.search(q)!.best.studentId, 1);
});

test('embedding blobs round-trip exactly and reject wrong sizes', () => {
  const v = randomVector(rng(9));
  const blob = encodeEmbedding(v);
  assert.equal(blob.length, 512);
  assert.deepEqual(decodeEmbedding(blob), v);
  assert.throws(() => decodeEmbedding(blob.subarray(0, 100), 128));
  assert.throws(() => decodeEmbedding(blob.subarray(0, 7)));
  assert.throws(() => encodeEmbedding(new Float32Array(0)));
  assert.throws(() => new FaceIndex().search(new Float32Array(10)));
});

test('an index of one descriptor size refuses vectors and blobs of another (no cross-model comparison)', () => {
  const r = rng(10);
  const wide = new FaceIndex(4, { dim: 512 });
  const v512 = Float32Array.from({ length: 512 }, () => r() - 0.5);
  wide.upsert(1, v512);
  assert.throws(() => wide.upsert(2, randomVector(r)), /expected 512/);
  assert.throws(() => wide.upsert(3, encodeEmbedding(randomVector(r))), /expected 512/);
  assert.equal(wide.size, 1, 'a refused vector leaves no row behind');
  assert.throws(() => wide.search(randomVector(r)));
  assert.equal(wide.search(v512)!.best.studentId, 1);
  const narrow = new FaceIndex();
  narrow.upsert(1, randomVector(r));
  assert.throws(() => narrow.upsert(2, encodeEmbedding(v512)), /expected 128/);
  assert.throws(() => new FaceIndex(4, { dim: 100 }), /multiple of 16/);
});

test('SIMD and JS scans agree at 512 values per descriptor', () => {
  const r = rng(12);
  const simd = new FaceIndex(8, { dim: 512 });
  const js = new FaceIndex(8, { dim: 512, simd: false });
  assert.equal(simd.scanKind, 'simd');
  const vec = () => Float32Array.from({ length: 512 }, () => r() - 0.5);
  for (let id = 1; id <= 700; id++) {
    const v = vec();
    simd.upsert(id, v);
    js.upsert(id, v);
  }
  for (let i = 0; i < 50; i++) {
    const q = vec();
    const a = simd.search(q)!,
      b = js.search(q)!;
    assert.equal(a.best.studentId, b.best.studentId);
    assert.equal(a.secondStudentId, b.secondStudentId);
    assert.equal(a.best.distance, b.best.distance);
  }
});
