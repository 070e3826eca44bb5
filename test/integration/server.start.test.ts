// `npm start`'s entry as a real process: a fresh data folder gets its SQLite file and its own tokens
// (private by default), printed once; health answers liveness to anyone; SIGTERM exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/db.js';
import { startServerProcess } from '../helpers/server-process.js';
import { freePort } from '../helpers/ports.js';

const TOKEN_LINE = /\/admin#token=([A-Za-z0-9_-]{43})/;
const PAIR_LINE = /\/#pair=([A-Za-z0-9_-]{43})/;

test('first start without tokens: makes and prints them once, then every /api/* call needs one (F1)', async () => {
  const dir = tempDir();
  try {
    const port = await freePort();
    // Neither token set: the default of a new install.
    const s = startServerProcess(port, { DATA_DIR: dir, STATION_TOKEN: '', LOG_LEVEL: 'info' });
    let admin: string;
    let station: string;
    try {
      await s.ready;
      assert.ok(fs.existsSync(path.join(dir, 'database.db')), 'SQLite file created');
      admin = TOKEN_LINE.exec(s.output())?.[1] ?? '';
      station = PAIR_LINE.exec(s.output())?.[1] ?? '';
      assert.ok(admin && station && admin !== station, `tokens printed at first start:\n${s.output()}`);
      // On the address the server listens on (HOST=127.0.0.1 here), saying that doors cannot reach it (server-address.ts).
      assert.ok(s.output().includes(`${s.base}/admin#token=${admin}`), s.output());
      assert.match(s.output(), /Сервер слушает только этот компьютер \(HOST=127\.0\.0\.1\)/);
      // The JSON log never carries them.
      const logLines = s
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      assert.ok(logLines.length > 0 && logLines.every((l) => !l.includes(admin) && !l.includes(station)));

      const open = await fetch(`${s.base}/api/health`);
      assert.equal(open.status, 200);
      assert.deepEqual(await open.json(), { status: 'ok', index_size: 0 });
      const full = (await (await fetch(`${s.base}/api/health`, { headers: { 'x-admin-token': admin } })).json()) as { db: boolean; engine_ready: boolean };
      assert.equal(full.db, true);
      assert.equal(full.engine_ready, true);

      for (const url of ['/api/passes/recent', '/api/students/1/photo']) {
        const res = await fetch(`${s.base}${url}`);
        assert.equal(res.status, 401, url);
        assert.equal(((await res.json()) as { error: string }).error, 'unauthorized');
      }
      const anonRecognize = await fetch(`${s.base}/api/recognize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"image":"AAAA"}',
      });
      assert.equal(anonRecognize.status, 401);
      assert.equal((await fetch(`${s.base}/api/passes/recent`, { headers: { 'x-station-token': station } })).status, 200);
      assert.equal((await fetch(`${s.base}/admin/load_status`, { headers: { 'x-admin-token': admin } })).status, 200);
      assert.equal(
        (await fetch(`${s.base}/admin/load_status`, { headers: { 'x-admin-token': station } })).status,
        401,
        'the station token is not an admin token',
      );
    } finally {
      await s.stop();
    }
    assert.equal(s.child.exitCode, 0, s.output());

    // Second start on the same data: the same tokens, not printed again.
    const again = startServerProcess(port, { DATA_DIR: dir, STATION_TOKEN: '', LOG_LEVEL: 'info' });
    try {
      await again.ready;
      assert.doesNotMatch(again.output(), TOKEN_LINE);
      assert.equal((await fetch(`${again.base}/api/passes/recent`, { headers: { 'x-station-token': station } })).status, 200);
      assert.equal((await fetch(`${again.base}/admin/load_status`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
    } finally {
      await again.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tokens set in the environment are used as they are and nothing is printed', async () => {
  const dir = tempDir();
  try {
    const s = startServerProcess(await freePort(), { DATA_DIR: dir, ADMIN_TOKEN: 'env-admin-token-123456', STATION_TOKEN: 'env-station-token-123456' });
    try {
      await s.ready;
      assert.doesNotMatch(s.output(), /#token=|#pair=/);
      assert.equal((await fetch(`${s.base}/api/passes/recent`, { headers: { 'x-station-token': 'env-station-token-123456' } })).status, 200);
      assert.equal((await fetch(`${s.base}/admin/load_status`, { headers: { 'x-admin-token': 'env-admin-token-123456' } })).status, 200);
    } finally {
      await s.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
