// One schedule write at a time across every process on the database: the overlap check reads the stored
// sittings and must still hold when its rows are written, or two imports at once double-book a room.
// PostgreSQL: a transaction-level advisory lock; SQLite: BEGIN IMMEDIATE (the database's write lock).
import { sql } from 'kysely';
import type { Db, DbKind } from '../db/index.js';
import { AppError } from '../errors.js';

/** The advisory lock's key: any constant no other code of the application uses. */
const SCHEDULE_LOCK_KEY = 0x5c4ed01e;

/** How long a second import waits for the first one before it gives up with 409. */
export const SCHEDULE_LOCK_WAIT_MS = 120_000;

/** SQLite: how often a waiting import tries the write lock again (each try returns at once). */
const SQLITE_RETRY_MS = 100;

const busy = () =>
  new AppError(
    'conflict',
    'Расписание сейчас загружает другой сервер или команда load-schedule: повторите загрузку, когда она закончится',
    'schedule write lock not acquired in time',
  );

/**
 * Runs `work` in one transaction that no other schedule import runs alongside. A second import (another
 * server on the same database, or the CLI) waits for the first, then reads the sittings it wrote.
 */
export function inScheduleTransaction<T>(db: Db, kind: DbKind, work: (trx: Db) => Promise<T>): Promise<T> {
  return kind === 'postgres' ? onPostgres(db, work) : onSqlite(db, work);
}

function onPostgres<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db
    .transaction()
    .execute(async (trx) => {
      // lock_timeout bounds the wait for the advisory lock too; the lock goes with the transaction's end.
      await sql`select set_config('lock_timeout', ${`${SCHEDULE_LOCK_WAIT_MS}ms`}, true)`.execute(trx);
      await sql`select pg_advisory_xact_lock(${SCHEDULE_LOCK_KEY})`.execute(trx);
      return work(trx);
    })
    .catch((e: unknown) => {
      if ((e as { code?: unknown })?.code === '55P03') throw busy();
      throw e;
    });
}

const sqliteBusy = (e: unknown) => {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/**
 * BEGIN IMMEDIATE takes the write lock before the first read, so a second writer waits rather than reading
 * sittings that are about to change. better-sqlite3 would wait for it synchronously (busy_timeout, the whole
 * event loop with it), so the lock is tried without waiting and tried again on a timer.
 */
async function onSqlite<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  const deadline = Date.now() + SCHEDULE_LOCK_WAIT_MS;
  for (;;) {
    const outcome = await db.connection().execute(async (conn) => {
      const { rows } = await sql<Record<string, unknown>>`pragma busy_timeout`.execute(conn);
      const timeout = Number(Object.values(rows[0] ?? {})[0] ?? 0);
      await sql`pragma busy_timeout = 0`.execute(conn);
      try {
        await sql`begin immediate`.execute(conn);
      } catch (e) {
        if (sqliteBusy(e)) return { busy: true as const };
        throw e;
      } finally {
        await sql.raw(`pragma busy_timeout = ${timeout}`).execute(conn);
      }
      try {
        const value = await work(conn);
        await sql`commit`.execute(conn);
        return { value };
      } catch (e) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw e;
      }
    });
    if (!('busy' in outcome)) return outcome.value;
    if (Date.now() > deadline) throw busy();
    await new Promise((resolve) => setTimeout(resolve, SQLITE_RETRY_MS));
  }
}
