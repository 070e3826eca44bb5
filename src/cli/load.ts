// `npm run load -- [--file PATH] [--photos DIR] [--force] [--json] [--out FILE] [--verbose]`: the seed's loader.py as a CLI.
import { cliArgs, cliConfig, fromUser as fromUserPath } from './start.js';
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createDb } from '../db/index.js';
import { FaceEngine } from '../face/engine.js';
import { FaceIndex } from '../face/index.js';
import { rebuildIndex } from '../students/rebuild.js';
import { Lookalikes } from '../face/lookalikes.js';
import { isAppError } from '../errors.js';
import { loadStudents, type LoadProgress, type LoadSummary, type RowReport } from '../students/loader.js';
import { appendCliAudit, studentsLoadEntry } from '../audit/log.js';
import { reasonText, STATUS_TEXT, summaryLines } from '../students/row-report.js';

const usage = `Использование / usage: npm run --silent load -- [--file "Face ID docs/list of students.xlsx"] [--photos DIR] [--force] [--json] [--out FILE] [--verbose]
  --file     таблица Excel (по умолчанию FACE_ID_DOCS/list of students.xlsx)
  --photos   папка с фото для относительных путей File path (по умолчанию FACE_ID_DOCS/photos)
  --force    пересчитать и перезаписать уже загруженных студентов
  --json     вывести итог как JSON (stdout; с npm — только с --silent: npm run --silent load -- --json > summary.json)
  --out FILE записать итог в JSON в FILE (все строки; в терминале — обычный итог)
  --verbose  показывать каждую строку (и во время загрузки, и в итоге, включая «уже в базе»)`;

/** Rows of one reason listed in the summary without --verbose; the rest are counted (all are in --json / --out). */
export const ROWS_PER_REASON = 20;

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(Math.round(s % 60)).padStart(2, '0')}`;
}

/**
 * One progress line. The bar counts every row; the speed and the time left count only the rows that need
 * photo work (`processed` of `queued`) over `workSeconds` (since that work began): skipped rows are instant.
 */
export function progressLine(p: LoadProgress, workSeconds: number): string {
  const rate = p.processed > 0 && workSeconds > 0 ? p.processed / workSeconds : undefined;
  const left = p.queued - p.processed;
  const eta = left <= 0 ? 0 : rate ? left / rate : Infinity;
  const pct = p.total ? p.done / p.total : 1;
  const width = 30;
  const bar = '█'.repeat(Math.round(pct * width)).padEnd(width, '░');
  return `${bar} ${p.done}/${p.total} строк ${(pct * 100).toFixed(0)}% | ${rate === undefined ? '—' : rate.toFixed(1)} строк/с | ETA ${fmtDuration(eta)} | +${p.added} ~${p.updated} пропущено ${p.skipped} ошибок ${p.failed}`;
}

/** A progress bar on a terminal; a plain line every 5 s otherwise (logs, CI). */
function progressPrinter(): { update(p: LoadProgress): void; end(): void } {
  const tty = process.stderr.isTTY;
  let workStart: number | undefined;
  let lastLine = 0;
  let last: LoadProgress | undefined;
  // The first report comes once the sheet is read and checked: photo work starts there.
  const line = (p: LoadProgress) => progressLine(p, workStart === undefined ? 0 : (Date.now() - workStart) / 1000);
  return {
    update(p) {
      workStart ??= Date.now();
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

const STATUS_ORDER: Record<RowReport['status'], number> = { no_photo: 0, failed: 1, warning: 2, skipped: 3 };

/** The summary as the terminal shows it: counts, one line per reason, the rows (capped per reason unless verbose), the hint. */
export function formatSummary(s: LoadSummary, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  out.push('', `Итог загрузки / load summary: ${s.file}`);
  // What needs the office comes first: students without a photo, rows not loaded, warnings — each with what to do.
  const todo = summaryLines(s);
  if (todo.length) out.push('', '  Требует внимания:', ...todo.map((l) => `  ${l}`), '');
  out.push(`  строк в файле:   ${s.total_rows}`, `  добавлено:       ${s.added}`, `  обновлено:       ${s.updated}`);
  out.push(`  из них без фото: ${s.without_photo}`);
  out.push(`  пропущено:       ${s.skipped}`, `  ошибок:          ${s.failed}`, `  предупреждений:  ${s.warnings}`);
  const work =
    s.processed_rows > 0
      ? `обработано строк с фото: ${s.processed_rows}, ${s.photos_described > 0 ? `${s.photos_per_second} фото/с` : 'ни одного фото не прочитано'}`
      : 'фото не обрабатывались (нечего загружать: все строки пропущены или с ошибками в таблице)';
  out.push(`  время:           ${(s.duration_ms / 1000).toFixed(1)} с; ${work}; студентов в индексе: ${s.index_size}`);
  if (s.interrupted) out.push('  ПРЕРВАНО: загрузка остановлена; повторный запуск продолжит без дублей');

  const groups = new Map<string, { status: RowReport['status']; reason: string; rows: RowReport[] }>();
  for (const r of s.rows) {
    const k = `${r.status}:${r.reason}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { status: r.status, reason: r.reason, rows: [] }));
    g.rows.push(r);
  }
  const ordered = [...groups.values()].sort(
    (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.rows.length - a.rows.length || a.reason.localeCompare(b.reason),
  );
  if (ordered.length) {
    out.push('  по причинам:');
    const w = Math.max(...ordered.map((g) => String(g.rows.length).length));
    for (const g of ordered)
      out.push(`    ${STATUS_TEXT[g.status].padEnd(14)}  ${g.reason.padEnd(18)}  ${String(g.rows.length).padStart(w)}  ${reasonText(g.reason)}`);
  }

  // Without --verbose: `exists` rows are only counted, other reasons list their first rows.
  const listed = new Set<RowReport>();
  const more: string[] = [];
  for (const g of ordered) {
    const limit = opts.verbose ? Infinity : g.reason === 'exists' ? 0 : ROWS_PER_REASON;
    g.rows.slice(0, limit).forEach((r) => listed.add(r));
    if (g.rows.length > limit && limit > 0) more.push(`  … ещё ${g.rows.length - limit} строк «${g.reason}» (${STATUS_TEXT[g.status]})`);
  }
  const detail = s.rows.filter((r) => listed.has(r));
  if (detail.length) {
    out.push('', '  строка  Matricula     статус          причина             подробности');
    for (const r of detail)
      out.push(`  ${String(r.row).padStart(6)}  ${(r.matricula ?? '—').padEnd(12)}  ${STATUS_TEXT[r.status].padEnd(14)}  ${r.reason.padEnd(18)}  ${r.message}`);
  }
  if (listed.size < s.rows.length) out.push(...(detail.length ? [] : ['']), ...more, '  все строки: --verbose, или итог в JSON: --out summary.json');

  if (s.lookalikes.length) {
    out.push(
      '',
      `  Похожие лица (${s.lookalikes_total} пар${s.lookalikes_total > s.lookalikes.length ? `, ближайшие ${s.lookalikes.length}` : ''}): камера не назовёт ни одного из пары, пока не загружено лучшее фото / look-alikes:`,
    );
    const shown = opts.verbose ? s.lookalikes : s.lookalikes.slice(0, ROWS_PER_REASON);
    for (const p of shown) {
      out.push(
        `    ${p.distance.toFixed(3)}  ${p.students.map((x) => `${x.name} (${x.matricula ?? '—'}${x.row !== null ? `, строка ${x.row}` : ''})`).join('  ↔  ')}`,
      );
    }
    if (shown.length < s.lookalikes.length)
      out.push(`    … ещё ${s.lookalikes.length - shown.length} пар (все: --verbose или --out summary.json; и на странице администратора)`);
  }
  if (s.hint) out.push('', `  Подсказка: ${s.hint}`);
  return `${out.join('\n')}\n`;
}

const fromUser = (p: string) => fromUserPath('load', p);

async function main(): Promise<number> {
  const parsed = cliArgs(usage, {
    options: {
      file: { type: 'string' },
      photos: { type: 'string' },
      force: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const config = cliConfig();
  if (typeof config === 'number') return config;
  const out = args.out === undefined ? undefined : fromUser(args.out);
  if (out !== undefined && (!fs.existsSync(path.dirname(out)) || (fs.existsSync(out) && fs.statSync(out).isDirectory()))) {
    process.stderr.write(`--out: нельзя записать файл ${out} (нет такой папки, или это папка)\n`);
    return 2;
  }
  const file = args.file === undefined ? path.join(config.faceIdDocs, 'list of students.xlsx') : fromUser(args.file);
  if (!fs.existsSync(file)) {
    process.stderr.write(`Файл не найден / file not found: ${file}\n`);
    return 1;
  }
  const photosDir = args.photos === undefined ? path.join(config.faceIdDocs, 'photos') : fromUser(args.photos);
  const log = (level: string) => (msg: string) => {
    if (!args.json || level !== 'info') process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}[${level}] ${msg}\n`);
  };
  // Row lines while loading only with --verbose: a re-run of 2,500 students would print 2,500 «exists» lines.
  const rowLog = (level: string) => (msg: string) => {
    if (args.verbose) log(level)(msg);
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
    const roster = {
      index: new FaceIndex(1024, { dim: engine.dim }),
      lookalikes: new Lookalikes(),
      modelId: engine.model.id,
      addedRadius: config.verifyThreshold,
    };
    await rebuildIndex(db, roster);
    const summary = await loadStudents({
      db,
      engine,
      roster,
      lookalikeRadius: config.lookalikeDistance,
      quality: config.enrolQuality,
      maxImageBytes: config.maxImageBytes,
      source: file,
      fileLabel: file,
      photos: { photosDir, faceIdDocs: config.faceIdDocs },
      force: args.force ?? false,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      log: { info: rowLog('info'), warn: rowLog('warn') },
    });
    progress.end();
    await appendCliAudit(db, 'npm run load', studentsLoadEntry(summary, args.force ?? false));
    if (out !== undefined) {
      // Whole or not at all: a half-written summary.json never replaces a good one.
      const tmp = `${out}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(summary, null, 2)}\n`);
      fs.renameSync(tmp, out);
      process.stderr.write(`Итог в JSON / JSON summary: ${out}\n`);
    }
    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(formatSummary(summary, { verbose: args.verbose ?? false }));
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

// Run as a program (not when a test imports formatSummary / progressLine).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`Ошибка / error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
