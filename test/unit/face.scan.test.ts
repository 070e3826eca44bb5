// The SIMD scan: its embedded bytes are exactly scan.wat compiled, and it ranks and measures as the JS scan does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../src/paths.js';
import { SCAN_WASM_BASE64 } from '../../src/face/scan-wasm.js';
import { FaceIndex } from '../../src/face/index.js';
import { ScanMatrix } from '../../src/face/scan.js';
import { rng } from '../helpers/vectors.js';

test('src/face/scan-wasm.ts holds exactly src/face/scan.wat compiled (npm run build:wasm after editing it)', async () => {
  const { compileScanWat } = (await import(pathToFileURL(path.join(projectRoot, 'scripts/build-wasm.mjs')).href)) as { compileScanWat: () => Promise<Buffer> };
  assert.equal((await compileScanWat()).toString('base64'), SCAN_WASM_BASE64);
});

test('SIMD squared distances equal the double-precision ones to float rounding', () => {
  const r = rng(3);
  const m = ScanMatrix.create(37)!;
  assert.ok(m, 'WASM SIMD is available');
  assert.equal(m.capacity, 40, 'rounded up to a multiple of 4');
  for (let i = 0; i < 37 * 128; i++) m.vectors[i] = r() * 2 - 1;
  const q = Float32Array.from({ length: 128 }, () => r() * 2 - 1);
  const d = m.distances(q, 37);
  assert.equal(d.length, 37);
  for (let row = 0; row < 37; row++) {
    let s = 0;
    for (let j = 0; j < 128; j++) s += (m.vectors[row * 128 + j]! - q[j]!) ** 2;
    assert.ok(Math.abs(d[row]! - s) / s < 1e-5, `row ${row}: ${d[row]} vs ${s}`);
  }
});

test('SIMD and JS indexes agree on every query, through upserts, removals and growth', () => {
  const r = rng(11);
  const simd = new FaceIndex(8);
  const js = new FaceIndex(8, { simd: false });
  const vec = () => Float32Array.from({ length: 128 }, () => (r() - 0.5) * 0.2);
  for (let id = 1; id <= 5000; id++) {
    const v = vec();
    simd.upsert(id, v);
    js.upsert(id, v);
    if (id % 7 === 0) {
      simd.remove(id - 3);
      js.remove(id - 3);
    }
  }
  assert.equal(simd.size, js.size);
  for (let i = 0; i < 300; i++) {
    const q = vec();
    const a = simd.search(q)!;
    const b = js.search(q)!;
    assert.equal(a.best.studentId, b.best.studentId);
    assert.equal(a.secondStudentId, b.secondStudentId);
    assert.equal(a.best.distance, b.best.distance, 'the winners are measured in double precision on both paths');
    assert.equal(a.secondDistance, b.secondDistance);
  }
});
