// The door during a bulk load (issue [3/5]): a server with 2,500 enrolled students; a checkpoint asks with a
// real face every 300 ms, first idle, then while POST /admin/load_excel loads N new ID photos in the same
// process. Prints both latency sets, their p95 ratio (target ≤ 2) and the load's speed.
// Run: npm run bench:door-during-load [-- --count 2500] [-- --reserve 0 to switch the door's worker reservation off]
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FaceEngine } from '../src/face/engine.js';
import { percentile, startBenchServer, type BenchServer } from './lib/server.js';
import { writeIdPhotoSheet } from './lib/id-photos.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '2500' }, idle: { type: 'string', default: '40' }, reserve: { type: 'string' } } });
const COUNT = Number(values.count);
const PACE_MS = 300;

async function recognizeOnce(srv: BenchServer, body: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${srv.base}/api/recognize`, { method: 'POST', headers: { 'content-type': 'application/json', ...srv.station }, body });
  const j = (await res.json()) as { status?: string; error?: string };
  // The loaded photos are cut from the same demo faces: once the enrolled person's copies are in, the
  // answer becomes not_found (look-alikes are never named). Any answer is a full pass through the engine.
  if (!res.ok || !j.status) throw new Error(`recognition failed: HTTP ${res.status} ${JSON.stringify(j)}`);
  return performance.now() - t;
}

/** POST /admin/load_excel with node:http (no client-side timeout: a load may take many minutes). */
type LoadAnswer = { added: number; failed: number; duration_ms: number; photos_per_second: number };
function load(srv: BenchServer): Promise<LoadAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${srv.base}/admin/load_excel`, { method: 'POST', headers: { ...srv.admin } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(text) as LoadAnswer) : reject(new Error(`load: HTTP ${res.statusCode} ${text.slice(0, 300)}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const stats = (xs: number[]) => ({
  n: xs.length,
  p50: Math.round(percentile(xs, 0.5)),
  p95: Math.round(percentile(xs, 0.95)),
  max: Math.round(Math.max(...xs)),
});

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-door-'));
  const docs = path.join(dir, 'Face ID docs');
  const gen = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  await writeIdPhotoSheet(gen, docs, COUNT);
  await gen.close();
  const env: Record<string, string> = { FACE_ID_DOCS: docs, ...(values.reserve !== undefined ? { DOOR_RESERVE_S: values.reserve } : {}) };
  const srv = await startBenchServer(2500, 18961, env);
  try {
    const body = JSON.stringify({ image: srv.frame.toString('base64'), source: 'camera' });
    for (let i = 0; i < 5; i++) await recognizeOnce(srv, body); // warm-up: the WASM kernels compile on first use
    const idle: number[] = [];
    for (let i = 0; i < Number(values.idle); i++) {
      idle.push(await recognizeOnce(srv, body));
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    let summary: Awaited<ReturnType<typeof load>> | undefined;
    const loading = load(srv).then((s) => (summary = s));
    const during: number[] = [];
    await new Promise((r) => setTimeout(r, 2000)); // the sheet is read first; measure once photos are being described
    while (!summary) {
      during.push(await recognizeOnce(srv, body));
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    await loading;
    const a = stats(idle);
    const b = stats(during);
    console.log(
      `door reservation: ${values.reserve === undefined ? 'default (DOOR_RESERVE_S 120)' : `DOOR_RESERVE_S=${values.reserve}`}; cores ${os.availableParallelism()}`,
    );
    console.log(`  idle:        ${a.n} recognitions, p50 ${a.p50} ms, p95 ${a.p95} ms, max ${a.max} ms`);
    console.log(`  during load: ${b.n} recognitions, p50 ${b.p50} ms, p95 ${b.p95} ms, max ${b.max} ms  (p95 ratio ${(b.p95 / a.p95).toFixed(2)}, target ≤ 2)`);
    console.log(
      `  load: ${summary.added} added, ${summary.failed} failed, ${(summary.duration_ms / 1000).toFixed(1)} s, ${summary.photos_per_second} photos/s`,
    );
    console.log(
      JSON.stringify({
        bench: 'door-during-load',
        count: COUNT,
        reserve: values.reserve ?? 'default',
        idle: a,
        during: b,
        p95_ratio: Math.round((b.p95 / a.p95) * 100) / 100,
        load: { added: summary.added, seconds: summary.duration_ms / 1000, photos_per_second: summary.photos_per_second },
      }),
    );
  } finally {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
