// Backup and restore of the SQLite database (photos and descriptors live in it, so the file is the whole backup):
// writeBackup() copies a consistent snapshot with SQLite's online backup API into a temporary name beside the target,
// checks it, fsyncs it and renames it into place (a kill leaves only a `.…partial-PID` file, never a half backup
// under the target name); inspectBackup() tells whether a file is a sound backup of this app; restoreBackup() puts
// one into an empty data folder and upgrades its schema.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { migrateToLatest, knownMigrations } from '../db/migrate.js';
import { connect, type Db } from '../db/index.js';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Kysely's migrations table: a backup of this app has it, with names this app knows. */
const MIGRATION_TABLE = 'kysely_migration';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  students: number;
  passes: number;
}

/** The temporary name a backup is written under, in the target's folder: hidden and never ending in `.db`. */
/** Tables a backup of this app must hold as tables (not views). */
const APP_TABLES = ['students', 'student_photos', 'passes', 'attempts', 'meta'];

/** A backup or a restored database can be read by its owner only: it holds every student's personal data. */
export const PRIVATE_FILE = 0o600;

export function partialName(out: string): string {
  return path.join(path.dirname(out), `.${path.basename(out)}.partial-${process.pid}`);
}

/** Whether a file name is a temporary of an unfinished backup (partialName). */
export const isPartialName = (name: string): boolean => /^\..*\.partial-\d+(?:-wal|-shm|-journal)?$/.test(path.basename(name));

function fsyncPath(p: string, dir = false): void {
  const fd = fs.openSync(p, dir ? 'r' : 'r+');
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    // Some file systems (and Windows) refuse fsync on a directory: the file itself was synced.
    if (!dir) throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** Counts of what a database holds (students, faces = enrolled students with a face + added photos, passes). */
export function countsOf(db: SQLite.Database): { students: number; faces: number; passes: number } {
  const one = (q: string) => (db.prepare(q).get() as { n: number }).n;
  return {
    students: one('select count(*) as n from students'),
    faces: one(`select (select count(*) from students where embedding_model <> 'none') + (select count(*) from student_faces) as n`),
    passes: one('select count(*) as n from passes'),
  };
}

/**
 * Copies the database `source` (the live file; the server may be writing) to `out` as one self-contained file.
 * The pages are copied in a single step of the backup API, i.e. inside one read transaction: a consistent snapshot
 * that concurrent writers (WAL) neither wait for nor restart. Run it off the server's event loop (backup/worker.ts).
 */
export async function writeBackup(source: string, out: string): Promise<BackupResult> {
  const t0 = performance.now();
  if (!fs.existsSync(source)) throw new BackupError(`Файла базы нет: ${source} / The database file does not exist`);
  const dir = path.dirname(out);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new BackupError(`Папки для копии нет: ${dir} / The target folder does not exist`);
  const live = path.resolve(source);
  if (path.resolve(out) === live || path.resolve(out).startsWith(`${live}-`))
    throw new BackupError(
      'Копия не может заменить саму базу или её файлы -wal, -shm, -journal / The backup cannot overwrite the database or its -wal/-shm/-journal',
    );
  if (isPartialName(out)) throw new BackupError(`${path.basename(out)}: так называются незаконченные копии — выберите другое имя / Choose another name`);
  if (fs.existsSync(out)) throw new BackupError(`Файл уже есть: ${out} — выберите другое имя / The file already exists: choose another name`);
  const tmp = partialName(out);
  fs.rmSync(tmp, { force: true });
  // Passports, birth dates and faces: the copy is the owner's only (SQLite keeps an existing file's mode). Created
  // exclusively: a link planted under the temporary's name is never followed.
  fs.closeSync(fs.openSync(tmp, 'wx', PRIVATE_FILE));
  fs.chmodSync(tmp, PRIVATE_FILE);
  let src: SQLite.Database | undefined;
  try {
    src = new SQLite(source, { fileMustExist: true });
    src.pragma('busy_timeout = 5000');
    // The first call of `progress` comes after a 0-page step; returning the whole range copies every page at once.
    await src.backup(tmp, { progress: () => 0x7fffffff });
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new BackupError(`Копирование базы не удалось: ${(e as Error).message} / Backup failed`);
  } finally {
    src?.close();
  }
  let counts: { students: number; passes: number };
  try {
    const copy = new SQLite(tmp, { fileMustExist: true });
    try {
      // One file, no -wal beside it: the copy leaves WAL mode (restore turns it on again).
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('quick_check', { simple: true }) as string;
      if (check !== 'ok') throw new BackupError(`Копия не прошла проверку: ${check} / The copy failed its check`);
      try {
        counts = countsOf(copy);
      } catch (e) {
        throw new BackupError(`${source} — не база exam-face-checkin (${(e as Error).message}) / Not a database of this app`);
      }
    } finally {
      copy.close();
    }
    fsyncPath(tmp);
    fs.renameSync(tmp, out);
    fsyncPath(dir, true);
  } catch (e) {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) fs.rmSync(f, { force: true });
    throw e;
  }
  return { file: out, bytes: fs.statSync(out).size, ms: performance.now() - t0, ...counts };
}

export interface BackupInfo {
  /** Applied migrations, and those this app has that the backup lacks (applied at restore). */
  migrations: string[];
  pending: string[];
  students: number;
  faces: number;
  passes: number;
}

/**
 * Checks that `file` is a sound database of this app: SQLite's header, `PRAGMA integrity_check`, the migrations
 * table with only migrations this app knows. Opens it read-write (WAL files of a live database are honoured), so
 * pass a copy, never the user's backup itself (restoreBackup does).
 */
export function inspectBackup(file: string, label = path.basename(file)): BackupInfo {
  const name = label;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new BackupError(`Файла ${file} нет / No such file`);
  }
  if (!st.isFile()) throw new BackupError(`${file} — не файл / Not a file`);
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) throw new BackupError(`${name} — не база SQLite (не резервная копия) / Not an SQLite database, not a backup`);
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { fileMustExist: true });
    // Nothing the file's schema defines may run as a side effect of reading it.
    db.pragma('trusted_schema = OFF');
  } catch (e) {
    throw new BackupError(`${name}: база не открывается (${(e as Error).message}) / The database cannot be opened`);
  }
  try {
    let check: string;
    try {
      check = (db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    } catch (e) {
      throw new BackupError(`${name}: база повреждена (${(e as Error).message}) / The database is corrupt`);
    }
    if (check !== 'ok') throw new BackupError(`${name}: база повреждена: ${check.slice(0, 300)} / The database is corrupt (integrity_check)`);
    // The app defines no trigger and no view: one in a backup was put there by someone else (a trigger on students
    // could plant another face on every load, one on audit_log could silence it). Such a file is refused.
    const foreign = db.prepare(`select type, name from sqlite_master where type in ('trigger', 'view')`).all() as { type: string; name: string }[];
    if (foreign.length > 0)
      throw new BackupError(
        `${name}: в базе есть то, чего программа не создаёт (${foreign
          .slice(0, 5)
          .map((f) => `${f.type} ${f.name}`)
          .join(', ')}) — такую копию не восстанавливаем / The file holds triggers or views the app never creates: refused`,
      );
    const hasTable = db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(MIGRATION_TABLE) !== undefined;
    if (!hasTable) throw new BackupError(`${name}: это не база exam-face-checkin (нет таблицы миграций) / Not a database of this app (no migrations table)`);
    const applied = (db.prepare(`select name from ${MIGRATION_TABLE} order by name`).all() as { name: string }[]).map((r) => r.name);
    const known = knownMigrations();
    const unknown = applied.filter((m) => !known.includes(m));
    if (unknown.length > 0)
      throw new BackupError(
        `${name}: копия сделана более новой версией программы (миграции ${unknown.join(', ')}) — обновите программу / The backup is from a newer version: update the app first`,
      );
    const tables = new Set((db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]).map((r) => r.name));
    if (applied.length === 0 || !APP_TABLES.every((t) => tables.has(t)))
      throw new BackupError(`${name}: в базе нет таблиц программы / The database has none of the app's tables`);
    return { migrations: applied, pending: known.filter((m) => !applied.includes(m)), ...countsOf(db) };
  } finally {
    db.close();
  }
}

/** What stands in the way of a restore into `target`: undefined when the place is free. */
export function targetProblem(target: string): string | undefined {
  // A stale -journal beside the restored file would be rolled into it as a hot journal on the first open.
  const present = [target, `${target}-wal`, `${target}-journal`, `${target}-shm`].filter((f) => fs.existsSync(f));
  if (present.length === 0) return undefined;
  let held = '';
  try {
    const db = new SQLite(target, { readonly: true, fileMustExist: true });
    try {
      const c = countsOf(db);
      held = ` (в ней студентов: ${c.students}, проходов: ${c.passes})`;
    } finally {
      db.close();
    }
  } catch {
    // Not readable as our database: it is still in the way.
  }
  return (
    `Восстановление только в пустую папку данных: база ${target} уже существует${held}. ` +
    `Остановите сервер и переместите её (и файлы -wal, -shm) в другое место, или задайте другой DATA_DIR. / ` +
    `Restore only into an empty data folder: the database already exists — stop the server and move it away (with -wal, -shm), or set another DATA_DIR.`
  );
}

/**
 * Restores `backup` as the database `target` (which must not exist): copies it to a temporary name beside the
 * target, checks the copy (inspectBackup), renames it into place and runs this app's migrations on it. Returns the
 * database, migrated, open (the caller rebuilds the index and closes it).
 */
export async function restoreBackup(backup: string, target: string): Promise<{ db: Db; info: BackupInfo; applied: string[] }> {
  if (!fs.existsSync(backup)) throw new BackupError(`Файла ${backup} нет / No such file`);
  if (isPartialName(backup)) throw new BackupError(`${path.basename(backup)} — незаконченная копия (прерванное копирование) / An unfinished backup`);
  const problem = targetProblem(target);
  if (problem) throw new BackupError(problem);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = partialName(target);
  fs.rmSync(tmp, { force: true });
  let info: BackupInfo;
  try {
    fs.copyFileSync(backup, tmp);
    fs.chmodSync(tmp, PRIVATE_FILE);
    for (const ext of ['-wal', '-shm']) fs.rmSync(`${tmp}${ext}`, { force: true });
    info = inspectBackup(tmp, path.basename(backup));
    // Back to one file, then synced and renamed: a kill leaves no half database under the target name.
    const copy = new SQLite(tmp, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fsyncPath(tmp);
    if (targetProblem(target)) throw new BackupError(targetProblem(target)!);
    fs.renameSync(tmp, target);
    fsyncPath(path.dirname(target), true);
  } catch (e) {
    for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
    throw e;
  }
  const db = connect({ kind: 'sqlite', file: target });
  try {
    const applied = await migrateToLatest(db, 'sqlite');
    return { db, info, applied };
  } catch (e) {
    await db.destroy();
    throw new BackupError(`Обновление схемы восстановленной базы не удалось: ${(e as Error).message} / Migrating the restored database failed`);
  }
}
