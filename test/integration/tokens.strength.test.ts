// Set tokens that are easy to guess, or the admin token given to the stations, stop the start (issue 25):
// with a message naming the variable, from loadConfig and from the real server process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadConfig, ConfigError } from '../../src/config.js';
import { tempDir } from '../helpers/db.js';
import { freePort } from '../helpers/ports.js';
import { startServerProcess } from '../helpers/server-process.js';

const refused = (env: Record<string, string>, re: RegExp) =>
  assert.throws(
    () => loadConfig(env),
    (e: unknown) => e instanceof ConfigError && re.test(e.message),
    JSON.stringify(env),
  );

test('config: ADMIN_TOKEN equal to STATION_TOKEN, one character repeated, few different characters or a run are refused', () => {
  refused({ ADMIN_TOKEN: 'Kq8-zP3x!w9LmV2', STATION_TOKEN: 'Kq8-zP3x!w9LmV2' }, /ADMIN_TOKEN and STATION_TOKEN: must differ/);
  refused({ ADMIN_TOKEN: 'aaaaaaaaaaaaaaaa' }, /ADMIN_TOKEN: too weak, needs at least 8 different characters/);
  refused({ STATION_TOKEN: 'aaaaaaaa' }, /STATION_TOKEN: too weak/);
  refused({ ADMIN_TOKEN: 'abababababababab' }, /ADMIN_TOKEN: too weak/);
  refused({ ADMIN_TOKEN: 'abcdefghijklmnop' }, /ADMIN_TOKEN: too weak, a run/);
  refused({ STATION_TOKEN: '987654321' }, /STATION_TOKEN: too weak, a run/);
  refused({ ADMIN_TOKEN: 'Kq8-zP3x' }, /ADMIN_TOKEN: must be at least 12 characters/);
  // Strong ones pass: the test suite's, a generated one, a passphrase.
  const ok = loadConfig({ ADMIN_TOKEN: 'test-admin-token-0123456789', STATION_TOKEN: 'Kq8-zP3x!w9L' });
  assert.equal(ok.adminToken, 'test-admin-token-0123456789');
  assert.doesNotThrow(() => loadConfig({ ADMIN_TOKEN: 'correct horse battery staple', STATION_TOKEN: 'vL_3bQ9xZr2N8mTs4Yk0aJd7Hc1Wf6Ep5Gu' }));
});

test(
  'server: the same token for both stops the start (exit 2); so does STATION_TOKEN set to the admin token kept in the database',
  { timeout: 90_000 },
  async () => {
    const dir = tempDir();
    try {
      const same = startServerProcess(await freePort(), { DATA_DIR: dir, ADMIN_TOKEN: 'Kq8-zP3x!w9LmV2', STATION_TOKEN: 'Kq8-zP3x!w9LmV2' });
      await assert.rejects(same.ready);
      assert.equal(same.child.exitCode, 2);
      assert.match(same.output(), /ADMIN_TOKEN and STATION_TOKEN: must differ/);
      // First start makes the admin token and prints it; a second start told to use it for the stations refuses.
      const first = startServerProcess(await freePort(), { DATA_DIR: dir });
      await first.ready;
      const admin = /\/admin#token=([A-Za-z0-9_-]{43})/.exec(first.output())?.[1];
      await first.stop();
      assert.ok(admin, first.output());
      const copied = startServerProcess(await freePort(), { DATA_DIR: dir, STATION_TOKEN: admin });
      await assert.rejects(copied.ready);
      assert.equal(copied.child.exitCode, 2);
      assert.match(copied.output(), /must differ/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
