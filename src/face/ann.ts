// Optional approximate nearest-neighbour backend (HNSW via usearch) for galleries far beyond 2,500 faces.
import { createRequire } from 'node:module';
import { DESCRIPTOR_DIM } from './embedding.js';

/** Candidate generator: the exact distances and the decision stay with FaceIndex (re-ranked exactly). */
export interface AnnBackend {
  readonly name: string;
  add(ids: number[], vectors: Float32Array): void;
  remove(id: number): void;
  /** Ids of about the k nearest stored vectors. */
  candidates(query: Float32Array, k: number): number[];
  clear(): void;
}

interface UsearchIndex {
  add(keys: bigint | BigUint64Array, vectors: Float32Array, threads?: number): void;
  remove(keys: bigint): number;
  search(vector: Float32Array, k: number, threads?: number): { keys: BigUint64Array; distances: Float32Array };
  size(): number;
  contains(key: bigint): boolean;
}

export interface HnswOptions {
  /** Graph degree (M). 16 keeps recall ≥ 99.5 % at 1M in our measurements with ef = 128. */
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
}

export function createHnsw(opts: HnswOptions = {}): AnnBackend {
  const require = createRequire(import.meta.url);
  let usearch: { Index: new (o: Record<string, unknown>) => UsearchIndex };
  try {
    usearch = require('usearch') as typeof usearch;
  } catch (e) {
    throw new Error(`INDEX_BACKEND=hnsw needs the optional package "usearch" (npm install usearch): ${(e as Error).message}`);
  }
  const make = () =>
    new usearch.Index({
      metric: 'l2sq',
      dimensions: DESCRIPTOR_DIM,
      connectivity: opts.connectivity ?? 16,
      expansion_add: opts.expansionAdd ?? 128,
      expansion_search: opts.expansionSearch ?? 128,
    });
  let index = make();
  return {
    name: 'hnsw',
    add(ids, vectors) {
      if (ids.length === 0) return;
      for (const id of ids) if (index.contains(BigInt(id))) index.remove(BigInt(id));
      index.add(BigUint64Array.from(ids, (i) => BigInt(i)), vectors);
    },
    remove(id) {
      if (index.contains(BigInt(id))) index.remove(BigInt(id));
    },
    candidates(query, k) {
      const r = index.search(query, k);
      return Array.from(r.keys, (key) => Number(key));
    },
    clear() {
      index = make();
    },
  };
}
