// Security findings through HTTP on a real app: lock-out only for wrong tokens (F3) and TRUST_PROXY, a real token
// cut short or lengthened is a wrong one, cross-site POSTs refused (F5), slow bodies cut (F6), bad or repeated
// query parameters are 400s (F8), headers on every response, a doubled token header is a 400.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, STATION_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import { sampleBytes } from '../helpers/faces.js';
import type { ErrorJson } from '../helpers/answers.js';

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

async function withApp(env: Record<string, string>, fn: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await startApp(tdb, engine, env);
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

const status = (t: TestApp, token: string | undefined, remoteAddress: string, headers: Record<string, string> = {}) =>
  t
    .anon({ method: 'GET', url: '/admin/load_status', remoteAddress, headers: { ...headers, ...(token === undefined ? {} : { 'x-admin-token': token }) } })
    .then((r) => r.statusCode);

test('F3: ten wrong tokens block further wrong ones, never the right token; a missing token is not a failure', async () => {
  await withApp({}, async (t) => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push(await status(t, `wrong-token-${i}`, '10.0.0.1'));
    assert.deepEqual(codes, [...Array<number>(10).fill(401), 429, 429]);
    const blocked = await t.anon({ method: 'GET', url: '/admin/load_status', remoteAddress: '10.0.0.1', headers: { 'x-admin-token': 'wrong-again' } });
    // Retry-After is what is left of the 5-minute window (the counter is @fastify/rate-limit's).
    const retry = Number(blocked.headers['retry-after']);
    assert.ok(retry > 240 && retry <= 300, `retry-after ${retry}`);
    assert.match(blocked.json<ErrorJson>().message, /Слишком много/);
    assert.equal(await status(t, ADMIN_TOKEN, '10.0.0.1'), 200, 'the right token always passes');
    // A station page opened before pairing sends no token: 401 each time, never a lock-out.
    for (let i = 0; i < 20; i++) assert.equal((await t.anon({ method: 'GET', url: '/api/passes/recent', remoteAddress: '10.0.0.2' })).statusCode, 401);
    assert.equal(await status(t, 'wrong-token-x', '10.0.0.2'), 401);
    // A doubled token header is a broken client: 400, and not counted (a real socket: inject joins headers).
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as net.AddressInfo).port;
    const raw = (head: string) =>
      new Promise<string>((resolve) => {
        let got = '';
        const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET /admin/load_status HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}Connection: close\r\n\r\n`));
        sock.on('data', (d) => (got += d.toString()));
        sock.on('close', () => resolve(got));
      });
    for (let i = 0; i < 12; i++) assert.match(await raw(`X-Admin-Token: ${ADMIN_TOKEN}\r\nX-Admin-Token: other-${i}\r\n`), /^HTTP\/1\.1 400/);
    assert.match(await raw('X-Admin-Token: wrong-token-y\r\n'), /^HTTP\/1\.1 401/, 'the doubled ones were not counted');
  });
});

test('a real token cut short (last character off, first half) or one character longer is refused with 401, in every header; the real ones pass', async () => {
  await withApp({}, async (t) => {
    // Each try from its own address: ten wrong tokens from one address would turn the 401s into 429s.
    let n = 0;
    const ask = (url: string, headers: Record<string, string>) => t.anon({ method: 'GET', url, headers, remoteAddress: `10.7.${n >> 8}.${++n & 255}` });
    const near = (token: string): [string, string][] => [
      ['without its last character', token.slice(0, -1)],
      ['its first half', token.slice(0, Math.ceil(token.length / 2))],
      ['one character longer', `${token}x`],
      ['its last character repeated', `${token}${token.at(-1)!}`],
    ];
    const headersFor = (name: 'x-admin-token' | 'x-station-token', token: string) => [{ [name]: token }, { authorization: `Bearer ${token}` }];
    const refused = async (url: string, headers: Record<string, string>, what: string) => {
      const r = await ask(url, headers);
      assert.equal(r.statusCode, 401, `${url} ${what} ${JSON.stringify(Object.keys(headers))}: ${r.body}`);
      assert.equal(r.json<ErrorJson>().error, 'unauthorized');
      assert.match(r.json<ErrorJson>().message, /^Нужен/);
    };
    for (const [what, token] of near(ADMIN_TOKEN)) {
      for (const h of headersFor('x-admin-token', token)) {
        await refused('/admin/load_status', h, `admin token ${what}`);
        await refused('/api/passes/recent', h, `admin token ${what}`);
      }
      // The health details need the admin token too: liveness only.
      const health = await ask('/api/health', { 'x-admin-token': token });
      assert.deepEqual(Object.keys(health.json<object>()).sort(), ['index_size', 'status'], `health, admin token ${what}`);
    }
    for (const [what, token] of near(STATION_TOKEN)) {
      for (const h of [...headersFor('x-station-token', token), { 'x-admin-token': token }]) {
        await refused('/api/passes/recent', h, `station token ${what}`);
        await refused('/api/students?q=%D0%B8%D0%B2', h, `station token ${what}`);
        await refused('/api/students/1/photo', h, `station token ${what}`);
      }
    }
    await refused('/admin/load_status', { 'x-admin-token': STATION_TOKEN }, 'the station token is not the admin token');
    // The real tokens, in each header.
    for (const h of headersFor('x-admin-token', ADMIN_TOKEN)) assert.equal((await ask('/admin/load_status', h)).statusCode, 200);
    for (const h of headersFor('x-station-token', STATION_TOKEN)) assert.equal((await ask('/api/passes/recent', h)).statusCode, 200);
    assert.ok('match_threshold' in (await ask('/api/health', { 'x-admin-token': ADMIN_TOKEN })).json<object>());
  });
});

test('F3: behind a proxy, TRUST_PROXY makes the limiter see each station, so one person locks out only himself', async () => {
  const viaProxy = (t: TestApp, client: string, token: string) => status(t, token, '127.0.0.1', { 'x-forwarded-for': client });
  await withApp({ TRUST_PROXY: '127.0.0.1' }, async (t) => {
    for (let i = 0; i < 11; i++) await viaProxy(t, '192.168.1.50', `wrong-${i}`);
    assert.equal(await viaProxy(t, '192.168.1.50', 'wrong-z'), 429);
    assert.equal(await viaProxy(t, '192.168.1.51', 'wrong-z'), 401, 'another station behind the same proxy is not blocked');
  });
  await withApp({}, async (t) => {
    for (let i = 0; i < 11; i++) await viaProxy(t, '192.168.1.50', `wrong-${i}`);
    assert.equal(await viaProxy(t, '192.168.1.51', 'wrong-z'), 429, "without TRUST_PROXY every station shares the proxy's address");
  });
});

test("F5: a POST from another site is refused before anything runs, token or not; the page's own POSTs pass", async () => {
  await withApp({}, async (t) => {
    const image = sampleBytes(3).toString('base64');
    const crossSite = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: 'http://localhost:80.evil.example' },
    ];
    for (const h of crossSite) {
      const r = await t.app.inject({ method: 'POST', url: '/api/recognize', headers: { host: 'localhost:80', ...h }, payload: { image } });
      assert.equal(r.statusCode, 403, JSON.stringify(h));
      assert.equal(r.json<ErrorJson>().error, 'forbidden');
      const adm = await t.app.inject({ method: 'POST', url: '/admin/load_excel', headers: { host: 'localhost:80', 'x-admin-token': ADMIN_TOKEN, ...h } });
      assert.equal(adm.statusCode, 403, JSON.stringify(h));
    }
    assert.equal((await t.db.selectFrom('attempts').selectAll().execute()).length, 0, 'nothing reached the recognition');
    const same = await t.app.inject({
      method: 'POST',
      url: '/api/recognize',
      headers: { host: 'localhost:80', origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
      payload: { image: 'AAAA' },
    });
    assert.notEqual(same.statusCode, 403);
  });
});

test('F8: bad, huge or repeated query values are 400 with a Russian message, never a 500', async () => {
  await withApp({}, async (t) => {
    const admin = { 'x-admin-token': ADMIN_TOKEN };
    const urls = [
      '/admin/students?offset=1e20',
      '/admin/students?offset=Infinity',
      '/admin/students?offset=9223372036854775808',
      '/admin/students?offset=-1',
      '/admin/students?limit=abc',
      '/admin/students?q=a&q=b',
      '/admin/lookalikes?offset=1e20',
      '/admin/lookalikes?limit=0',
      '/admin/export_report?group=a&group=b',
      '/api/passes/recent?station=a&station=b',
      '/api/passes/recent?limit=1e300',
      '/api/students/1e3/photo',
      '/api/students/99999999999999999999/photo',
      '/api/students/-1/photo',
    ];
    for (const url of urls) {
      const r = await t.app.inject({ method: 'GET', url, headers: url.startsWith('/admin') ? admin : {} });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.equal(r.json<ErrorJson>().error, 'bad_request');
      assert.match(r.json<ErrorJson>().message, /^Неверный параметр/, url);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/admin/students?offset=0&limit=10&q=x', headers: admin })).statusCode, 200);
  });
});

test('F6: a client that sends its body too slowly is cut off; headers on every response', async () => {
  await withApp({ REQUEST_TIMEOUT_S: '2' }, async (t) => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as net.AddressInfo).port;
    const sock = net.connect(port, '127.0.0.1');
    const t0 = Date.now();
    let got = '';
    sock.on('data', (d) => (got += d.toString()));
    sock.write(
      `POST /api/recognize HTTP/1.1\r\nHost: 127.0.0.1\r\nx-station-token: ${STATION_TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"image":"`,
    );
    const timer = setInterval(() => sock.write('A'), 500); // a trickle, never the whole body
    await new Promise((r) => sock.on('close', r));
    clearInterval(timer);
    const took = Date.now() - t0;
    assert.ok(took < 6000, `cut after ${took} ms`);
    assert.match(got, /^HTTP\/1\.1 408/);
    assert.equal(t.app.server.maxConnections, 512);

    const res = await fetch(`http://127.0.0.1:${port}/nothing-here`);
    assert.equal(res.status, 404);
    for (const h of ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy']) assert.ok(res.headers.get(h), h);
    // The browser's own /favicon.ico request finds the icon (no 404 in every log).
    const ico = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
    assert.equal(ico.status, 200);
    assert.equal(ico.headers.get('content-type'), 'image/svg+xml');
  });
});
