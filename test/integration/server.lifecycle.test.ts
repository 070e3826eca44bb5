// The server process: SIGTERM lets in-flight recognitions finish; kill -9 mid-request leaves a consistent database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import SQLite from 'better-sqlite3';
import { tempDir } from '../helpers/db.js';
import { sampleBytes } from '../helpers/faces.js';
import { startServerProcess } from '../helpers/server-process.js';
import { STATION_TOKEN } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';

const start = (dir: string, port: number) => startServerProcess(port, { DATA_DIR: dir });

const recognize = (port: number) =>
  fetch(`http://127.0.0.1:${port}/api/recognize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-station-token': STATION_TOKEN },
    body: JSON.stringify({ image: sampleBytes(2).toString('base64') }),
  });

test('SIGTERM drains: a recognition in flight still gets its answer, then the process exits 0', async () => {
  const dir = tempDir();
  const port = await freePort();
  const s = start(dir, port);
  try {
    await s.ready;
    const inflight = recognize(port);
    // SIGTERM once the server has the request (its log says so), not after a guessed sleep.
    while (!/"msg":"incoming request"[^\n]*\/api\/recognize|\/api\/recognize[^\n]*"msg":"incoming request"/.test(s.output()))
      await new Promise((r) => setTimeout(r, 5));
    s.child.kill('SIGTERM');
    const res = await inflight;
    assert.equal(res.status, 422, 'the group photo was answered (multiple_faces), not cut off');
    assert.equal(((await res.json()) as { error: string }).error, 'multiple_faces');
    const [code] = (await once(s.child, 'exit')) as [number | null];
    assert.equal(code, 0, s.output());
    assert.match(s.output(), /draining/);
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 in the middle of requests, restart: the database is intact and the server serves again', async () => {
  const dir = tempDir();
  const port = await freePort();
  const s = start(dir, port);
  try {
    await s.ready;
    const pending = [recognize(port), recognize(port)].map((p) => p.catch(() => undefined));
    await new Promise((r) => setTimeout(r, 200));
    s.child.kill('SIGKILL');
    await once(s.child, 'exit');
    await Promise.all(pending);
    const db = new SQLite(path.join(dir, 'database.db'));
    assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
    db.close();
    const again = start(dir, port);
    try {
      await again.ready;
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      assert.equal(health.status, 200);
      const res = await recognize(port);
      assert.equal(res.status, 422);
    } finally {
      again.child.kill('SIGTERM');
      await once(again.child, 'exit');
    }
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
