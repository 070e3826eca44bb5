// `npm run load -- [--file PATH] [--photos DIR] [--force] [--json]`: the seed's loader.py as a CLI.
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, readDotEnv, ConfigError } from '../config.js';
import { createDb } from '../db/index.js';
import { FaceEngine } from '../face/engine.js';
import { FaceIndex } from '../face/index.js';
import { rebuildIndex } from '../students/rebuild.js';
import { Lookalikes } from '../face/lookalikes.js';
import { isAppError } from '../errors.js';
import { loadStudents, type LoadProgress, type LoadSummary } from '../students/loader.js';

const usage = `Использование / usage: npm run load -- [--file "Face ID docs/list of students.xlsx"] [--photos DIR] [--force] [--json]
  --file    таблица Excel (по умолчанию FACE_ID_DOCS/list of students.xlsx)
  --photos  папка с фото для относительных путей File path (по умолчанию FACE_ID_DOCS/photos)
  --force   пересчитать и перезаписать уже загруженных студентов
  --json    вывести итог как JSON (stdout)`;

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}

/** A progress bar on a terminal; a plain line every 5 s otherwise (logs, CI). */
function progressPrinter(): { update(p: LoadProgress): void; end(): void } {
  const tty = process.stderr.isTTY;
  const start = Date.now();
  let lastLine = 0;
  let last: LoadProgress | undefined;
  const line = (p: LoadProgress) => {
    const secs = (Date.now() - start) / 1000;
    const rate = p.done / Math.max(secs, 0.001);
    const eta = rate > 0 ? (p.total - p.done) / rate : Infinity;
    const pct = p.total ? p.done / p.total : 1;
    const width = 30;
    const bar = '█'.repeat(Math.round(pct * width)).padEnd(width, '░');
    return `${bar} ${p.done}/${p.total} строк ${(pct * 100).toFixed(0)}% | ${rate.toFixed(1)} строк/с | ETA ${fmtDuration(eta)} | +${p.added} ~${p.updated} пропущено ${p.skipped} ошибок ${p.failed}`;
  };
  return {
    update(p) {
      last = p;
      if (tty) process.stderr.write(`\r${line(p)}\x1b[K`);
      else if (Date.now() - lastLine > 5000 || p.done === p.total) {
        lastLine = Date.now();
        process.stderr.write(`${line(p)}\n`);
      }
    },
    end() {
      if (tty && last) process.stderr.write(`\r${line(last)}\x1b[K\n`);
    },
  };
}

function printSummary(s: LoadSummary): void {
  const out = process.stdout;
  out.write(`\nИтог загрузки / load summary: ${s.file}\n`);
  out.write(`  строк в файле:   ${s.total_rows}\n  добавлено:       ${s.added}\n  обновлено:       ${s.updated}\n`);
  out.write(`  пропущено:       ${s.skipped}\n  ошибок:          ${s.failed}\n  предупреждений:  ${s.warnings}\n`);
  out.write(`  время:           ${(s.duration_ms / 1000).toFixed(1)} с, ${s.photos_per_second} фото/с; студентов в индексе: ${s.index_size}\n`);
  if (s.interrupted) out.write('  ПРЕРВАНО: загрузка остановлена; повторный запуск продолжит без дублей\n');
  const byReason = new Map<string, number>();
  for (const r of s.rows) byReason.set(`${r.status}:${r.reason}`, (byReason.get(`${r.status}:${r.reason}`) ?? 0) + 1);
  if (byReason.size) out.write(`  по причинам:     ${[...byReason].map(([k, n]) => `${k}=${n}`).join(', ')}\n`);
  const detail = s.rows.filter((r) => r.reason !== 'exists');
  if (detail.length) {
    out.write('\n  строка  Matricula     статус    причина          подробности\n');
    for (const r of detail) {
      out.write(`  ${String(r.row).padStart(6)}  ${(r.matricula ?? '—').padEnd(12)}  ${r.status.padEnd(8)}  ${r.reason.padEnd(15)}  ${r.message}\n`);
    }
  }
  if (s.lookalikes.length) {
    out.write(`\n  Похожие лица (${s.lookalikes_total} пар${s.lookalikes_total > s.lookalikes.length ? `, ближайшие ${s.lookalikes.length}` : ""}): камера не назовёт ни одного из пары, пока не загружено лучшее фото / look-alikes:\n`);
    for (const p of s.lookalikes) {
      out.write(`    ${p.distance.toFixed(3)}  ${p.students.map((x) => `${x.name} (${x.matricula ?? '—'}${x.row !== null ? `, строка ${x.row}` : ''})`).join('  ↔  ')}\n`);
    }
  }
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { file: { type: 'string' }, photos: { type: 'string' }, force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  readDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const file = path.resolve(args.file ?? path.join(config.faceIdDocs, 'list of students.xlsx'));
  if (!fs.existsSync(file)) {
    process.stderr.write(`Файл не найден / file not found: ${file}\n`);
    return 1;
  }
  const photosDir = path.resolve(args.photos ?? path.join(config.faceIdDocs, 'photos'));
  const log = (level: string) => (msg: string) => {
    if (!args.json || level !== 'info') process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}[${level}] ${msg}\n`);
  };
  const db = await createDb(config.database);
  const engine = await FaceEngine.start({ workers: config.faceWorkers, maxPixels: config.maxImagePixels, model: config.model, onLog: (l, m) => log(l)(m) });
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write('\nОстановка: дописываю уже обработанные строки… (Ctrl+C ещё раз — выйти сразу)\n');
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressPrinter();
  try {
    const roster = { index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), modelId: engine.model.id };
    await rebuildIndex(db, roster);
    const summary = await loadStudents({
      db, engine, roster,
      lookalikeRadius: config.lookalikeDistance,
      quality: config.enrolQuality,
      maxImageBytes: config.maxImageBytes,
      source: file,
      fileLabel: file,
      photos: { photosDir, faceIdDocs: config.faceIdDocs },
      force: args.force ?? false,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      log: { info: log('info'), warn: log('warn') },
    });
    progress.end();
    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else printSummary(summary);
    return summary.interrupted ? 130 : 0;
  } catch (e) {
    progress.end();
    process.stderr.write(`Ошибка / error: ${isAppError(e) ? e.message : String((e as Error)?.stack ?? e)}\n`);
    return 1;
  } finally {
    await engine.close();
    await db.destroy();
  }
}

main().then((code) => process.exit(code));
