// End-to-end POST /api/recognize against a running server with 2,500 enrolled students.
// Latency at concurrency 1, throughput at 2/4/8, and memory / live tensors over the whole run.
// Run: npm run bench:recognize [-- --requests 2000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createDb } from '../src/db/index.js';
import { encodeEmbedding } from '../src/face/embedding.js';
import { FaceEngine } from '../src/face/engine.js';
import { projectRoot } from '../src/paths.js';
import { sampleBytes, grow } from '../test/helpers/faces.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, students: { type: 'string', default: '2500' } } });
const TOTAL = Number(values.requests);
const STUDENTS = Number(values.students);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-rec-'));
  // The probe: a 640×480 frame around one real face; that person is enrolled among 2,499 others.
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  const bytes = sampleBytes(3);
  const meta = await sharp(bytes).metadata();
  const face = (await engine.describe(bytes, { purpose: 'probe', describe: 'all' })).faces[1]!;
  const frame = await sharp(bytes).extract(grow(face.box, 0.6, meta.width!, meta.height!)).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
  const enrolled = (await engine.describe(frame, { purpose: 'probe' })).faces[0]!.descriptor!;
  await engine.close();

  const db = await createDb({ kind: 'sqlite', file: path.join(dir, 'database.db') });
  const now = new Date().toISOString();
  const v = new Float32Array(128);
  for (let i = 0; i < STUDENTS; i += 500) {
    await db.insertInto('students').values(Array.from({ length: Math.min(500, STUDENTS - i) }, (_, k) => {
      const real = i + k === 0;
      if (!real) for (let j = 0; j < 128; j++) v[j] = enrolled[j]! + (Math.random() - 0.5) * 0.25; // near, but > threshold + margin away
      return {
        matricula: `B${i + k}`, lastname: real ? 'Enrolled' : `L${i + k}`, firstname: 'F', lotin: null, short: null, group: 'G', identifier: null,
        date_of_birth: null, passport_number: null, file_path: null, embedding: encodeEmbedding(real ? enrolled : v), face_score: 0.9, face_width: 120, created_at: now, updated_at: now,
      };
    })).execute();
  }
  await db.destroy();

  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/server.js')], {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', PORT: '18931', HOST: '127.0.0.1', ADMIN_TOKEN: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = 'http://127.0.0.1:18931';
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const body = JSON.stringify({ image: frame.toString('base64'), source: 'camera' });
  const health = async () => (await (await fetch(`${base}/api/health`)).json()) as { rss_mb: number; engine_tensors: number[]; index_size: number };
  const statuses: Record<string, number> = {};
  let errors = 0;
  const one = async (): Promise<number> => {
    const t = performance.now();
    const res = await fetch(`${base}/api/recognize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const j = (await res.json()) as { status?: string };
    if (res.status >= 500) errors++;
    statuses[j.status ?? `http${res.status}`] = (statuses[j.status ?? `http${res.status}`] ?? 0) + 1;
    return performance.now() - t;
  };
  for (let i = 0; i < 10; i++) await one(); // warm-up: WASM kernels compile on first use
  const h0 = await health();
  const lat: number[] = [];
  const n1 = Math.round(TOTAL * 0.25);
  for (let i = 0; i < n1; i++) lat.push(await one());
  const rows: { concurrency: number; requests: number; rps: number; p50: number; p95: number; p99: number }[] = [];
  rows.push({ concurrency: 1, requests: n1, rps: n1 / (lat.reduce((a, b) => a + b, 0) / 1000), p50: pct(lat, 0.5), p95: pct(lat, 0.95), p99: pct(lat, 0.99) });
  const rssAt: number[] = [];
  for (const c of [2, 4, 8]) {
    const n = Math.round(TOTAL * 0.25);
    const l: number[] = [];
    let next = 0;
    const t = performance.now();
    await Promise.all(Array.from({ length: c }, async () => {
      while (next++ < n) l.push(await one());
    }));
    const secs = (performance.now() - t) / 1000;
    rows.push({ concurrency: c, requests: n, rps: n / secs, p50: pct(l, 0.5), p95: pct(l, 0.95), p99: pct(l, 0.99) });
    rssAt.push((await health()).rss_mb);
  }
  const h1 = await health();
  child.kill('SIGTERM');
  console.log(`server: ${STUDENTS} students enrolled, frame 640×480 JPEG ${(frame.length / 1024).toFixed(0)} KB, ${os.availableParallelism()} cores, ${h1.engine_tensors.length} face workers`);
  console.log('concurrency  requests   req/s    p50 ms   p95 ms   p99 ms');
  for (const r of rows) console.log(`${String(r.concurrency).padStart(11)} ${String(r.requests).padStart(9)} ${r.rps.toFixed(1).padStart(7)} ${r.p50.toFixed(0).padStart(9)} ${r.p95.toFixed(0).padStart(8)} ${r.p99.toFixed(0).padStart(8)}`);
  console.log(`statuses ${JSON.stringify(statuses)}, 5xx errors ${errors}`);
  console.log(`server RSS after warm-up ${h0.rss_mb} MB, after c=2/4/8 ${rssAt.join(' / ')} MB, end ${h1.rss_mb} MB; live tensors per worker ${JSON.stringify(h0.engine_tensors)} → ${JSON.stringify(h1.engine_tensors)}`);
  console.log(JSON.stringify({ bench: 'recognize', students: STUDENTS, rows, statuses, errors, rss_mb: { start: h0.rss_mb, end: h1.rss_mb }, tensors: { start: h0.engine_tensors, end: h1.engine_tensors } }));
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
