// Optional approximate nearest-neighbour backend (HNSW via usearch) for galleries far beyond 2,500 faces.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { DESCRIPTOR_DIM } from './embedding.js';

/** Candidate generator: the exact distances and the decision stay with FaceIndex (re-ranked exactly). */
export interface AnnBackend {
  readonly name: string;
  /** Values per vector. */
  readonly dim: number;
  add(ids: number[], vectors: Float32Array): void;
  remove(id: number): void;
  /** Ids of about the k nearest stored vectors. */
  candidates(query: Float32Array, k: number): number[];
  clear(): void;
}

/**
 * usearch's native index, used directly: its JavaScript wrapper turns every Int8Array into floats, and
 * the native float→i8 cast then divides each vector by its length (L2 would silently become cosine).
 * Given Int8Array itself, the native side stores and compares the integers as they are.
 */
interface NativeIndex {
  add(keys: BigUint64Array, vectors: Float32Array | Int8Array, threads: number): void;
  remove(keys: BigUint64Array): number[];
  search(vectors: Float32Array | Int8Array, k: number, threads: number): [BigUint64Array, Float32Array, BigUint64Array];
  contains(keys: BigUint64Array): boolean[];
  size(): number;
}
type NativeIndexClass = new (
  dimensions: number,
  metric: string,
  quantization: string,
  connectivity: number,
  expansionAdd: number,
  expansionSearch: number,
  multi: boolean,
) => NativeIndex;

function loadUsearch(): NativeIndexClass {
  const require = createRequire(import.meta.url);
  try {
    const main = require.resolve('usearch'); // <pkg>/javascript/dist/cjs/usearch.js
    const nodeGypBuild = createRequire(main)('node-gyp-build') as (dir: string) => { CompiledIndex?: NativeIndexClass };
    const binding = nodeGypBuild(path.resolve(path.dirname(main), '../../..'));
    if (typeof binding.CompiledIndex !== 'function') throw new Error('usearch native binding without CompiledIndex (package version changed?)');
    return binding.CompiledIndex;
  } catch (e) {
    throw new Error(`INDEX_BACKEND=hnsw needs the optional package "usearch" (npm install usearch): ${(e as Error).message}`, { cause: e });
  }
}

export type AnnQuantization = 'f32' | 'i8';

/**
 * Graph degree M 48, ef 128 while building (measured at 1M: M 16 or 32 need a far larger search ef
 * for the same recall). ef while searching (HNSW_EF): 88 is enough for uniform random vectors (1M:
 * 99.6 % recall, 0.92 ms), but descriptors shaped like real faces need more (test_lookup --gallery
 * faces, 100k: 98.0 % at 88, 99.8 % at 256): the default is 256.
 */
export const HNSW_DEFAULTS = { connectivity: 48, expansionAdd: 128, expansionSearch: 256, quantization: 'i8' } as const;

export interface HnswOptions {
  /** Values per descriptor (default 128, face-api's). */
  dim?: number;
  /** Multiplier before rounding to int8 (default I8_SCALE, for face-api's descriptors). */
  i8Scale?: number;
  /** Graph degree (M). */
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  /** How the graph stores vectors: 'i8' (default) is 4× smaller and about 3× faster to search. */
  quantization?: AnnQuantization;
}

/**
 * Fixed scale for the i8 copy of face-api's descriptors: ±0.79 maps to ±127, rounded, clamped. One
 * scale for every vector keeps Euclidean order (usearch's own f32→i8 cast divides each vector by its
 * length, which would turn L2 into cosine). Components of real descriptors stay within ±0.54 (lengths
 * 1.3–1.6); the error is ≤ 1/320 per component, and FaceIndex re-measures every candidate exactly, so
 * the i8 copy only decides who is a candidate. Unit-length 512-d descriptors (ONNX models) have far
 * smaller components and get a larger scale from their model (see face/models.ts).
 */
export const I8_SCALE = 160;

export function quantizeI8(v: Float32Array, scale = I8_SCALE): Int8Array {
  const out = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.max(-127, Math.min(127, Math.round(v[i]! * scale)));
  return out;
}

export function createHnsw(opts: HnswOptions = {}): AnnBackend {
  const Native = loadUsearch();
  const quantization = opts.quantization ?? HNSW_DEFAULTS.quantization;
  const dim = opts.dim ?? DESCRIPTOR_DIM;
  const scale = opts.i8Scale ?? I8_SCALE;
  const stored = (v: Float32Array) => (quantization === 'i8' ? quantizeI8(v, scale) : v);
  const make = () =>
    new Native(
      dim,
      'l2sq',
      quantization,
      opts.connectivity ?? HNSW_DEFAULTS.connectivity,
      opts.expansionAdd ?? HNSW_DEFAULTS.expansionAdd,
      opts.expansionSearch ?? HNSW_DEFAULTS.expansionSearch,
      false,
    );
  const threads = Math.max(1, os.availableParallelism());
  let index = make();
  // Keys are the index's row keys: a student's id, or minus an added photo's id (two's complement in 64 bits).
  const keys = (ids: number[]) => BigUint64Array.from(ids, (i) => BigInt.asUintN(64, BigInt(i)));
  return {
    name: 'hnsw',
    dim,
    add(ids, vectors) {
      if (ids.length === 0) return;
      const all = keys(ids);
      if (index.size() > 0) {
        const has = index.contains(all);
        const present = all.filter((_, i) => has[i]);
        if (present.length) index.remove(present);
      }
      index.add(all, stored(vectors), threads);
    },
    remove(id) {
      const key = keys([id]);
      if (index.contains(key)[0]) index.remove(key);
    },
    candidates(query, k) {
      const [found, , counts] = index.search(stored(query), k, 1);
      return Array.from(found.subarray(0, Number(counts[0])), (key) => Number(BigInt.asIntN(64, key)));
    },
    clear() {
      index = make();
    },
  };
}
