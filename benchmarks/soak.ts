// Soak: mixed load (recognize, report, health) from 4 clients for 10 minutes against one server.
// Zero 5xx expected; prints p99 latency and resident memory after the first minute and at the end.
// Run: npm run bench:soak [-- --minutes 10 --clients 4]
import { parseArgs } from 'node:util';
import { percentile, startBenchServer } from './lib/server.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, clients: { type: 'string', default: '4' } } });
const MINUTES = Number(values.minutes);
const CLIENTS = Number(values.clients);
const TOKEN = 'soak-admin-token-0123456789';

async function main(): Promise<void> {
  const srv = await startBenchServer(2500, 18941, { ADMIN_TOKEN: TOKEN });
  const body = JSON.stringify({ image: srv.frame.toString('base64'), source: 'camera' });
  const lat: Record<string, number[]> = { recognize: [], report: [], health: [] };
  const codes: Record<string, number> = {};
  let fiveXX = 0;
  const end = Date.now() + MINUTES * 60_000;
  let rssAfterMinute = 0;
  // Timer callbacks cannot be awaited: a failed sample is reported, not left as an unhandled rejection.
  const sampleRss = (use: (rss: number) => void) => () => {
    srv.health().then(
      (h) => use(h.rss_mb),
      (e: unknown) => console.error(`soak: health sample failed: ${String(e)}`),
    );
  };
  const minuteTimer = setTimeout(
    sampleRss((rss) => (rssAfterMinute = rss)),
    Math.min(60_000, (MINUTES * 60_000) / 2),
  );
  const samples: number[] = [];
  const sampler = setInterval(
    sampleRss((rss) => samples.push(rss)),
    30_000,
  );
  let n = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < end) {
        const k = n++ % 20;
        const kind = k === 0 ? 'report' : k < 4 ? 'health' : 'recognize';
        const t = performance.now();
        const res =
          kind === 'recognize'
            ? await fetch(`${srv.base}/api/recognize`, { method: 'POST', headers: { 'content-type': 'application/json', ...srv.station }, body })
            : kind === 'report'
              ? await fetch(`${srv.base}/admin/export_report?from=2020-01-01&to=2100-01-01`, { headers: { 'x-admin-token': TOKEN } })
              : await fetch(`${srv.base}/api/health`, { headers: srv.station });
        await res.arrayBuffer();
        lat[kind]!.push(performance.now() - t);
        codes[res.status] = (codes[res.status] ?? 0) + 1;
        if (res.status >= 500) fiveXX++;
      }
    }),
  );
  clearTimeout(minuteTimer);
  clearInterval(sampler);
  const h = await srv.health();
  await srv.stop();
  console.log(`soak ${MINUTES} min, ${CLIENTS} clients, ${n} requests; HTTP codes ${JSON.stringify(codes)}; 5xx: ${fiveXX}`);
  for (const [k, xs] of Object.entries(lat))
    console.log(`  ${k.padEnd(9)} n=${String(xs.length).padStart(6)}  p50 ${percentile(xs, 0.5).toFixed(0)} ms  p99 ${percentile(xs, 0.99).toFixed(0)} ms`);
  const growth = rssAfterMinute ? ((h.rss_mb - rssAfterMinute) / rssAfterMinute) * 100 : NaN;
  console.log(
    `  RSS after the first minute ${rssAfterMinute} MB, at the end ${h.rss_mb} MB (${growth.toFixed(1)} %); samples every 30 s: ${samples.join(' ')}; live tensors ${JSON.stringify(h.engine_tensors)}`,
  );
  console.log(
    JSON.stringify({
      bench: 'soak',
      minutes: MINUTES,
      clients: CLIENTS,
      requests: n,
      codes,
      fiveXX,
      p99: Object.fromEntries(Object.entries(lat).map(([k, xs]) => [k, percentile(xs, 0.99)])),
      rss_mb: { after_first_minute: rssAfterMinute, end: h.rss_mb },
      growth_pct: growth,
    }),
  );
}

void main();
