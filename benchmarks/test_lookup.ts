// The seed's benchmarks/test_lookup: random 128-d embeddings, random lookups, time of one lookup.
// Also 10k/100k/1M rows and, when usearch is installed, the HNSW backend's recall@1 and decision agreement.
// --gallery faces draws the rows from a model of real face descriptors (benchmarks/lib/face-model.ts)
// instead of uniform noise, and also reports what the exact search decides at that size.
// Run: npm run bench:test_lookup [-- --sizes 2500,10000,100000,1000000 --queries 2500 --gallery uniform|faces]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FaceIndex } from '../src/face/index.js';
import { createHnsw, HNSW_DEFAULTS, type AnnQuantization } from '../src/face/ann.js';
import { decide } from '../src/passes/decision.js';
import { projectRoot } from '../src/paths.js';
import { fitFaceModel } from './lib/face-model.js';
import { faceGallery, rng, uniformGallery, type Gallery } from './lib/galleries.js';

const sharedFaces = path.resolve(projectRoot, '..', 'shared', 'faces');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2500,10000,100000,1000000' },
    queries: { type: 'string', default: '2500' },
    gallery: { type: 'string', default: 'uniform' },
    // Photo folders (DIR/<person>/<photo>) for the face model's photo-to-photo spread.
    dataset: { type: 'string', default: ['bbt', 'knn'].map((d) => path.join(sharedFaces, d)).join(',') },
    'no-ann': { type: 'boolean', default: false },
    'no-js': { type: 'boolean', default: false },
    // HNSW parameters (defaults: the shipped ones in src/face/ann.ts)
    connectivity: { type: 'string' },
    'ef-add': { type: 'string' },
    'ef-search': { type: 'string' },
    quantization: { type: 'string' },
  },
});
const HNSW = {
  ...(values.connectivity ? { connectivity: Number(values.connectivity) } : {}),
  ...(values['ef-add'] ? { expansionAdd: Number(values['ef-add']) } : {}),
  ...(values['ef-search'] ? { expansionSearch: Number(values['ef-search']) } : {}),
  ...(values.quantization ? { quantization: values.quantization as AnnQuantization } : {}),
};
const SIZES = values.sizes.split(',').map(Number);
const QUERIES = Number(values.queries);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
};

interface Row {
  size: number;
  gallery: string;
  backend: string;
  build_s: number;
  mean_ms: number;
  p50_ms: number;
  p99_ms: number;
  /** Share of queries where the ANN's nearest is the exact nearest: all, enrolled faces seen again, strangers. */
  recall_at_1?: number;
  recall_genuine?: number;
  recall_stranger?: number;
  /** Share of queries where threshold + margin decide the same (same student, or not_found both times). */
  same_decision?: number;
  /** Queries where the ANN path names a student the exact search would not name (the dangerous direction). */
  unsafe?: number;
  /** Exact search only (faces gallery): second photos named as the right person, strangers named as anybody. */
  genuine_named?: number;
  strangers_named?: number;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function timeJsScan(data: Float32Array, size: number, queries: Float32Array[]): { mean_ms: number; p50_ms: number; p99_ms: number } {
  const js = new FaceIndex(size, { simd: false });
  for (let i = 0; i < size; i++) js.upsert(i + 1, data.subarray(i * 128, i * 128 + 128));
  const s = stats(
    queries.map((v) => {
      const t0 = performance.now();
      js.search(v);
      return performance.now() - t0;
    }),
  );
  return { mean_ms: s.mean, p50_ms: s.p50, p99_ms: s.p99 };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const rule = { threshold: 0.45, margin: 0.06 };
  let model: Awaited<ReturnType<typeof fitFaceModel>> | undefined;
  if (values.gallery === 'faces') {
    const m = await fitFaceModel(values.dataset.split(',').filter((d) => d && fs.existsSync(d)));
    model = m;
    const sp = (x: typeof m.between) =>
      `trace ${x.trace.toFixed(3)}, effective dims ${x.dims.toFixed(1)}, shrinkage ${x.shrinkage.toFixed(2)}, ${x.samples} samples`;
    console.log(`face model from ${m.people} people, ${m.photos} photos: between people ${sp(m.between)}; photo to photo ${sp(m.within)}`);
  } else if (values.gallery !== 'uniform') throw new Error('--gallery uniform|faces');
  for (const size of SIZES) {
    const r = rng(size);
    const gallery: Gallery = model ? faceGallery(model, r) : uniformGallery(r);
    const q = Math.min(QUERIES, size >= 1_000_000 ? 1000 : QUERIES);
    // Half the queries are an enrolled person seen again, half are strangers.
    const probeRows = Array.from({ length: Math.ceil(q / 2) }, () => Math.floor(r() * size));
    const data = new Float32Array(size * 128);
    gallery.fill(data, size, probeRows);
    let t = performance.now();
    const index = new FaceIndex(size);
    for (let i = 0; i < size; i++) index.upsert(i + 1, data.subarray(i * 128, i * 128 + 128));
    const buildBf = (performance.now() - t) / 1000;
    const queries = Array.from({ length: q }, (_, i) => (i % 2 === 0 ? gallery.genuine(probeRows[i / 2]!) : gallery.stranger()));
    const times: number[] = [];
    const exact: ReturnType<FaceIndex['search']>[] = [];
    for (const v of queries) {
      t = performance.now();
      exact.push(index.search(v));
      times.push(performance.now() - t);
    }
    const s = stats(times);
    let genuineNamed = 0;
    let strangersNamed = 0;
    exact.forEach((e, i) => {
      const d = decide(e, rule);
      if (i % 2 === 0 && d.match && d.studentId === probeRows[i / 2]! + 1) genuineNamed++;
      if (i % 2 === 1 && d.match) strangersNamed++;
    });
    rows.push({
      size,
      gallery: gallery.name,
      backend: `bruteforce-${index.scanKind}`,
      build_s: buildBf,
      mean_ms: s.mean,
      p50_ms: s.p50,
      p99_ms: s.p99,
      genuine_named: genuineNamed / Math.ceil(q / 2),
      strangers_named: strangersNamed / Math.floor(q / 2),
    });
    // The plain JS scan on the same data (runtimes without WASM SIMD), for comparison.
    if (!values['no-js'])
      rows.push({
        size,
        gallery: gallery.name,
        backend: 'bruteforce-js',
        build_s: 0,
        ...timeJsScan(data, size, queries.slice(0, size >= 1_000_000 ? 100 : q)),
      });

    if (!values['no-ann'] && size >= 10_000) {
      let ann;
      try {
        ann = createHnsw(HNSW);
      } catch (e) {
        console.log(`(HNSW skipped: ${(e as Error).message})`);
        continue;
      }
      t = performance.now();
      index.annFrom = 0;
      index.useAnn(ann);
      await index.annSettled();
      if (index.annStatus?.state !== 'ready') throw new Error(`HNSW build: ${JSON.stringify(index.annStatus)}`);
      const buildAnn = (performance.now() - t) / 1000;
      const atimes: number[] = [];
      let same = 0;
      let sameGenuine = 0;
      let sameDecision = 0;
      let unsafe = 0;
      queries.forEach((v, i) => {
        t = performance.now();
        const a = index.search(v);
        atimes.push(performance.now() - t);
        if (a?.best.studentId === exact[i]?.best.studentId) {
          same++;
          if (i % 2 === 0) sameGenuine++;
        }
        const da = decide(a, rule);
        const de = decide(exact[i], rule);
        if (da.match === de.match && (!da.match || (de.match && da.studentId === de.studentId))) sameDecision++;
        else if (da.match && (!de.match || de.studentId !== da.studentId)) unsafe++;
      });
      const as = stats(atimes);
      rows.push({
        size,
        gallery: gallery.name,
        backend: `hnsw-${HNSW.quantization ?? HNSW_DEFAULTS.quantization}`,
        build_s: buildAnn,
        mean_ms: as.mean,
        p50_ms: as.p50,
        p99_ms: as.p99,
        recall_at_1: same / q,
        recall_genuine: sameGenuine / Math.ceil(q / 2),
        recall_stranger: (same - sameGenuine) / Math.floor(q / 2),
        same_decision: sameDecision / q,
        unsafe,
      });
      index.useAnn(undefined);
    }
  }
  console.log(
    `machine: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, node ${process.version}; ${QUERIES} queries (1000 at 1M); one thread; gallery ${values.gallery}; HNSW ${JSON.stringify({ ...HNSW_DEFAULTS, ...HNSW })}`,
  );
  console.log(
    '     rows  backend          build s   mean ms    p50 ms    p99 ms  recall@1 (enrolled / stranger)  same decision  unsafe  exact: enrolled named / strangers named',
  );
  for (const x of rows) {
    console.log(
      `${String(x.size).padStart(9)}  ${x.backend.padEnd(15)} ${x.build_s.toFixed(1).padStart(8)} ${x.mean_ms.toFixed(4).padStart(9)} ${x.p50_ms.toFixed(4).padStart(9)} ${x.p99_ms.toFixed(4).padStart(9)}  ${x.recall_at_1 === undefined ? '      -' : `${pct(x.recall_at_1)} (${pct(x.recall_genuine!)} / ${pct(x.recall_stranger!)})`.padStart(30)}  ${x.same_decision === undefined ? '     -' : `${(x.same_decision * 100).toFixed(2)}%`.padEnd(13)}  ${String(x.unsafe ?? '-').padEnd(6)}  ${x.genuine_named === undefined ? '' : `${pct(x.genuine_named)} / ${pct(x.strangers_named!)}`}`,
    );
  }
  const seed = rows.find((x) => x.size === 2500 && x.backend.startsWith('bruteforce'));
  if (seed) {
    const verdict = (ms: number, goal: number) => `${ms < goal ? 'met' : 'MISSED'}: goal < ${goal} ms`;
    console.log(
      `mean time of one lookup over 2,500 records: ${seed.mean_ms.toFixed(4)} ms (seed's ${verdict(seed.mean_ms, 100)}; ours ${verdict(seed.mean_ms, 0.1)})`,
    );
  }
  console.log(JSON.stringify({ bench: 'test_lookup', rows }));
}

void main();
