// HNSW backend (usearch) against the exact scan: same student for enrolled faces, same decisions for all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceIndex } from '../../src/face/index.js';
import { createHnsw, quantizeI8, I8_SCALE, type AnnQuantization } from '../../src/face/ann.js';
import { decide } from '../../src/passes/decision.js';
import { evaluate, recommend, sweep, type Trial } from '../../src/calibration/rates.js';
import { rng, randomVector as unit } from '../helpers/vectors.js';

for (const quantization of ['i8', 'f32'] as AnnQuantization[])
  test(`HNSW (${quantization}) candidates re-ranked exactly: same student as brute force, same threshold/margin decisions`, () => {
    const r = rng(3);
    const N = 4000;
    const vectors = Array.from({ length: N }, () => unit(r));
    const exact = new FaceIndex();
    const ann = new FaceIndex();
    ann.annFrom = 0;
    ann.useAnn(createHnsw({ quantization }));
    vectors.forEach((v, i) => {
      exact.upsert(i + 1, v);
      ann.upsert(i + 1, v);
    });
    assert.equal(ann.backend, 'hnsw');
    assert.equal(exact.backend, 'bruteforce');
    const rule = { threshold: 0.45, margin: 0.06 };
    let sameStudent = 0;
    let near = 0;
    for (let q = 0; q < 600; q++) {
      const probe = q % 3 === 2 ? unit(r) : vectors[Math.floor(r() * N)]!.map((x, i) => x + (q % 3 === 0 ? 0.02 : 0.03) * unit(r)[i]!);
      const a = ann.search(probe)!;
      const e = exact.search(probe)!;
      if (e.best.distance <= rule.threshold) {
        near++;
        if (a.best.studentId === e.best.studentId) sameStudent++;
        // The distance the decision sees is the exact one, whoever proposed the candidate.
        assert.ok(Math.abs(a.best.distance - e.best.distance) < 1e-5);
      }
      const da = decide(a, rule);
      const de = decide(e, rule);
      assert.equal(da.match, de.match, `query ${q}`);
      if (da.match && de.match) assert.equal(da.studentId, de.studentId);
    }
    assert.ok(near >= 350);
    assert.equal(sameStudent, near, 'every enrolled face found by both');
    // Updates reach the ANN: a removed student is never proposed again.
    const target = vectors[10]!;
    ann.remove(11);
    assert.notEqual(ann.search(target)!.best.studentId, 11);
    ann.upsert(11, target);
    assert.equal(ann.search(target)!.best.studentId, 11);
  });

test('i8 copy keeps Euclidean order for descriptors of different lengths (not cosine)', () => {
  // Real descriptors have lengths 1.3–1.6 and components within ±0.55.
  const q = quantizeI8(Float32Array.from([0.5, -0.25, 0.001, 0.9, -3]));
  assert.deepEqual(Array.from(q), [80, -40, 0, 127, -127]);
  assert.equal(I8_SCALE, 160);
  // 40 stored faces point exactly the way the probe a does but are 20–60 % longer; c is nearer to a in
  // L2 (0.23 against ≥ 0.26) but turned. An index that divided out the lengths (usearch's own f32→i8
  // cast does) would fill all 16 candidate slots with the longer ones and never propose c.
  const r = rng(9);
  const a = unit(r).map((x) => x * 1.3);
  const c = a.map((x, i) => x + (i % 2 ? 0.02 : -0.02));
  const index = new FaceIndex();
  index.annFrom = 0;
  index.useAnn(createHnsw({ quantization: 'i8' }));
  for (let i = 0; i < 40; i++)
    index.upsert(
      100 + i,
      a.map((x) => x * (1.2 + i * 0.01)),
    );
  for (let i = 0; i < 200; i++)
    index.upsert(
      1000 + i,
      unit(r).map((x) => x * 1.45),
    );
  index.upsert(2, c);
  const hit = index.search(a)!;
  assert.equal(hit.best.studentId, 2);
  assert.ok(Math.abs(hit.best.distance - Math.hypot(...c.map((x, i) => x - a[i]!))) < 1e-6);
});

test('calibration rates and the recommended setting', () => {
  const g = (d: number, second: number, expected = 1, id = 1): Trial => ({
    genuine: true,
    expected,
    result: { best: { studentId: id, distance: d }, secondDistance: second, secondStudentId: 2 },
  });
  const imp = (d: number, second: number): Trial => ({
    genuine: false,
    result: { best: { studentId: 3, distance: d }, secondDistance: second, secondStudentId: 4 },
  });
  const trials = [g(0.3, 0.8), g(0.42, 0.45), g(0.5, 0.9), g(0.35, 0.7, 1, 2), imp(0.48, 0.5), imp(0.7, 0.8)];
  const r = evaluate(trials, 0.45, 0.06);
  assert.equal(r.genuine, 4);
  assert.equal(r.correct, 1 / 4);
  assert.equal(r.wrongPerson, 1 / 4); // the 0.35 probe was named as student 2
  assert.equal(r.miss, 2 / 4); // 0.42 fails the margin, 0.5 the threshold
  assert.equal(r.strangerMatched, 0);
  assert.equal(evaluate(trials, 0.5, 0).strangerMatched, 1 / 2);
  const best = recommend(sweep(trials.filter((t) => t.expected === undefined || t.result!.best.studentId === t.expected)));
  assert.ok(best && best.strangerMatched === 0 && best.wrongPerson === 0);
});
