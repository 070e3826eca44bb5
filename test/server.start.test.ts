// `npm start`'s entry as a real process: creates the SQLite file, serves /api/health, exits on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { projectRoot } from '../src/paths.js';
import { tempDir } from './helpers/db.js';

test('server starts on a fresh data folder, serves health with index_size 0, drains on SIGTERM', async () => {
  const dir = tempDir();
  const port = 20000 + (process.pid % 20000);
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/server.js')], {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', PORT: String(port), HOST: '127.0.0.1', FACE_WORKERS: '1', LOG_LEVEL: 'info', ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 60_000;
    while (!/"msg":"ready"/.test(out)) {
      assert.ok(Date.now() < deadline, `server did not become ready:\n${out}`);
      assert.equal(child.exitCode, null, `server exited:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { index_size: number; db: boolean; engine_ready: boolean };
    assert.equal(body.index_size, 0);
    assert.equal(body.db, true);
    assert.equal(body.engine_ready, true);
    assert.ok(fs.existsSync(path.join(dir, 'database.db')), 'SQLite file created');
    assert.match(out, /ADMIN_TOKEN is not set/);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, out);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
