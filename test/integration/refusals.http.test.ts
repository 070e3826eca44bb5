// Refusals the client can read (issue 25): answered before the body is read (no token: 401, too large: 413),
// the connection is not reset under a client still writing — Node's fetch reads the JSON answer every time,
// not EPIPE / ECONNRESET. A real server process: a client in the same event loop would hide the race.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { tempDir } from '../helpers/db.js';
import { freePort } from '../helpers/ports.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { STATION_TOKEN } from '../helpers/app.js';
import type { ErrorJson } from '../helpers/answers.js';

let srv: ServerProcess;
let dir: string;

before(async () => {
  dir = tempDir();
  srv = startServerProcess(await freePort(), { DATA_DIR: dir });
  await srv.ready;
});

after(async () => {
  await srv?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `times` requests one after another: each answer as `status error`, or the network error fetch threw. */
async function outcomes(times: number, request: () => [string, RequestInit]): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < times; i++) {
    let key: string;
    try {
      const res = await fetch(...request());
      const body = (await res.json()) as ErrorJson;
      assert.match(body.message, /[а-яА-Я]/, 'a Russian message');
      key = `${res.status} ${body.error}`;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      key = `network error ${cause?.code ?? cause?.message ?? String(e)}`;
    }
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

const photoForm = (mb: number) => {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(mb * 1024 * 1024)], { type: 'image/jpeg' }), 'frame.jpg');
  form.append('station', 'Дверь 1');
  return form;
};

test('a multipart photo without a token (6 MB) or with a rotated one is read as 401 by fetch, 20 times out of 20', async () => {
  const url = `${srv.base}/api/recognize`;
  assert.deepEqual(await outcomes(20, () => [url, { method: 'POST', body: photoForm(6) }]), { '401 unauthorized': 20 });
  assert.deepEqual(await outcomes(20, () => [url, { method: 'POST', body: photoForm(0) }]), { '401 unauthorized': 20 }, 'an empty file too');
  // A rotated token is a wrong one: 401 until ten of them (then 429, also readable).
  const rotated = await outcomes(12, () => [url, { method: 'POST', body: photoForm(6), headers: { 'x-station-token': 'old-station-token-123456' } }]);
  assert.deepEqual(rotated, { '401 unauthorized': 10, '429 too_many_requests': 2 });
});

test('a 1 MB JSON body to a small route and a 17 MB photo are read as 413 by fetch, 20 times out of 20; the connection stays usable', async () => {
  const headers = { 'content-type': 'application/json', 'x-station-token': STATION_TOKEN };
  const big = JSON.stringify({ student_id: 1, reason: 'x'.repeat(1024 * 1024) });
  assert.deepEqual(await outcomes(20, () => [`${srv.base}/api/passes`, { method: 'POST', headers, body: big }]), { '413 payload_too_large': 20 });
  const photo = await outcomes(10, () => [`${srv.base}/api/recognize`, { method: 'POST', body: photoForm(17), headers: { 'x-station-token': STATION_TOKEN } }]);
  assert.deepEqual(photo, { '413 payload_too_large': 10 });
  const health = await fetch(`${srv.base}/api/health`);
  assert.equal(health.status, 200);
});

test('a body sent after its refusal is read and thrown away: the keep-alive connection serves the next request, many times over', async () => {
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const answers = (n: number) => got.split('HTTP/1.1 ').length - 1 >= n;
  for (let i = 1; i <= 15; i++) {
    // The headers alone get the 401; the body comes after it, as from a client that writes before it reads.
    sock.write(`POST /api/recognize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`);
    for (let w = 0; !answers(i) && w < 200; w++) await new Promise((r) => setTimeout(r, 10));
    sock.write(Buffer.alloc(100_000));
  }
  sock.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  for (let w = 0; !answers(16) && w < 200; w++) await new Promise((r) => setTimeout(r, 10));
  sock.destroy();
  const statuses = [...got.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [...Array<number>(15).fill(401), 200]);
  assert.doesNotMatch(srv.output(), /MaxListenersExceededWarning/, 'no listener left behind per refused request');
});
