// `npm run backup -- --out FILE`: a consistent copy of the SQLite database (students, their photos and descriptors,
// passes, everything) while the server runs; written under a temporary name and renamed at the end, so an interrupted
// backup never leaves a half file under FILE. --out naming a folder writes efc-backup-<time>.db into it.
// PostgreSQL is backed up with pg_dump (README).
import { cliArgs, cliConfig, fromUser as fromUserPath } from './start.js';
import fs from 'node:fs';
import path from 'node:path';
import { BackupError, writeBackup } from '../backup/sqlite.js';
import { scheduledName } from '../backup/schedule.js';

const usage = `Использование / usage: npm run backup -- --out FILE|FOLDER
  Копия базы SQLite (студенты, фото, описания лиц, проходы) при работающем сервере. / A consistent copy of the SQLite database while the server runs.
  --out FILE     файл копии (не должен существовать) / the backup file (must not exist)
  --out FOLDER   в существующую папку: efc-backup-<время>.db / into an existing folder, a timestamped name
PostgreSQL: pg_dump -Fc -f efc.dump "$DATABASE_URL" (README).`;

const fromUser = (p: string) => fromUserPath('backup', p);

async function main(): Promise<number> {
  const parsed = cliArgs(usage, { options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  if (args.out === undefined || args.out.trim() === '') {
    process.stderr.write(`Укажите, куда писать копию: --out FILE / Give the backup's file: --out FILE\n${usage}\n`);
    return 2;
  }
  const config = cliConfig();
  if (typeof config === 'number') return config;
  if (config.database.kind === 'postgres') {
    process.stderr.write(
      'База — PostgreSQL: копию делает pg_dump -Fc -f efc.dump "$DATABASE_URL", восстанавливает pg_restore (README). / The database is PostgreSQL: use pg_dump / pg_restore.\n',
    );
    return 2;
  }
  if (config.database.file === ':memory:') {
    process.stderr.write('База в памяти (:memory:) — копировать нечего. / An in-memory database has nothing to back up.\n');
    return 2;
  }
  let out = fromUser(args.out);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) out = path.join(out, scheduledName(new Date()));
  try {
    const r = await writeBackup(config.database.file, out);
    process.stdout.write(
      `Копия готова / backup written: ${r.file}\n` +
        `  ${(r.bytes / 1048576).toFixed(1)} МБ / MB за / in ${(r.ms / 1000).toFixed(1)} с / s; студентов / students: ${r.students}, проходов / passes: ${r.passes}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof BackupError) {
      process.stderr.write(`Ошибка / error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`Ошибка / error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
