// Test databases: a temp SQLite file, or a fresh PostgreSQL database dropped afterwards (no mocks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config.js';

/** Where the real PostgreSQL is (CI and this machine: trust auth on 127.0.0.1). */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export function tempDir(prefix = 'efc-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sqliteDatabase(): Promise<TestDatabase> {
  const dir = tempDir();
  return Promise.resolve({
    config: { kind: 'sqlite', file: path.join(dir, 'database.db') },
    drop: () => {
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
}

export async function postgresDatabase(): Promise<TestDatabase> {
  const name = `efc_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        // pg-pool's end() resolves before its sockets close: a forced drop would then kill live backends
        // ("terminating connection due to administrator command" in a test). Wait up to 5 s for them.
        for (let i = 0; i < 250; i++) {
          const r = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (r.rows[0]!.n === 0) break;
          await new Promise((res) => setTimeout(res, 20));
        }
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export const databaseKinds: { name: string; make: () => Promise<TestDatabase> }[] = [
  { name: 'SQLite', make: sqliteDatabase },
  { name: 'PostgreSQL', make: postgresDatabase },
];
