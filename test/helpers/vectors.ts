// Seeded random 128-d vectors for the index tests (no faces needed: they test the search, not the engine).

/** Deterministic uniform [0, 1) generator (LCG). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A random direction of the given length (real face descriptors are 1.3–1.6 long). */
export function randomVector(r: () => number, length = 1): Float32Array {
  const v = new Float32Array(128);
  let n = 0;
  for (let i = 0; i < 128; i++) {
    v[i] = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    n += v[i]! * v[i]!;
  }
  return v.map((x) => (x / Math.sqrt(n)) * length);
}
