// Config: defaults, PostgreSQL/SQLite selection, one clear message per bad value, .env reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, readDotEnv, ConfigError } from '../../src/config.js';
import { projectRoot } from '../../src/paths.js';
import { localDate, localTime } from '../../src/time.js';
import { tempDir } from '../helpers/db.js';

test('defaults: SQLite in data/, Intel’s model with its calibrated rule (1:N, 1:1, rosters), Tashkent, admin disabled', () => {
  const c = loadConfig({});
  assert.deepEqual(c.database, { kind: 'sqlite', file: path.join(projectRoot, 'data', 'database.db') });
  assert.match(c.model.id, /^onnx-b02a658c705358dc-/);
  assert.equal(c.matchThreshold, 0.949);
  assert.equal(c.matchMargin, 0.04);
  assert.equal(c.verifyThreshold, 1.084);
  assert.deepEqual(
    c.rosterRules.map((r) => r.size),
    [30, 100],
  );
  assert.equal(c.lookalikeDistance, 0.909);
  assert.deepEqual(loadConfig({ ROSTER_SEARCH: 'false' }).rosterRules, []);
  assert.throws(() => loadConfig({ ROSTER_SEARCH: 'maybe' }), /ROSTER_SEARCH/);
  assert.equal(loadConfig({ FACE_MODEL: 'faceapi' }).matchThreshold, 0.45);
  assert.equal(loadConfig({ FACE_MODEL: 'faceapi' }).verifyThreshold, 0.475);
  // ONNX_INPUT / ONNX_CHIP describe one's own onnx:PATH file; they never change a model known by name.
  assert.equal(loadConfig({ ONNX_INPUT: 'rgb,127.5,127.5', ONNX_CHIP: 'arcface' }).model.id, c.model.id);
  assert.equal(c.timezone, 'Asia/Tashkent');
  assert.equal(c.adminToken, undefined);
  assert.equal(c.faceIdDocs, path.join(projectRoot, 'Face ID docs'));
  assert.equal(c.port, 8000);
  assert.ok(c.faceWorkers >= 1);
  assert.equal(c.indexBackend, 'bruteforce');
  assert.equal(c.hnswFrom, 2_000_000);
  assert.equal(c.hnswEf, 256);
});

test('DATABASE_URL selects PostgreSQL or a SQLite file', () => {
  assert.deepEqual(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/x' }).database, { kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/x' });
  assert.equal(loadConfig({ DATABASE_URL: 'postgresql://u@h/x' }).database.kind, 'postgres');
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.db' }).database, { kind: 'sqlite', file: '/tmp/x.db' });
  assert.deepEqual(loadConfig({ DATABASE_URL: 'var/my.sqlite' }).database, { kind: 'sqlite', file: path.join(projectRoot, 'var/my.sqlite') });
});

test('every bad value is reported by name in one error', () => {
  try {
    loadConfig({
      PORT: 'eighty',
      MATCH_THRESHOLD: '3',
      TIMEZONE: 'Mars/Olympus',
      FACE_WORKERS: '0',
      ADMIN_TOKEN: 'short',
      DATABASE_URL: 'mysql://x',
      HNSW_FROM: 'many',
      HNSW_EF: '3',
    });
    assert.fail('expected ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    const text = e.problems.join('\n');
    for (const name of ['PORT', 'MATCH_THRESHOLD', 'TIMEZONE', 'FACE_WORKERS', 'ADMIN_TOKEN', 'DATABASE_URL', 'HNSW_FROM', 'HNSW_EF'])
      assert.match(text, new RegExp(name));
    assert.equal(e.problems.length, 8);
  }
});

test('.env fills unset variables only', () => {
  const dir = tempDir();
  const file = path.join(dir, '.env');
  fs.writeFileSync(file, '# comment\nMATCH_THRESHOLD=0.4\nexport TIMEZONE="Europe/Moscow"\nPORT=9000\n');
  const env: Record<string, string | undefined> = { PORT: '9100' };
  readDotEnv(file, env);
  assert.deepEqual(env, { PORT: '9100', MATCH_THRESHOLD: '0.4', TIMEZONE: 'Europe/Moscow' });
  const c = loadConfig(env);
  assert.equal(c.port, 9100);
  assert.equal(c.matchThreshold, 0.4);
  fs.rmSync(dir, { recursive: true });
});

test('local date and time follow TIMEZONE, not UTC', () => {
  // 19:30 UTC is already the next day in Tashkent (UTC+5).
  const t = new Date('2026-06-01T19:30:00Z');
  assert.equal(localDate(t, 'Asia/Tashkent'), '2026-06-02');
  assert.equal(localTime(t, 'Asia/Tashkent'), '00:30:00');
  assert.equal(localDate(t, 'UTC'), '2026-06-01');
  assert.equal(localDate(t, 'America/New_York'), '2026-06-01');
});
