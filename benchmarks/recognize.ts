// End-to-end POST /api/recognize against a running server with 2,500 enrolled students, as stations send it: each
// station its own address and one frame at a time. Latency with one station (camera only, and with a Matricula: the
// card + face check), then 2 / 4 / 8 stations at once; only answered recognitions (HTTP 200) are counted as done,
// refusals (429 / 503) apart. Memory and live tensors over the whole run.
// Run: npm run bench:recognize [-- --requests 2000]   (FACE_MODEL=faceapi npm run bench:recognize: the previous default)
import os from 'node:os';
import { parseArgs } from 'node:util';
import { percentile, startBenchServer } from './lib/server.js';
import { stationClient } from './lib/stations.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, students: { type: 'string', default: '2500' } } });
const TOTAL = Number(values.requests);
const STUDENTS = Number(values.students);

const pct = percentile;

interface Row {
  what: string;
  stations: number;
  answered: number;
  refused: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

async function main(): Promise<void> {
  const srv = await startBenchServer(STUDENTS, 18931);
  const { base, frame } = srv;
  const image = frame.toString('base64');
  const camera = JSON.stringify({ image, source: 'camera' });
  // The enrolled person's card: the same frame compared with them only (1:1).
  const card = JSON.stringify({ image, source: 'camera', matricula: 'B0' });
  const statuses: Record<string, number> = {};
  let errors = 0;
  const clients = Array.from({ length: 8 }, (_, i) => stationClient(base, i + 1));

  /** `stations` stations, each sending `body` one after another, `n` requests in all. */
  const run = async (what: string, stations: number, n: number, body: string): Promise<Row> => {
    const lat: number[] = [];
    let refused = 0;
    let next = 0;
    const t = performance.now();
    await Promise.all(
      clients.slice(0, stations).map(async (c) => {
        while (next++ < n) {
          const r = await c.post('/api/recognize', body, srv.station);
          const key = r.json.status ?? r.json.error ?? `http${r.status}`;
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (r.status >= 500 && r.status !== 503) errors++;
          if (r.status === 200) lat.push(r.ms);
          else refused++;
        }
      }),
    );
    const secs = (performance.now() - t) / 1000;
    return { what, stations, answered: lat.length, refused, rps: lat.length / secs, p50: pct(lat, 0.5), p95: pct(lat, 0.95), p99: pct(lat, 0.99) };
  };

  await run('warm-up', 1, 10, camera); // WASM kernels compile on first use
  await run('warm-up', 1, 5, card);
  const h0 = await srv.health();
  const quarter = Math.round(TOTAL * 0.2);
  const rows: Row[] = [];
  // Camera only and with the card, interleaved in halves so that a slow minute of this shared machine hits both.
  const half = Math.round(quarter / 2);
  const cam1 = await run('camera only', 1, half, camera);
  const card1 = await run('with Matricula (1:1)', 1, half, card);
  const cam2 = await run('camera only', 1, half, camera);
  const card2 = await run('with Matricula (1:1)', 1, half, card);
  const merge = (a: Row, b: Row): Row => ({
    ...a,
    answered: a.answered + b.answered,
    refused: a.refused + b.refused,
    rps: (a.rps + b.rps) / 2,
    p50: (a.p50 + b.p50) / 2,
    p95: Math.max(a.p95, b.p95),
    p99: Math.max(a.p99, b.p99),
  });
  rows.push(merge(cam1, cam2), merge(card1, card2));
  const rssAt: number[] = [];
  for (const c of [2, 4, 8]) {
    rows.push(await run('camera only', c, quarter, camera));
    rssAt.push((await srv.health()).rss_mb);
  }
  const h1 = await srv.health();
  for (const c of clients) c.close();
  await srv.stop();
  console.log(
    `server: ${STUDENTS} students enrolled, model ${process.env.FACE_MODEL || 'default'}, frame 640×480 JPEG ${(frame.length / 1024).toFixed(0)} KB, ${os.availableParallelism()} cores, ${h1.engine_tensors.length} face workers; each station its own address`,
  );
  console.log('what                    stations  answered  refused   req/s    p50 ms   p95 ms   p99 ms');
  for (const r of rows)
    console.log(
      `${r.what.padEnd(22)} ${String(r.stations).padStart(9)} ${String(r.answered).padStart(9)} ${String(r.refused).padStart(8)} ${r.rps.toFixed(1).padStart(7)} ${r.p50.toFixed(0).padStart(9)} ${r.p95.toFixed(0).padStart(8)} ${r.p99.toFixed(0).padStart(8)}`,
    );
  console.log(`statuses ${JSON.stringify(statuses)}, 5xx errors other than 503 ${errors}`);
  console.log(
    `server RSS after warm-up ${h0.rss_mb} MB, after 2/4/8 stations ${rssAt.join(' / ')} MB, end ${h1.rss_mb} MB; live tensors per worker ${JSON.stringify(h0.engine_tensors)} → ${JSON.stringify(h1.engine_tensors)}`,
  );
  console.log(
    JSON.stringify({
      bench: 'recognize',
      model: process.env.FACE_MODEL || 'default',
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
