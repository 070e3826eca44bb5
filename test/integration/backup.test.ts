// Backup and restore (issue 27) with real faces and real databases: a backup taken by `npm run backup` while
// recognitions and a load run restores (`npm run restore`) into a database that serves the same students and passes;
// kill -9 during a backup leaves nothing under the target name; restore refuses a non-empty target, a corrupt file,
// a file that is not a database or not this app's, a backup of a newer version; scheduled backups keep the newest N,
// and only one instance makes each; PostgreSQL: pg_dump -Fc / pg_restore into a fresh database keeps every row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import SQLite from 'better-sqlite3';
import { FaceEngine } from '../../src/face/engine.js';
import { projectRoot } from '../../src/paths.js';
import { createDb } from '../../src/db/index.js';
import { loadStudents } from '../../src/students/loader.js';
import { rosterOf } from '../../src/context.js';
import { countsOf, inspectBackup, isPartialName, restoreBackup, writeBackup } from '../../src/backup/sqlite.js';
import { claimBackup, pruneBackups, SCHEDULED_NAME, startBackups } from '../../src/backup/schedule.js';
import { postgresDatabase, sqliteDatabase, tempDir, type TestDatabase } from '../helpers/db.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, studentRow, writeSheet, type IdPhoto, doorFrame } from '../helpers/students.js';
import type { PassAnswerJson } from '../helpers/answers.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServerProcess } from '../helpers/server-process.js';
import { freePort } from '../helpers/ports.js';

let engine: FaceEngine;
let people: IdPhoto[];
/** frames[i]: another picture of people[i] (the group photo's crop, not the enrolled one). */
const frames: Buffer[] = [];
let work: string;

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = await makeIdPhotos(engine, [3, 6]);
  for (const p of people.slice(0, 3)) frames.push(await doorFrame(engine, p));
  work = tempDir('efc-backup-');
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI of dist/src/cli with the settings in `env` (no .env of the developer's: a fresh cwd and explicit values). */
function cli(name: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<Run> & { pid: () => number } {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/cli', `${name}.js`), ...args], {
    env: { PATH: process.env.PATH ?? '', FACE_MODEL: 'faceapi', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(done, { pid: () => child.pid! });
}

const recognize = async (t: TestApp, frame: Buffer) =>
  (await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: frame.toString('base64') } })).json<PassAnswerJson>();

function countsOfFile(file: string) {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return countsOf(db);
  } finally {
    db.close();
  }
}

test('SQLite: a backup taken while recognitions and a load run restores into a database with the same students and passes; the same face names the same student', async () => {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' });
  const out = path.join(work, 'during-load.db');
  const restoredDir = path.join(work, 'restored-data');
  try {
    await enrol(t, engine, people.slice(0, 3), fs.mkdtempSync(path.join(work, 'e-')));
    const first = await recognize(t, frames[0]!);
    assert.equal(first.status, 'ok', JSON.stringify(first));
    const anna = first.student.id;

    // A second sheet: 150 rows of the other people's photos (written in transactions of 50), loaded while the camera
    // works and the backup runs.
    const dir = fs.mkdtempSync(path.join(work, 'l-'));
    fs.mkdirSync(path.join(dir, 'photos'));
    const rest = people.slice(3);
    for (const p of rest) fs.writeFileSync(path.join(dir, 'photos', `${p.key}.jpg`), p.bytes);
    const sheet = path.join(dir, 'list.xlsx');
    await writeSheet(
      sheet,
      Array.from({ length: 150 }, (_, i) => studentRow(100 + i, `${rest[i % rest.length]!.key}.jpg`, { Идентификатор: `0${800000000 + i}` })),
    );
    const loading = loadStudents({
      db: t.db,
      engine,
      roster: rosterOf(t.ctx),
      lookalikeRadius: t.ctx.config.lookalikeDistance,
      quality: t.ctx.config.enrolQuality,
      maxImageBytes: 15 << 20,
      source: sheet,
      fileLabel: sheet,
      photos: { photosDir: path.join(dir, 'photos'), faceIdDocs: dir },
      force: false,
      log: { info: () => {}, warn: () => {} },
    });
    let loadDone = false;
    void loading.then(() => (loadDone = true));
    let stop = false;
    const camera = (async () => {
      let n = 0;
      while (!stop) {
        const r = await recognize(t, frames[n++ % 3]!);
        assert.ok(r.student === undefined || r.student.id > 0, JSON.stringify(r));
        await new Promise((res) => setTimeout(res, 150)); // a door's pace: the load gets the engine in between
      }
      return n;
    })();
    // Once the load has written some rows: the backup, from another process, as an operator would run it.
    for (let i = 0; i < 2400; i++) {
      const c = await t.db
        .selectFrom('students')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(c.n) > 3) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(loadDone, false, 'the load wrote its first batch and goes on');
    const backup = await cli('backup', ['--out', out], { DATABASE_URL: `sqlite:${(tdb.config as { file: string }).file}` });
    assert.equal(loadDone, false, 'the load was still running when the backup finished');
    const loaded = await loading;
    stop = true;
    const recognitions = await camera;
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /Копия готова \/ backup written/);
    // Every student's personal data: the owner's only, whatever the umask.
    if (process.platform !== 'win32') assert.equal(fs.statSync(out).mode & 0o777, 0o600, 'the backup file is private');
    assert.ok(recognitions > 0);
    assert.equal(loaded.added, 150, JSON.stringify(loaded.rows.slice(0, 3)));

    // The copy: one valid file of this app, a snapshot somewhere inside the load.
    assert.deepEqual(
      fs.readdirSync(work).filter((n) => n.includes('during-load')),
      ['during-load.db'],
    );
    const info = inspectBackup(path.join(work, 'during-load.db'));
    assert.deepEqual(info.pending, []);
    const inBackup = countsOfFile(out);
    // Mid-load, and whole transactions only: the first 3 and some batches of 50, never part of one.
    assert.ok(inBackup.students > 3 && inBackup.students < 153, JSON.stringify(inBackup));
    assert.equal((inBackup.students - 3) % 50, 0, JSON.stringify(inBackup));
    assert.ok(inBackup.passes >= 1, JSON.stringify(inBackup));
    assert.equal(inBackup.students, info.students);

    const restored = await cli('restore', [out], { DATA_DIR: restoredDir });
    assert.equal(restored.code, 0, restored.stderr);
    if (process.platform !== 'win32') assert.equal(fs.statSync(path.join(restoredDir, 'database.db')).mode & 0o777, 0o600, 'the restored database is private');
    assert.match(
      restored.stdout,
      new RegExp(`студентов / students: ${inBackup.students}, лиц в индексе / faces in the index: \\d+, проходов / passes: ${inBackup.passes}`),
    );
    assert.match(restored.stdout, /npm start/);

    const r = await startApp({ config: { kind: 'sqlite', file: path.join(restoredDir, 'database.db') }, drop: () => Promise.resolve() }, engine);
    try {
      assert.deepEqual(countsOfFile(path.join(restoredDir, 'database.db')), inBackup);
      const studentsThen = await t.db.selectFrom('students').select(['id', 'matricula']).where('id', '<=', 3).orderBy('id').execute();
      const studentsNow = await r.db.selectFrom('students').select(['id', 'matricula']).where('id', '<=', 3).orderBy('id').execute();
      assert.deepEqual(studentsNow, studentsThen);
      assert.equal(r.ctx.index.size, inBackup.faces);
      const again = await recognize(r, frames[0]!);
      assert.equal(again.student?.id, anna, JSON.stringify(again));
      const photo = await r.db.selectFrom('student_photos').select('data').where('student_id', '=', anna).executeTakeFirstOrThrow();
      const photoThen = await t.db.selectFrom('student_photos').select('data').where('student_id', '=', anna).executeTakeFirstOrThrow();
      assert.ok(Buffer.from(photo.data).equals(Buffer.from(photoThen.data)), 'the enrolled photo came back byte for byte');
    } finally {
      await r.close();
    }
  } finally {
    await t.close();
    await tdb.drop();
  }
});

/** A database of this app made bigger with `mb` MB of random bytes (a copy that takes a moment). */
async function bigDatabase(file: string, mb: number): Promise<void> {
  const db = await createDb({ kind: 'sqlite', file });
  await db.destroy();
  const raw = new SQLite(file);
  raw.exec('create table filler (b blob)');
  const put = raw.prepare('insert into filler values (randomblob(1048576))');
  raw.transaction(() => {
    for (let i = 0; i < mb; i++) put.run();
  })();
  raw.close();
}

test('kill -9 during a backup leaves nothing under the target name; the temporary it leaves is refused by restore and swept by the next scheduled backup', async () => {
  const dir = fs.mkdtempSync(path.join(work, 'kill-'));
  const source = path.join(dir, 'data', 'database.db');
  await bigDatabase(source, 400);
  const target = path.join(dir, 'out');
  fs.mkdirSync(target);
  const out = path.join(target, 'efc-backup-2026-01-01T00-00-00.000Z.db');
  const run = cli('backup', ['--out', out], { DATABASE_URL: `sqlite:${source}` });
  // Killed as soon as the temporary appears, i.e. in the middle of the copy.
  const deadline = Date.now() + 30_000;
  while (fs.readdirSync(target).length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  process.kill(run.pid(), 'SIGKILL');
  const killed = await run;
  assert.equal(killed.signal, 'SIGKILL', `the backup finished before the kill: ${killed.stdout}`);
  const left = fs.readdirSync(target);
  assert.equal(fs.existsSync(out), false, 'nothing under the target name');
  assert.ok(left.length > 0 && left.every(isPartialName), left.join(', '));
  assert.ok(
    left.every((n) => n.startsWith('.') && !n.endsWith('.db')),
    'a hidden temporary that does not look like a backup',
  );

  const refused = await cli('restore', [path.join(target, left[0]!)], { DATA_DIR: path.join(dir, 'empty') });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /незаконченная копия/);

  // The next backup to the same folder writes its file; the schedule's pruning sweeps the dead temporary.
  const again = await writeBackup(source, out);
  assert.ok(again.bytes > 400 << 20);
  assert.deepEqual(pruneBackups(target, 7), left);
  assert.deepEqual(fs.readdirSync(target), [path.basename(out)]);
});

test('restore refuses a non-empty target, a corrupt file, a non-database, another app’s database, a newer version’s backup — each with a clear message — and writes nothing', async () => {
  const dir = fs.mkdtempSync(path.join(work, 'refuse-'));
  const source = path.join(dir, 'src', 'database.db');
  const db = await createDb({ kind: 'sqlite', file: source });
  const now = new Date().toISOString();
  await db
    .insertInto('students')
    .values({
      matricula: '001',
      lastname: 'Иванова',
      firstname: 'Анна',
      lotin: null,
      short: null,
      group: 'G',
      identifier: 'I1',
      date_of_birth: null,
      passport_number: null,
      file_path: null,
      embedding_model: 'none',
      face_quality: null,
      embedding: new Uint8Array(0),
      face_score: 0,
      face_width: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db.destroy();
  const good = path.join(dir, 'good.db');
  await writeBackup(source, good);

  // A target that holds a database (with a student): refused, untouched.
  const busy = await cli('restore', [good], { DATABASE_URL: `sqlite:${source}` });
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, /только в пустую папку данных.*уже существует \(в ней студентов: 1, проходов: 0\).*Restore only into an empty data folder/);

  const attempt = async (file: string, pattern: RegExp) => {
    const target = path.join(dir, `t-${path.basename(file)}`, 'database.db');
    await assert.rejects(restoreBackup(file, target), pattern);
    assert.deepEqual(fs.existsSync(path.dirname(target)) ? fs.readdirSync(path.dirname(target)) : [], [], 'nothing left in the data folder');
  };
  // Corrupt: pages in the middle overwritten.
  const corrupt = path.join(dir, 'corrupt.db');
  fs.copyFileSync(good, corrupt);
  const bytes = fs.readFileSync(corrupt);
  bytes.fill(0x5a, 4096 * 2, bytes.length - 4096);
  fs.writeFileSync(corrupt, bytes);
  await attempt(corrupt, /повреждена.*corrupt|не открывается/);
  // Cut short (a copy interrupted by hand, or a truncated download).
  const cut = path.join(dir, 'cut.db');
  fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 8192));
  await attempt(cut, /повреждена|не открывается|нет таблиц/);
  // Not a database at all.
  const text = path.join(dir, 'notes.db');
  fs.writeFileSync(text, 'это не база\n');
  await attempt(text, /не база SQLite.*Not an SQLite database/);
  const notThere = await cli('restore', [path.join(dir, 'missing.db')], { DATA_DIR: path.join(dir, 'm') });
  assert.equal(notThere.code, 1);
  assert.match(notThere.stderr, /Файла .*missing\.db нет/);
  // Another application's SQLite database.
  const other = path.join(dir, 'other.db');
  const o = new SQLite(other);
  o.exec('create table notes (t text)');
  o.close();
  await attempt(other, /не база exam-face-checkin/);
  // A backup of a newer version (a migration this one does not know).
  const newer = path.join(dir, 'newer.db');
  fs.copyFileSync(good, newer);
  const n = new SQLite(newer);
  n.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('0099_future', now);
  n.close();
  await attempt(newer, /более новой версией программы.*0099_future/);
  // Someone else's trigger (a face planted again on every load; an audit row silenced) or a view in place of a table.
  const trigger = path.join(dir, 'trigger.db');
  fs.copyFileSync(good, trigger);
  const tr = new SQLite(trigger);
  tr.exec('create trigger plant after update on students begin update students set embedding = (select embedding from students where id = 1); end');
  tr.close();
  await attempt(trigger, /чего программа не создаёт \(trigger plant\).*triggers or views/);
  const view = path.join(dir, 'view.db');
  fs.copyFileSync(good, view);
  const vw = new SQLite(view);
  vw.exec('alter table passes rename to passes_real; create view passes as select * from passes_real');
  vw.close();
  await attempt(view, /чего программа не создаёт \(view passes\)/);
  // And the good one restores, with its student.
  const ok = await cli('restore', [good], { DATA_DIR: path.join(dir, 'fresh') });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /студентов \/ students: 1, лиц в индексе \/ faces in the index: 0, проходов \/ passes: 0/);
  assert.match(ok.stdout, /без фото \/ without a photo: 1/);
  // The bad inputs of the CLIs themselves.
  const noOut = await cli('backup', [], { DATABASE_URL: `sqlite:${source}` });
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /Укажите, куда писать копию/);
  const exists = await cli('backup', ['--out', good], { DATABASE_URL: `sqlite:${source}` });
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /Файл уже есть/);
  // The live database's own -wal / -journal (absent while the server is stopped) are not a backup's name.
  for (const companion of ['-wal', '-journal', '-shm']) {
    const onLive = await cli('backup', ['--out', `${source}${companion}`], { DATABASE_URL: `sqlite:${source}` });
    assert.equal(onLive.code, 1, companion);
    assert.match(onLive.stderr, /не может заменить саму базу или её файлы/);
  }
  const onPg = await cli('restore', [good], { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
  assert.equal(onPg.code, 2);
  assert.match(onPg.stderr, /pg_restore/);
});

test('scheduled backups: timestamped names, only the newest BACKUP_KEEP kept (other files untouched), never two at once; one instance per period claims it', async () => {
  const dir = fs.mkdtempSync(path.join(work, 'sched-'));
  const source = path.join(dir, 'data', 'database.db');
  const db = await createDb({ kind: 'sqlite', file: source });
  try {
    const backups = path.join(dir, 'backups');
    fs.mkdirSync(backups);
    fs.writeFileSync(path.join(backups, 'notes.txt'), 'keep me');
    fs.writeFileSync(path.join(backups, '.efc-backup-2020-01-01T00-00-00.000Z.db.partial-4194399'), 'half'); // its writer is gone
    // A temporary whose writer is alive (another instance, a manual backup into this folder) is left to it.
    const inFlight = `.efc-backup-2020-01-01T00-00-01.000Z.db.partial-${process.pid}`;
    fs.writeFileSync(path.join(backups, inFlight), 'being written');
    let now = Date.parse('2026-03-01T08:00:00Z');
    const done: string[] = [];
    const job = startBackups({
      source,
      dir: backups,
      everyMs: 3_600_000,
      keep: 3,
      firstAfterMs: 3_600_000,
      clock: () => new Date(now),
      onDone: (r) => done.push(path.basename(r.file)),
    });
    try {
      // Two calls at once share one run.
      const [a, b] = await Promise.all([job.runNow(), job.runNow()]);
      assert.equal(a, b);
      for (let i = 0; i < 4; i++) {
        now += 3_600_000;
        await job.runNow();
      }
    } finally {
      job.stop();
    }
    assert.equal(done.length, 5);
    assert.ok(
      done.every((n) => SCHEDULED_NAME.test(n)),
      done.join(', '),
    );
    assert.deepEqual(done.slice(0, 2), ['efc-backup-2026-03-01T08-00-00.000Z.db', 'efc-backup-2026-03-01T09-00-00.000Z.db']);
    assert.deepEqual(fs.readdirSync(backups).sort(), [...done.slice(2), 'notes.txt', inFlight].sort());
    fs.rmSync(path.join(backups, inFlight));
    for (const n of done.slice(2)) assert.deepEqual(inspectBackup(path.join(backups, n)).pending, []);

    // The timer: a period of 150 ms, the first at once; the instance that claims first makes it.
    const timed = path.join(dir, 'timed');
    const seen: string[] = [];
    const t = startBackups({ source, dir: timed, everyMs: 150, keep: 2, firstAfterMs: 0, db, onDone: (r) => seen.push(r.file) });
    try {
      for (let i = 0; i < 200 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 25));
    } finally {
      t.stop();
    }
    assert.ok(seen.length >= 4, `${seen.length} timed backups`);
    await new Promise((r) => setTimeout(r, 300)); // a run in flight when stopped finishes and prunes
    assert.equal(fs.readdirSync(timed).filter((n) => SCHEDULED_NAME.test(n)).length, 2);

    // Without firstAfterMs: a minute after start, or a period after the newest backup in the folder if later.
    const startAt = Date.parse('2026-03-01T12:30:00Z');
    const fresh = startBackups({ source, dir: backups, everyMs: 3_600_000, keep: 3, clock: () => new Date(startAt) });
    fresh.stop();
    assert.equal(fresh.nextAt().toISOString(), '2026-03-01T13:00:00.000Z', 'the newest is 12:00: the next at 13:00');
    const empty = startBackups({ source, dir: path.join(dir, 'none'), everyMs: 3_600_000, keep: 3, clock: () => new Date(startAt) });
    empty.stop();
    assert.equal(empty.nextAt().toISOString(), '2026-03-01T12:31:00.000Z', 'no backup yet: a minute after start');

    // Two instances on one database: in a period only the first claim succeeds.
    const at = new Date('2027-01-01T00:00:00Z');
    assert.equal(await claimBackup(db, at, 3_600_000), true);
    assert.equal(await claimBackup(db, new Date(at.getTime() + 1000), 3_600_000), false);
    assert.equal(await claimBackup(db, new Date(at.getTime() + 3_600_000), 3_600_000), true);
  } finally {
    await db.destroy();
  }
});

test('BACKUP_* settings: parsed like the others; a schedule without a folder, on PostgreSQL, or a bad number is refused with the reason', () => {
  assert.deepEqual(loadConfig({}).backup, { dir: undefined, everyH: 0, keep: 7 });
  const c = loadConfig({ BACKUP_DIR: '/srv/efc-backups', BACKUP_EVERY_H: '6', BACKUP_KEEP: '14' });
  assert.deepEqual(c.backup, { dir: '/srv/efc-backups', everyH: 6, keep: 14 });
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && e.problems.some((p) => pattern.test(p)),
    );
  refused({ BACKUP_EVERY_H: '6' }, /BACKUP_EVERY_H: задайте и BACKUP_DIR/);
  refused({ BACKUP_EVERY_H: '6', BACKUP_DIR: '/b', DATABASE_URL: 'postgres://postgres@127.0.0.1/efc' }, /на PostgreSQL .*pg_dump из cron/);
  refused({ BACKUP_KEEP: '0' }, /BACKUP_KEEP="0": expected an integer from 1/);
  refused({ BACKUP_EVERY_H: 'daily' }, /BACKUP_EVERY_H="daily"/);
});

test('the server makes the scheduled backups itself (BACKUP_EVERY_H), answers meanwhile, and keeps BACKUP_KEEP of them', async () => {
  const dir = fs.mkdtempSync(path.join(work, 'server-'));
  const backups = path.join(dir, 'backups');
  // 0.0005 h = 1.8 s between backups.
  const server = startServerProcess(await freePort(), {
    DATA_DIR: path.join(dir, 'data'),
    FACE_MODEL: 'faceapi',
    BACKUP_DIR: backups,
    BACKUP_EVERY_H: '0.0005',
    BACKUP_KEEP: '2',
  });
  try {
    await server.ready;
    const deadline = Date.now() + 30_000;
    while ((server.output().match(/"msg":"backup"/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok((server.output().match(/"msg":"backup"/g) ?? []).length >= 3, server.output());
    const health = await fetch(`${server.base}/api/health`);
    assert.equal(health.status, 200);
  } finally {
    await server.stop();
  }
  const kept = fs.readdirSync(backups).filter((n) => SCHEDULED_NAME.test(n));
  assert.equal(kept.length, 2, fs.readdirSync(backups).join(', '));
  for (const n of kept) assert.deepEqual(inspectBackup(path.join(backups, n)).pending, []);
});

test('PostgreSQL: pg_dump -Fc and pg_restore into a fresh database keep every student, photo and pass; the same face names the same student', async (t) => {
  const version = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    t.skip(`pg_dump не найден (установите клиент PostgreSQL) / pg_dump not found: ${version.error?.message ?? version.stderr}`);
    return;
  }
  const src: TestDatabase = await postgresDatabase();
  const dst: TestDatabase = await postgresDatabase();
  const dump = path.join(work, 'efc.dump');
  try {
    const a = await startApp(src, engine, { TIMEZONE: 'Asia/Tashkent' });
    let anna: number;
    const tables = ['students', 'student_photos', 'passes', 'attempts', 'lookalikes', 'meta'] as const;
    const counts: Record<string, number> = {};
    try {
      await enrol(a, engine, people.slice(0, 3), fs.mkdtempSync(path.join(work, 'pg-')));
      const first = await recognize(a, frames[0]!);
      assert.equal(first.status, 'ok', JSON.stringify(first));
      anna = first.student.id;
      for (const table of tables)
        counts[table] = Number(
          (
            await a.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
    } finally {
      await a.close();
    }
    const url = (d: TestDatabase) => (d.config as { url: string }).url;
    const dumped = spawnSync('pg_dump', ['-Fc', '-f', dump, url(src)], { encoding: 'utf8' });
    assert.equal(dumped.status, 0, dumped.stderr);
    const restored = spawnSync('pg_restore', ['--no-owner', '--no-privileges', '-d', url(dst), dump], { encoding: 'utf8' });
    assert.equal(restored.status, 0, restored.stderr);

    const b = await startApp(dst, engine, { TIMEZONE: 'Asia/Tashkent' });
    try {
      for (const table of tables) {
        const n = Number(
          (
            await b.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
        assert.equal(n, counts[table], table);
      }
      assert.equal(counts.students, 3);
      assert.equal(counts.passes, 1);
      assert.equal(b.ctx.index.size, 3);
      const again = await recognize(b, frames[0]!);
      assert.equal(again.student?.id, anna, JSON.stringify(again));
    } finally {
      await b.close();
    }
  } finally {
    await src.drop();
    await dst.drop();
  }
});
