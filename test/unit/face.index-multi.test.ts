// Several faces per student (primary + photos added from verified admissions): the student's distance is
// the nearest of their faces, the second distance always another student's, on every search path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceIndex } from '../../src/face/index.js';
import { createHnsw } from '../../src/face/ann.js';
import { euclidean } from '../../src/face/embedding.js';
import { auditAll } from '../../src/face/lookalikes.js';
import { rng } from '../helpers/vectors.js';

function randomVector(r: () => number): Float32Array {
  const v = new Float32Array(128);
  for (let i = 0; i < 128; i++) v[i] = (r() - 0.5) * 0.2;
  return v;
}
const near = (v: Float32Array, r: () => number, s = 0.01) => v.map((x) => x + (r() - 0.5) * s);

/** Naive truth: per student the nearest of their faces; best and second-best students. */
function truth(faces: { student: number; v: Float32Array }[], q: Float32Array) {
  const by = new Map<number, number>();
  for (const f of faces) by.set(f.student, Math.min(by.get(f.student) ?? Infinity, euclidean(f.v, q)));
  const ranked = [...by].sort((a, b) => a[1] - b[1]);
  return { best: ranked[0]!, second: ranked[1] };
}

for (const path of ['simd', 'js', 'hnsw'] as const) {
  test(`${path}: nearest face per student, second distance from another student only`, () => {
    const r = rng(7);
    const index = new FaceIndex(16, { simd: path !== 'js' });
    if (path === 'hnsw') {
      index.annFrom = 0;
      index.annCandidates = 64;
      index.useAnn(createHnsw({ quantization: 'f32' }));
    }
    const faces: { student: number; v: Float32Array }[] = [];
    let faceId = 1;
    for (let s = 1; s <= 400; s++) {
      const v = randomVector(r);
      index.upsert(s, v);
      faces.push({ student: s, v });
      // Every third student has 1–2 added photos close to their primary face.
      for (let k = 0; k < (s % 3 === 0 ? 1 + (s % 2) : 0); k++) {
        const w = near(v, r, 0.05);
        index.addFace(s, faceId++, w);
        faces.push({ student: s, v: w });
      }
    }
    assert.equal(index.size, faces.length);
    assert.equal(index.addedFaces, faces.length - 400);
    for (let q = 0; q < 150; q++) {
      const base = faces[Math.floor(r() * faces.length)]!;
      const query = near(base.v, r, 0.02);
      const t = truth(faces, query);
      const res = index.search(query)!;
      assert.equal(res.best.studentId, t.best[0], `query ${q}`);
      assert.ok(Math.abs(res.best.distance - t.best[1]) < 1e-5);
      assert.equal(res.secondStudentId, t.second![0], "the second is another student, never the best one's other photo");
      assert.ok(Math.abs(res.secondDistance - t.second![1]) < 1e-5);
      assert.ok(
        Math.abs(
          index.distanceTo(base.student, query)! -
            truth(
              faces.filter((f) => f.student === base.student),
              query,
            ).best[1],
        ) < 1e-5,
      );
    }
  });
}

test('a student with two faces and nobody else: second distance is Infinity, not their other photo', () => {
  const r = rng(3);
  const index = new FaceIndex();
  const v = randomVector(r);
  index.upsert(5, v);
  index.addFace(5, 1, near(v, r));
  const res = index.search(v)!;
  assert.equal(res.best.studentId, 5);
  assert.equal(res.secondDistance, Infinity);
  assert.equal(res.secondStudentId, undefined);
});

test('removeFace drops one photo; remove(student) drops the student and every added photo; within and the audit see added photos', async () => {
  const r = rng(9);
  const index = new FaceIndex(4);
  const a = randomVector(r);
  const b = randomVector(r);
  index.upsert(1, a);
  index.upsert(2, b);
  const aLikeB = near(b, r, 0.02); // an added photo of student 1 that looks like student 2
  index.addFace(1, 10, aLikeB);
  index.addFace(1, 11, near(a, r));
  assert.deepEqual(
    index
      .within(b, 0.2)
      .map((m) => m.studentId)
      .sort(),
    [1, 2],
    'each student once, at their nearest face',
  );
  assert.equal(index.within(b, 0.2).filter((m) => m.studentId === 1).length, 1);
  const pairs = await auditAll(index, 0.2);
  assert.deepEqual(
    pairs.map((p) => [p.a, p.b]),
    [[1, 2]],
    'the added photo makes 1 and 2 look-alikes, once',
  );
  index.removeFace(10);
  assert.equal(index.size, 3);
  assert.deepEqual(
    index.within(b, 0.2).map((m) => m.studentId),
    [2],
  );
  assert.deepEqual(await auditAll(index, 0.2), []);
  index.remove(1);
  assert.equal(index.size, 1);
  assert.equal(index.addedFaces, 0);
  assert.equal(index.search(a)!.best.studentId, 2);
  assert.deepEqual([...index.studentIds()], [2]);
  assert.throws(() => index.addFace(2, 0, a));
  assert.throws(() => index.upsert(-3, a));
});

test('replaceAll takes added photos (faceId) with the primary faces', () => {
  const r = rng(11);
  const a = randomVector(r);
  const index = new FaceIndex();
  index.replaceAll([
    { id: 1, embedding: a },
    { id: 2, embedding: randomVector(r) },
    { id: 1, faceId: 4, embedding: near(a, r) },
  ]);
  assert.equal(index.size, 3);
  assert.equal(index.addedFaces, 1);
  assert.equal(index.vectorsOf(1).length, 2);
  assert.deepEqual([...index.studentIds()].sort(), [1, 2]);
});
