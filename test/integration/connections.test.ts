// Connection slots (issue 25): one address holding idle keep-alive connections cannot lock the stations out.
// It gets at most MAX_CONNECTIONS_PER_IP, an idle connection is closed 5 s after its answer, the last slots
// of MAX_CONNECTIONS stay for addresses holding few, and TRUST_PROXY's proxies are not capped. A real
// listening app; 127.0.0.1 and 127.0.0.2 are two clients to it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { FaceEngine } from '../../src/face/engine.js';
import { loadConfig } from '../../src/config.js';
import { addressMatcher } from '../../src/address-list.js';
import { reserveOf } from '../../src/http/connection-caps.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { startApp, type TestApp } from '../helpers/app.js';

let engine: FaceEngine;
let tdb: TestDatabase;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  tdb = await sqliteDatabase();
});

after(async () => {
  await engine?.close();
  await tdb?.drop();
});

async function listening(env: Record<string, string>): Promise<{ t: TestApp; port: number }> {
  const t = await startApp(tdb, engine, env);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, port: (t.app.server.address() as net.AddressInfo).port };
}

interface Held {
  sockets: net.Socket[];
  answered: number;
  refused: number;
}

/** `n` connections from `from`, each asking GET /api/health once and then staying idle (what the audit did). */
async function holdIdle(port: number, from: string, n: number): Promise<Held> {
  const held: Held = { sockets: [], answered: 0, refused: 0 };
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
          s.on('connect', () => s.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
          s.on('error', () => undefined);
          s.once('data', (d: Buffer) => {
            if (d.toString('latin1').startsWith('HTTP/1.1 200')) {
              held.answered++;
              held.sockets.push(s);
            }
            resolve();
          });
          s.on('close', () => {
            if (!held.sockets.includes(s)) held.refused++;
            resolve();
          });
        }),
    ),
  );
  return held;
}

/** What a station asks, on a new connection from `from` (its idle one was closed): the status or the socket error. */
function station(port: number, from: string): Promise<number | string> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/api/health', localAddress: from, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const closed = (s: net.Socket) => s.destroyed || s.readyState === 'closed';

test('idle keep-alive connections from one address: at most MAX_CONNECTIONS_PER_IP, closed 5 s after their answer; a station at another address is answered', async () => {
  const { t, port } = await listening({ MAX_CONNECTIONS: '64' });
  try {
    const attack = await holdIdle(port, '127.0.0.1', 100);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await station(port, '127.0.0.2'));
    assert.deepEqual(answers, [200, 200, 200, 200, 200], 'the station at another address is answered');
    assert.equal(attack.answered, 32, `the address holds its 32 connections (refused ${attack.refused})`);
    assert.equal(attack.refused, 68, 'the others are closed at once');
    // The idle ones are closed by the server ~5 s after their answer (Fastify's default kept them 72 s).
    const t0 = Date.now();
    while (!attack.sockets.every(closed) && Date.now() - t0 < 9000) await new Promise((r) => setTimeout(r, 100));
    const took = Date.now() - t0;
    assert.ok(attack.sockets.every(closed), `${attack.sockets.filter((s) => !closed(s)).length} idle connections still open after ${took} ms`);
    assert.ok(took > 3000, `closed after ${took} ms: idle connections get a few seconds, not none`);
    // Their slots are free again.
    const again = await holdIdle(port, '127.0.0.1', 4);
    assert.equal(again.answered, 4);
    for (const s of again.sockets) s.destroy();
    assert.equal(t.ctx.config.maxConnectionsPerIp, 32, 'the default');
  } finally {
    await t.close();
  }
});

test('one address never takes every slot: without a per-address cap it stops short of MAX_CONNECTIONS, the rest is kept for stations', async () => {
  const { t, port } = await listening({ MAX_CONNECTIONS: '64', MAX_CONNECTIONS_PER_IP: '1000' });
  try {
    const attack = await holdIdle(port, '127.0.0.1', 80);
    assert.equal(attack.answered, 64 - reserveOf(64), `held ${attack.answered}`);
    assert.deepEqual([await station(port, '127.0.0.2'), await station(port, '127.0.0.3')], [200, 200]);
    for (const s of attack.sockets) s.destroy();
  } finally {
    await t.close();
  }
});

test('TRUST_PROXY: the listed proxies carry every station and are not capped; with TRUST_PROXY=true the cap is off unless set', async () => {
  const { t, port } = await listening({ MAX_CONNECTIONS: '64', TRUST_PROXY: '127.0.0.1' });
  try {
    const viaProxy = await holdIdle(port, '127.0.0.1', 40);
    assert.equal(viaProxy.answered, 40, 'the proxy is not capped at 32');
    // Another address is capped, here by the reserve: 40 + 16 leaves the last 8 slots for stations.
    const direct = await holdIdle(port, '127.0.0.2', 40);
    assert.equal(direct.answered, 64 - reserveOf(64) - 40);
    assert.equal(await station(port, '127.0.0.3'), 200);
    for (const s of [...viaProxy.sockets, ...direct.sockets]) s.destroy();
  } finally {
    await t.close();
  }
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }).maxConnectionsPerIp, 0);
  assert.equal(loadConfig({ TRUST_PROXY: '1' }).maxConnectionsPerIp, 0);
  assert.equal(loadConfig({ TRUST_PROXY: '1', MAX_CONNECTIONS_PER_IP: '200' }).maxConnectionsPerIp, 200);
  assert.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).maxConnectionsPerIp, 32);
  const proxies = addressMatcher('127.0.0.1,10.0.0.0/8,192.168.0.0/255.255.0.0,fd00::/8');
  for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '10.20.30.40', '192.168.5.6', 'fd12::1']) assert.ok(proxies(a), a);
  for (const a of ['127.0.0.2', '11.0.0.1', '192.169.0.1', 'fe80::1']) assert.ok(!proxies(a), a);
  assert.throws(() => loadConfig({ TRUST_PROXY: '999.1.1.1' }), /TRUST_PROXY/);
});
