// Flood (issue F4): one client hammers POST /api/recognize with 200 connections (1×1 PNGs, 9 MB noise
// JPEGs, real faces; half of them without a token) while a second client, from another address, asks
// with a real face every 300 ms. Prints the second client's latencies, what the flood got back, and
// the server's resident memory. Target: the second client answered in ≤ 1 s, RSS bounded.
// Run: npm run bench:flood [-- --seconds 30 --connections 200]
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { percentile, startBenchServer } from './lib/server.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '30' }, connections: { type: 'string', default: '200' }, only: { type: 'string' } },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS + 10 });

/** One POST from `localAddress` (127.0.0.1 and 127.0.0.2 are two clients to the server). */
function post(base: string, localAddress: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      `${base}/api/recognize`,
      { method: 'POST', agent, localAddress, headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: text }));
        res.on('error', () => resolve({ status: -1, ms: performance.now() - t0, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: -1, ms: performance.now() - t0, body: '' }));
    req.end(body);
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function main(): Promise<void> {
  const srv = await startBenchServer(2500, 18951);
  const pid = srv.child.pid!;
  const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
  const noise = await sharp(Buffer.from(Array.from({ length: 3000 * 3000 * 3 }, () => Math.floor(Math.random() * 256))), {
    raw: { width: 3000, height: 3000, channels: 3 },
  })
    .jpeg({ quality: 100 })
    .toBuffer();
  const jpeg = { 'content-type': 'image/jpeg' };
  const kinds = [
    { name: '1x1 png', body: dot, headers: { 'content-type': 'image/png', ...srv.station } },
    { name: `${(noise.length / 1048576).toFixed(1)} MB noise jpeg`, body: noise, headers: { ...jpeg, ...srv.station } },
    { name: 'real face', body: srv.frame, headers: { ...jpeg, ...srv.station } },
    { name: 'no token', body: noise, headers: jpeg },
  ].filter((k) => !values.only || k.name.includes(values.only));
  // Warm-up: the WASM kernels compile on first use.
  for (let i = 0; i < 5; i++) await post(srv.base, '127.0.0.2', { ...jpeg, ...srv.station }, srv.frame);
  const rss0 = rssMb(pid);

  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(pid))), 100);
  const flood: Record<string, Record<number, number>> = {};
  const end = Date.now() + SECONDS * 1000;
  const attackers = Array.from({ length: CONNECTIONS }, async (_, c) => {
    for (let i = c; Date.now() < end; i++) {
      const k = kinds[i % kinds.length]!;
      const r = await post(srv.base, '127.0.0.1', k.headers, k.body);
      (flood[k.name] ??= {})[r.status] = (flood[k.name]![r.status] ?? 0) + 1;
    }
  });
  const second: number[] = [];
  const secondCodes: Record<string, number> = {};
  const victim = (async () => {
    await new Promise((r) => setTimeout(r, 2000)); // the flood is in full swing
    while (Date.now() < end - 500) {
      const r = await post(srv.base, '127.0.0.2', { ...jpeg, ...srv.station }, srv.frame);
      second.push(r.ms);
      const status = r.status === 200 ? (JSON.parse(r.body) as { status: string }).status : `http ${r.status}`;
      secondCodes[status] = (secondCodes[status] ?? 0) + 1;
      await new Promise((res) => setTimeout(res, 300));
    }
  })();
  await Promise.all([...attackers, victim]);
  clearInterval(sampler);
  const rssAfter = rssMb(pid);
  agent.destroy();
  await srv.stop();

  const ms = (x: number) => Math.round(x);
  console.log(`flood: ${CONNECTIONS} connections from 127.0.0.1 for ${SECONDS} s; second client 127.0.0.2 every 300 ms with a real face`);
  for (const [name, codes] of Object.entries(flood))
    console.log(
      `  flood ${name.padEnd(20)} ${Object.entries(codes)
        .map(([s, n]) => `${s}×${n}`)
        .join('  ')}`,
    );
  console.log(
    `  second client: ${second.length} requests, ${JSON.stringify(secondCodes)}; p50 ${ms(percentile(second, 0.5))} ms, p95 ${ms(percentile(second, 0.95))} ms, max ${ms(Math.max(...second))} ms`,
  );
  console.log(`  server RSS: ${rss0} MB before, max ${rssMax} MB during, ${rssAfter} MB after`);
  console.log(
    JSON.stringify({
      bench: 'flood',
      connections: CONNECTIONS,
      seconds: SECONDS,
      flood,
      second: {
        n: second.length,
        codes: secondCodes,
        p50_ms: ms(percentile(second, 0.5)),
        p95_ms: ms(percentile(second, 0.95)),
        max_ms: ms(Math.max(...second)),
      },
      rss_mb: { before: rss0, max: rssMax, after: rssAfter },
    }),
  );
}

void main();
