// `npm run load-schedule -- --file schedule.xlsx`: loads the exam sittings into the configured database
// (migrations run) and prints a short summary — or, with --json, only the summary as JSON (for scripts:
// `npm run --silent load-schedule -- --json > schedule-summary.json`); exit 1 when the file cannot be read.
import { cliArgs, cliConfig, fromUser as fromUserPath } from './start.js';
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createDb } from '../db/index.js';
import { isAppError } from '../errors.js';
import { appendCliAudit, scheduleLoadEntry } from '../audit/log.js';
import { loadSchedule, scheduleReasonText, SCHEDULE_STATUS_TEXT, type ScheduleRowReport, type ScheduleSummary } from '../schedule/loader.js';

const usage = `Использование / usage: npm run load-schedule -- [--file "Face ID docs/schedule.xlsx"] [--json]
  --file   таблица расписания (.xlsx; по умолчанию FACE_ID_DOCS/schedule.xlsx):
           Экзамен, Дата, Начало, Конец, Аудитория, Группа и/или Matricula
  --json   вывести итог только как JSON (stdout; с npm — с --silent: npm run --silent load-schedule -- --json > итог.json)
  Время — по часам экзаменационного центра (TIMEZONE). Итог — таблица в терминале.`;

const ORDER: Record<ScheduleRowReport['status'], number> = { failed: 0, warning: 1, skipped: 2 };

/** The summary as the terminal shows it: counts, one line per reason, then every row with a remark. */
export function formatScheduleSummary(s: ScheduleSummary, timeZone: string): string {
  const out: string[] = ['', `Итог загрузки расписания / schedule load: ${s.file} (время: ${timeZone})`];
  out.push(`  строк в файле:   ${s.total_rows}`, `  добавлено:       ${s.added}`, `  обновлено:       ${s.updated}`, `  без изменений:   ${s.unchanged}`);
  out.push(`  ошибок:          ${s.failed}`, `  пропущено:       ${s.skipped}`, `  предупреждений:  ${s.warnings}`);
  out.push(`  экзаменов файла в базе: ${s.sittings}, записей студентов: ${s.registrations}`);
  const reasons = new Map<string, { status: ScheduleRowReport['status']; reason: string; n: number }>();
  for (const r of s.rows) {
    const k = `${r.status}:${r.reason}`;
    const g = reasons.get(k) ?? { status: r.status, reason: r.reason, n: 0 };
    g.n++;
    reasons.set(k, g);
  }
  if (reasons.size) {
    out.push('  по причинам:');
    for (const g of [...reasons.values()].sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.n - a.n))
      out.push(`    ${SCHEDULE_STATUS_TEXT[g.status].padEnd(14)}  ${g.reason.padEnd(18)}  ${String(g.n).padStart(4)}  ${scheduleReasonText(g.reason)}`);
    out.push('', '  строка  статус          причина             подробности');
    for (const r of s.rows) out.push(`  ${String(r.row).padStart(6)}  ${SCHEDULE_STATUS_TEXT[r.status].padEnd(14)}  ${r.reason.padEnd(18)}  ${r.message}`);
  }
  return `${out.join('\n')}\n`;
}

const fromUser = (p: string) => fromUserPath('load-schedule', p);

async function main(): Promise<number> {
  const parsed = cliArgs(usage, {
    options: { file: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: false,
  });
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const config = cliConfig();
  if (typeof config === 'number') return config;
  const file = args.file === undefined ? path.join(config.faceIdDocs, 'schedule.xlsx') : fromUser(args.file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    process.stderr.write(`Файл не найден / file not found: ${file}\n`);
    return 1;
  }
  const db = await createDb(config.database);
  try {
    const summary = await loadSchedule({ db, kind: config.database.kind, source: file, timeZone: config.timezone, fileLabel: file });
    await appendCliAudit(db, 'npm run load-schedule', scheduleLoadEntry(summary));
    process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatScheduleSummary(summary, config.timezone));
    return 0;
  } catch (e) {
    process.stderr.write(`Ошибка / error: ${isAppError(e) ? e.message : String((e as Error)?.stack ?? e)}\n`);
    return 1;
  } finally {
    await db.destroy();
  }
}

// Run as a program (not when a test imports formatScheduleSummary).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`Ошибка / error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
