// createDb(config) → Kysely<Database> on SQLite (better-sqlite3) or PostgreSQL (pg), migrated.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrate.js';
import type { DbKind } from './kind.js';

export type Db = Kysely<Database>;
export type { DbKind } from './kind.js';

// PostgreSQL bigint (COUNT(*), bigserial) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number(v));

export function connect(database: DatabaseConfig): Db {
  if (database.kind === 'postgres') {
    return new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 10 }) }),
    });
  }
  if (database.file !== ':memory:') fs.mkdirSync(path.dirname(database.file), { recursive: true });
  const sqlite = new SQLite(database.file);
  // WAL lets readers run while the loader writes; busy_timeout makes concurrent writers wait, not fail.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // Deleted rows (an erased student's photo, a swept frame) are overwritten with zeros, not left in free pages.
  sqlite.pragma('secure_delete = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/**
 * After an erasure: on SQLite the zeroed pages are written into the database file and the WAL emptied, so no copy of
 * the deleted bytes stays in either file. (PostgreSQL keeps dead rows until VACUUM FULL rewrites the table: README.)
 */
export async function flushDeleted(db: Db, kind: DbKind): Promise<void> {
  if (kind === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
}

/** Opens the database and brings its schema to the latest migration. */
export async function createDb(database: DatabaseConfig): Promise<Db> {
  const db = connect(database);
  try {
    await migrateToLatest(db, database.kind);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return db;
}

export async function pingDb(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
