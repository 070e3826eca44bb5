// Scheduled backups inside the server (SQLite only): every BACKUP_EVERY_H hours a timestamped copy in BACKUP_DIR,
// written in a worker thread (backup/worker.ts), and only the newest BACKUP_KEEP copies are kept.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Db } from '../db/index.js';
import type { BackupResult } from './sqlite.js';
import { isPartialName } from './sqlite.js';
import type { BackupJob, BackupReply } from './worker.js';

const workerUrl = new URL('./worker.js', import.meta.url);

/** `efc-backup-2026-12-06T07-30-00.123Z.db` (UTC, to the millisecond): the names sort by time. */
export const SCHEDULED_NAME = /^efc-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z\.db$/;

export function scheduledName(at: Date): string {
  return `efc-backup-${at.toISOString().replace(/:/g, '-')}.db`;
}

/** When the newest scheduled backup in `dir` was taken (from its name), if there is one. */
export function newestBackupAt(dir: string): Date | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => SCHEDULED_NAME.test(n));
  } catch {
    return undefined;
  }
  const newest = names.sort().at(-1);
  if (newest === undefined) return undefined;
  const at = new Date(newest.slice('efc-backup-'.length, -'.db'.length).replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3'));
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** Runs writeBackup() in a fresh worker thread (the caller's event loop stays free). */
export function backupInWorker(source: string, out: string): Promise<BackupResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { source, out } satisfies BackupJob });
    let settled = false;
    worker.once('message', (reply: BackupReply) => {
      settled = true;
      if ('done' in reply) resolve(reply.done);
      else reject(new Error(reply.error));
      void worker.terminate();
    });
    worker.once('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`backup worker exited with code ${code}`));
      settled = true;
    });
  });
}

/** Deletes all but the newest `keep` scheduled backups in `dir`, and temporaries a killed backup left; returns the deleted names. */
export function pruneBackups(dir: string, keep: number): string[] {
  const names = fs.readdirSync(dir);
  const ours = names.filter((n) => SCHEDULED_NAME.test(n)).sort();
  // A temporary is swept only when the process writing it is gone (another instance or a manual backup may be at work).
  const dead = (n: string) => {
    const pid = Number(/\.partial-(\d+)/.exec(n)?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0) return true;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code !== 'EPERM';
    }
  };
  const gone = [...ours.slice(0, Math.max(0, ours.length - keep)), ...names.filter((n) => isPartialName(n) && n.startsWith('.efc-backup-') && dead(n))];
  for (const n of gone) fs.rmSync(path.join(dir, n), { force: true });
  return gone;
}

const CLAIM_KEY = 'backup_claimed_at';

/**
 * Several instances may share one SQLite file: the one that moves the recorded claim forward (a conditional update,
 * atomic in the database) makes the backup; the others skip it. A claim younger than half a period stands.
 */
export async function claimBackup(db: Db, at: Date, everyMs: number): Promise<boolean> {
  await db
    .insertInto('meta')
    .values({ key: CLAIM_KEY, value: new Date(0).toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const r = await db
    .updateTable('meta')
    .set({ value: at.toISOString() })
    .where('key', '=', CLAIM_KEY)
    .where('value', '<=', new Date(at.getTime() - everyMs / 2).toISOString())
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface BackupJobHandle {
  /** When the next scheduled backup runs. */
  nextAt(): Date;
  /** Backs up now (also what the timer does); never two at once. */
  runNow(): Promise<BackupResult>;
  stop(): void;
}

export interface BackupSchedule {
  source: string;
  dir: string;
  everyMs: number;
  keep: number;
  /** With several instances on one database: the timer's backup runs only in the one that claims it (claimBackup). */
  db?: Db;
  /**
   * The first backup this long after start (default: a minute — or one period if shorter — or a period after the newest backup in `dir` if that
   * is later — restarts do not multiply backups, nor postpone them for ever).
   */
  firstAfterMs?: number;
  clock?: () => Date;
  onDone?: (r: BackupResult, pruned: string[]) => void;
  onError?: (e: unknown) => void;
}

export function startBackups(s: BackupSchedule): BackupJobHandle {
  const clock = s.clock ?? (() => new Date());
  const newest = s.firstAfterMs === undefined ? newestBackupAt(s.dir) : undefined;
  let next = new Date(Math.max(clock().getTime() + (s.firstAfterMs ?? Math.min(60_000, s.everyMs)), newest ? newest.getTime() + s.everyMs : 0));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<BackupResult> | undefined;
  let stopped = false;

  const runNow = (): Promise<BackupResult> => {
    running ??= (async () => {
      try {
        fs.mkdirSync(s.dir, { recursive: true, mode: 0o700 });
        const out = path.join(s.dir, scheduledName(clock()));
        const r = await backupInWorker(s.source, out);
        s.onDone?.(r, pruneBackups(s.dir, s.keep));
        return r;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const arm = () => {
    if (stopped) return;
    timer = setTimeout(
      () =>
        void (async () => (s.db && !(await claimBackup(s.db, clock(), s.everyMs)) ? undefined : runNow()))()
          .catch((e: unknown) => s.onError?.(e))
          .finally(() => {
            next = new Date(clock().getTime() + s.everyMs);
            arm();
          }),
      Math.max(0, next.getTime() - clock().getTime()),
    );
    timer.unref();
  };
  arm();
  return {
    nextAt: () => next,
    runNow,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
