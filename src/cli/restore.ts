// `npm run restore -- FILE`: puts a backup (npm run backup, or a scheduled one) into an EMPTY data folder — refused
// when the database already exists — after checking it (integrity_check, this app's migrations table), upgrades an
// older backup's schema, then rebuilds the face index and redoes the look-alike audit as a start does, and prints
// the counts. PostgreSQL is restored with pg_restore (README).
import { cliArgs, cliConfig, fromUser as fromUserPath } from './start.js';
import { BackupError, restoreBackup } from '../backup/sqlite.js';
import { reindexRestored } from '../backup/reindex.js';

const usage = `Использование / usage: npm run restore -- FILE
  Восстанавливает копию (npm run backup) в пустую папку данных (DATA_DIR / DATABASE_URL); сервер должен быть остановлен.
  Restores a backup into an empty data folder; the server must be stopped.
PostgreSQL: createdb НОВАЯ && pg_restore --no-owner -d postgres://…/НОВАЯ efc.dump (README).`;

const fromUser = (p: string) => fromUserPath('restore', p);

async function main(): Promise<number> {
  const parsed = cliArgs(usage, { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`Укажите один файл копии / Give one backup file\n${usage}\n`);
    return 2;
  }
  const config = cliConfig();
  if (typeof config === 'number') return config;
  if (config.database.kind === 'postgres') {
    process.stderr.write(
      'База — PostgreSQL: восстанавливайте pg_restore в новую базу (README). / The database is PostgreSQL: use pg_restore into a new database.\n',
    );
    return 2;
  }
  if (config.database.file === ':memory:') {
    process.stderr.write('База в памяти (:memory:): восстанавливать некуда. / An in-memory database cannot be restored into.\n');
    return 2;
  }
  const file = fromUser(parsed.positionals[0]!);
  const t0 = performance.now();
  let restored;
  try {
    restored = await restoreBackup(file, config.database.file);
  } catch (e) {
    if (e instanceof BackupError) {
      process.stderr.write(`Ошибка / error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const { db, info, applied } = restored;
  try {
    const r = await reindexRestored(db, config);
    const lines = [
      `Восстановлено / restored: ${file} → ${config.database.file} за / in ${((performance.now() - t0) / 1000).toFixed(1)} с / s`,
      `  студентов / students: ${r.students}, лиц в индексе / faces in the index: ${r.faces}, проходов / passes: ${r.passes}`,
      `  похожих пар / look-alike pairs: ${r.lookalikePairs} (${r.audited ? 'проверка проведена заново / audit redone' : 'проверка актуальна / audit up to date'})`,
      applied.length > 0
        ? `  схема обновлена / schema upgraded: ${applied.join(', ')}`
        : `  схема актуальна / schema up to date (${info.migrations.length} migrations)`,
      r.withoutPhoto > 0 ? `  без фото / without a photo: ${r.withoutPhoto}` : '',
      r.otherModel > 0
        ? `  описаны другой моделью / described by another model: ${r.otherModel} — сервер переопишет их после старта / the server re-describes them after start`
        : '',
      'Запустите сервер: npm start (индекс строится заново при каждом старте). / Start the server: npm start (every start rebuilds the index).',
    ];
    process.stdout.write(`${lines.filter((l) => l !== '').join('\n')}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`Ошибка / error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
