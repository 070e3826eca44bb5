// Flood (issues F4 and 25), two attacks from one address (127.0.0.1) while a station at another address
// (127.0.0.2) keeps asking; each attack runs against its own fresh server (2,500 students).
// - recognize: 200 connections hammer POST /api/recognize (1×1 PNGs, 9 MB noise JPEGs, real faces; half of
//   them without a token); the station asks with a real face every 300 ms. Prints the station's latencies,
//   what the flood got back and the server's resident memory.
// - idle: ~600 connections each send one GET /api/health and then sit idle, re-opened whenever the server
//   closes or refuses them (what a script does to hold every connection slot); the station asks
//   recognize and health in turn every 300 ms, each on a new connection (as a station does between
//   students, once its idle connection was closed). Prints the station's latencies and errors, and how
//   many connections the attacker held.
// Target: the station answered in ≤ 1 s with no errors, RSS bounded.
// Run: npm run bench:flood [-- --attack recognize|idle|both --seconds 30 --connections 200 --idle 600]
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { percentile, startBenchServer, type BenchServer } from './lib/server.js';

const { values } = parseArgs({
  options: {
    attack: { type: 'string', default: 'both' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '200' },
    idle: { type: 'string', default: '600' },
    'reconnect-ms': { type: 'string', default: '250' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const IDLE = Number(values.idle);
const RECONNECT_MS = Number(values['reconnect-ms']);
const PORT = 18951;
const ATTACKER = '127.0.0.1';
const STATION = '127.0.0.2';

interface Answer {
  status: number;
  ms: number;
  body: string;
  /** The socket error when there was no answer (ECONNRESET, EPIPE…). */
  error?: string;
}

/** One request from `localAddress` (127.0.0.1 and 127.0.0.2 are two clients to the server). */
function ask(
  base: string,
  agent: http.Agent | false,
  localAddress: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const failed = (e: NodeJS.ErrnoException) => resolve({ status: -1, ms: performance.now() - t0, body: '', error: e.code ?? e.message });
    const req = http.request(
      `${base}${path}`,
      { method, agent, localAddress, headers: body ? { ...headers, 'content-length': String(body.length) } : headers },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: text }));
        res.on('error', failed);
      },
    );
    req.on('error', failed);
    req.end(body);
  });
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

const ms = (x: number) => Math.round(x);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const JPEG = { 'content-type': 'image/jpeg' };

/** The station's outcome: HTTP status or recognition status, or the socket error. */
function outcome(r: Answer): string {
  if (r.error) return `error ${r.error}`;
  if (r.status === 200 && r.body.startsWith('{"status"')) return (JSON.parse(r.body) as { status: string }).status;
  return `http ${r.status}`;
}

function latencies(xs: number[]) {
  return { n: xs.length, p50_ms: ms(percentile(xs, 0.5)), p95_ms: ms(percentile(xs, 0.95)), max_ms: ms(xs.length ? Math.max(...xs) : NaN) };
}

async function recognizeFlood(srv: BenchServer) {
  const pid = srv.child.pid!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS + 10 });
  const post = (localAddress: string, headers: Record<string, string>, body: Buffer) =>
    ask(srv.base, agent, localAddress, 'POST', '/api/recognize', headers, body);
  const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
  const noise = await sharp(Buffer.from(Array.from({ length: 3000 * 3000 * 3 }, () => Math.floor(Math.random() * 256))), {
    raw: { width: 3000, height: 3000, channels: 3 },
  })
    .jpeg({ quality: 100 })
    .toBuffer();
  const kinds = [
    { name: '1x1 png', body: dot, headers: { 'content-type': 'image/png', ...srv.station } },
    { name: `${(noise.length / 1048576).toFixed(1)} MB noise jpeg`, body: noise, headers: { ...JPEG, ...srv.station } },
    { name: 'real face', body: srv.frame, headers: { ...JPEG, ...srv.station } },
    { name: 'no token', body: noise, headers: JPEG },
  ].filter((k) => !values.only || k.name.includes(values.only));
  // Warm-up: the WASM kernels compile on first use.
  for (let i = 0; i < 5; i++) await post(STATION, { ...JPEG, ...srv.station }, srv.frame);
  const rss0 = rssMb(pid);

  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(pid))), 100);
  const flood: Record<string, Record<string, number>> = {};
  const end = Date.now() + SECONDS * 1000;
  const attackers = Array.from({ length: CONNECTIONS }, async (_, c) => {
    for (let i = c; Date.now() < end; i++) {
      const k = kinds[i % kinds.length]!;
      const r = await post(ATTACKER, k.headers, k.body);
      const key = r.error ?? String(r.status);
      (flood[k.name] ??= {})[key] = (flood[k.name]![key] ?? 0) + 1;
    }
  });
  const second: number[] = [];
  const secondCodes: Record<string, number> = {};
  const victim = (async () => {
    await sleep(2000); // the flood is in full swing
    while (Date.now() < end - 500) {
      const r = await post(STATION, { ...JPEG, ...srv.station }, srv.frame);
      second.push(r.ms);
      secondCodes[outcome(r)] = (secondCodes[outcome(r)] ?? 0) + 1;
      await sleep(300);
    }
  })();
  await Promise.all([...attackers, victim]);
  clearInterval(sampler);
  const rssAfter = rssMb(pid);
  agent.destroy();

  const s = latencies(second);
  console.log(`recognize flood: ${CONNECTIONS} connections from ${ATTACKER} for ${SECONDS} s; station ${STATION} every 300 ms with a real face`);
  for (const [name, codes] of Object.entries(flood))
    console.log(
      `  flood ${name.padEnd(20)} ${Object.entries(codes)
        .map(([k, n]) => `${k}×${n}`)
        .join('  ')}`,
    );
  console.log(`  station: ${s.n} requests, ${JSON.stringify(secondCodes)}; p50 ${s.p50_ms} ms, p95 ${s.p95_ms} ms, max ${s.max_ms} ms`);
  console.log(`  server RSS: ${rss0} MB before, max ${rssMax} MB during, ${rssAfter} MB after`);
  return { connections: CONNECTIONS, flood, second: { ...s, codes: secondCodes }, rss_mb: { before: rss0, max: rssMax, after: rssAfter } };
}

/** The attacker's connection slots: each holds one idle keep-alive connection and re-opens it when it is closed. */
function holdIdleConnections(port: number, slots: number, end: number) {
  const stats = { opened: 0, answered: 0, refused: 0, open: 0, maxOpen: 0, openSamples: [] as number[] };
  const live = new Set<net.Socket>();
  const slot = async (): Promise<void> => {
    while (Date.now() < end) {
      stats.opened++;
      const answered = await new Promise<boolean>((resolve) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: ATTACKER });
        live.add(s);
        let ok = false;
        s.on('connect', () => s.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
        s.on('data', (d: Buffer) => {
          if (ok || !d.toString('latin1').startsWith('HTTP/1.1 200')) return;
          ok = true;
          stats.answered++;
          stats.maxOpen = Math.max(stats.maxOpen, ++stats.open);
        });
        s.on('error', () => undefined);
        s.on('close', () => {
          live.delete(s);
          if (ok) stats.open--;
          resolve(ok);
        });
      });
      if (!answered) stats.refused++;
      await sleep(RECONNECT_MS);
    }
  };
  const sampler = setInterval(() => stats.openSamples.push(stats.open), 200);
  const running = Promise.all(Array.from({ length: slots }, (_, i) => sleep(i * 2).then(slot)));
  return {
    stats,
    done: running.then(() => {
      clearInterval(sampler);
      for (const s of live) s.destroy();
    }),
  };
}

async function idleAttack(srv: BenchServer) {
  const port = Number(new URL(srv.base).port);
  const fresh = new http.Agent({ keepAlive: false });
  for (let i = 0; i < 5; i++) await ask(srv.base, fresh, STATION, 'POST', '/api/recognize', { ...JPEG, ...srv.station }, srv.frame); // warm-up
  const end = Date.now() + SECONDS * 1000;
  const attack = holdIdleConnections(port, IDLE, end);
  const times: Record<string, number[]> = { recognize: [], health: [] };
  const codes: Record<string, number> = {};
  await sleep(3000); // the attacker's connections are open
  for (let i = 0; Date.now() < end - 500; i++) {
    const r =
      i % 2 === 0
        ? await ask(srv.base, fresh, STATION, 'POST', '/api/recognize', { ...JPEG, ...srv.station }, srv.frame)
        : await ask(srv.base, fresh, STATION, 'GET', '/api/health', {});
    const kind = i % 2 === 0 ? 'recognize' : 'health';
    if (!r.error) times[kind]!.push(r.ms); // latency of answers; a refused connection fails in a millisecond
    codes[`${kind} ${outcome(r)}`] = (codes[`${kind} ${outcome(r)}`] ?? 0) + 1;
    await sleep(300);
  }
  await attack.done;
  fresh.destroy();
  const all = [...times.recognize!, ...times.health!];
  const errors = Object.entries(codes)
    .filter(([k]) => k.includes('error') || / http [45]\d\d$/.test(k))
    .reduce((n, [, v]) => n + v, 0);
  const a = attack.stats;
  const meanOpen = a.openSamples.length ? Math.round(a.openSamples.reduce((x, y) => x + y, 0) / a.openSamples.length) : 0;
  const s = latencies(all);
  const n = Object.values(codes).reduce((a, b) => a + b, 0);
  const max = (xs: number[]) => (xs.length ? ms(Math.max(...xs)) : NaN);
  console.log(
    `idle connections: ${IDLE} slots from ${ATTACKER} for ${SECONDS} s (GET /api/health, then idle; re-opened ${RECONNECT_MS} ms after a close); station ${STATION} recognize/health every 300 ms, new connection each`,
  );
  console.log(
    `  attacker: ${a.opened} connections opened, ${a.answered} answered, ${a.refused} refused or closed unanswered; held at once: mean ${meanOpen}, max ${a.maxOpen}`,
  );
  console.log(`  station: ${n} requests, ${errors} errors, ${JSON.stringify(codes)}`);
  console.log(
    `  station latency of the ${s.n} answered: p50 ${s.p50_ms} / p95 ${s.p95_ms} / max ${s.max_ms} ms; recognize p50 ${ms(percentile(times.recognize!, 0.5))} / max ${max(times.recognize!)} ms; health p50 ${ms(percentile(times.health!, 0.5))} / max ${max(times.health!)} ms`,
  );
  return {
    slots: IDLE,
    reconnect_ms: RECONNECT_MS,
    attacker: { opened: a.opened, answered: a.answered, refused: a.refused, held_mean: meanOpen, held_max: a.maxOpen },
    station: { requests: n, errors, answered: s, codes },
  };
}

async function main(): Promise<void> {
  const attacks = values.attack === 'both' ? ['recognize', 'idle'] : [values.attack];
  const result: Record<string, unknown> = { bench: 'flood', seconds: SECONDS };
  for (const attack of attacks) {
    if (attack !== 'recognize' && attack !== 'idle') throw new Error(`--attack ${attack}: expected recognize, idle or both`);
    const srv = await startBenchServer(2500, PORT);
    try {
      result[attack] = attack === 'recognize' ? await recognizeFlood(srv) : await idleAttack(srv);
    } finally {
      await srv.stop();
    }
  }
  console.log(JSON.stringify(result));
}

void main();
