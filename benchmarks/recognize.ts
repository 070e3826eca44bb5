// End-to-end POST /api/recognize against a running server with 2,500 enrolled students.
// Latency at concurrency 1, throughput at 2/4/8, and memory / live tensors over the whole run.
// Run: npm run bench:recognize [-- --requests 2000]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { percentile, startBenchServer } from './lib/server.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, students: { type: 'string', default: '2500' } } });
const TOTAL = Number(values.requests);
const STUDENTS = Number(values.students);

const pct = percentile;

async function main(): Promise<void> {
  const srv = await startBenchServer(STUDENTS, 18931);
  const { base, frame } = srv;
  const body = JSON.stringify({ image: frame.toString('base64'), source: 'camera' });
  const health = srv.health;
  const statuses: Record<string, number> = {};
  let errors = 0;
  const one = async (): Promise<number> => {
    const t = performance.now();
    const res = await fetch(`${base}/api/recognize`, { method: 'POST', headers: { 'content-type': 'application/json', ...srv.station }, body });
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
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next++ < n) l.push(await one());
      }),
    );
    const secs = (performance.now() - t) / 1000;
    rows.push({ concurrency: c, requests: n, rps: n / secs, p50: pct(l, 0.5), p95: pct(l, 0.95), p99: pct(l, 0.99) });
    rssAt.push((await health()).rss_mb);
  }
  const h1 = await health();
  await srv.stop();
  console.log(
    `server: ${STUDENTS} students enrolled, frame 640×480 JPEG ${(frame.length / 1024).toFixed(0)} KB, ${os.availableParallelism()} cores, ${h1.engine_tensors.length} face workers`,
  );
  console.log('concurrency  requests   req/s    p50 ms   p95 ms   p99 ms');
  for (const r of rows)
    console.log(
      `${String(r.concurrency).padStart(11)} ${String(r.requests).padStart(9)} ${r.rps.toFixed(1).padStart(7)} ${r.p50.toFixed(0).padStart(9)} ${r.p95.toFixed(0).padStart(8)} ${r.p99.toFixed(0).padStart(8)}`,
    );
  console.log(`statuses ${JSON.stringify(statuses)}, 5xx errors ${errors}`);
  console.log(
    `server RSS after warm-up ${h0.rss_mb} MB, after c=2/4/8 ${rssAt.join(' / ')} MB, end ${h1.rss_mb} MB; live tensors per worker ${JSON.stringify(h0.engine_tensors)} → ${JSON.stringify(h1.engine_tensors)}`,
  );
  console.log(
    JSON.stringify({
      bench: 'recognize',
      students: STUDENTS,
      rows,
      statuses,
      errors,
      rss_mb: { start: h0.rss_mb, end: h1.rss_mb },
      tensors: { start: h0.engine_tensors, end: h1.engine_tensors },
    }),
  );
}

void main();
