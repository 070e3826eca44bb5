// Schedule workbook → sittings and their lists, in one transaction per load: each row is checked (a bad row
// does not stop the others), rooms may not be double-booked, and a re-run finds its sittings again by
// room and start (updated, or unchanged); sittings the file no longer lists are left alone (passes point at them).
// The sheet is read in a worker thread and every step works in chunks, so the server answers throughout.
import type { Db, DbKind } from '../db/index.js';
import { AppError } from '../errors.js';
import { lookUpRoster, registrantsOf } from './registrants.js';
import { readScheduleInWorker } from './sheet-reader.js';
import type { ScheduleRow } from './sheet.js';
import { slotKey } from './store.js';
import { breathe } from './turns.js';
import { localInstant } from './time.js';
import { writeSchedule, type Candidate } from './write.js';
import type { ScheduleRowReport, ScheduleRowStatus, ScheduleSummary } from './load-summary.js';

export type { ScheduleRowReport, ScheduleRowStatus, ScheduleSummary } from './load-summary.js';

export interface ScheduleLoadOptions {
  db: Db;
  /** Which database: the write lock differs (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite). */
  kind: DbKind;
  /** Path of the .xlsx, or its bytes. */
  source: string | Buffer;
  /** The exam centre's time zone (TIMEZONE): the schedule's dates and times are its wall clock. */
  timeZone: string;
  now?: Date;
  /** How the summary names the file (default: the path, or «upload»). */
  fileLabel?: string;
}

/** Every reason a schedule row can end with, in Russian (the code stays next to it). */
export const SCHEDULE_REASON_TEXT: Record<string, string> = {
  missing_exam: 'не указан экзамен',
  missing_room: 'не указана аудитория',
  bad_date: 'неверная дата',
  bad_time: 'неверное время',
  cell_too_long: 'слишком длинное значение в ячейке',
  no_students: 'не указано, кто сдаёт',
  unknown_group: 'группы нет в базе студентов',
  unknown_matricula: 'Matricula нет в базе студентов',
  overlap: 'аудитория уже занята в это время',
  duplicate: 'повтор: та же аудитория и начало',
};

export const scheduleReasonText = (reason: string): string => SCHEDULE_REASON_TEXT[reason] ?? reason;

export const SCHEDULE_STATUS_TEXT: Record<ScheduleRowStatus, string> = { failed: 'ошибка', skipped: 'пропущено', warning: 'предупреждение' };

/** Names listed in one message; the rest are counted. */
const LISTED = 20;

const listOf = (items: string[]) => items.slice(0, LISTED).join(', ') + (items.length > LISTED ? ` и ещё ${items.length - LISTED}` : '');

let running = false;

/** One schedule load at a time per process (HTTP answers 409 to a second one; other processes wait: write-lock.ts). */
export function scheduleLoadInProgress(): boolean {
  return running;
}

export async function loadSchedule(opts: ScheduleLoadOptions): Promise<ScheduleSummary> {
  if (running) throw new AppError('conflict', 'Загрузка расписания уже выполняется: дождитесь её окончания');
  running = true;
  try {
    return await load(opts);
  } finally {
    running = false;
  }
}

type Timed = Pick<Candidate, 'row' | 'room' | 'starts' | 'ends' | 'key'>;

/** Rows → UTC instants (each date and time converted once: a file repeats them), minus repeats of a room and start. */
async function timeRows(rows: ScheduleRow[], timeZone: string, reports: ScheduleRowReport[]): Promise<Timed[]> {
  const instants = new Map<string, number>();
  const instant = (date: string, time: string) => {
    const k = `${date} ${time}`;
    let t = instants.get(k);
    if (t === undefined) instants.set(k, (t = localInstant(date, time, timeZone).getTime()));
    return t;
  };
  const timed: Timed[] = [];
  const firstRowOf = new Map<string, number>();
  for (const row of rows) {
    await breathe();
    const starts = instant(row.date, row.start);
    const ends = instant(row.date, row.end);
    if (ends <= starts) {
      reports.push({
        row: row.row,
        status: 'failed',
        reason: 'bad_time',
        message: `${row.date} ${row.start}–${row.end}: в эту ночь переводятся часы, конец не позже начала`,
      });
      continue;
    }
    const key = slotKey(row.room, starts);
    const earlier = firstRowOf.get(key);
    if (earlier !== undefined) {
      reports.push({
        row: row.row,
        status: 'skipped',
        reason: 'duplicate',
        message: `повтор: аудитория «${row.room}», ${row.date} ${row.start} уже в строке ${earlier}`,
      });
      continue;
    }
    firstRowOf.set(key, row.row);
    timed.push({ row, room: row.room, starts, ends, key });
  }
  return timed;
}

/** Rows with their students (a row with nobody found fails; one with somebody found carries warnings). */
async function withStudents(db: Db, timed: Timed[], reports: ScheduleRowReport[]): Promise<Candidate[]> {
  // Looked up before the write transaction: students are only ever added, and on SQLite the transaction
  // holds the one connection every other request needs.
  const found = await registrantsOf(
    timed.map((t) => t.row),
    await lookUpRoster(
      db,
      timed.map((t) => t.row),
    ),
  );
  const candidates: Candidate[] = [];
  for (const [i, t] of timed.entries()) {
    const { students, unknownGroups, unknownMatriculas } = found[i]!;
    const groupText = unknownGroups.length ? `нет студентов групп${unknownGroups.length > 1 ? '' : 'ы'} ${listOf(unknownGroups.map((g) => `«${g}»`))}` : '';
    const matText = unknownMatriculas.length ? `нет в базе Matricula ${listOf(unknownMatriculas)}` : '';
    if (students.size === 0) {
      reports.push({
        row: t.row.row,
        status: 'failed',
        reason: unknownGroups.length ? 'unknown_group' : 'unknown_matricula',
        message: `${[groupText, matText].filter(Boolean).join('; ')}: сдающих нет, строка не загружена`,
      });
      continue;
    }
    const warnings: ScheduleRowReport[] = [];
    const loaded = `загружено студентов: ${students.size}`;
    if (groupText) warnings.push({ row: t.row.row, status: 'warning', reason: 'unknown_group', message: `${groupText} (${loaded})` });
    if (matText) warnings.push({ row: t.row.row, status: 'warning', reason: 'unknown_matricula', message: `${matText} (${loaded})` });
    candidates.push({ ...t, students, warnings });
  }
  return candidates;
}

async function load(opts: ScheduleLoadOptions): Promise<ScheduleSummary> {
  const now = (opts.now ?? new Date()).toISOString();
  const sheet = await readScheduleInWorker(opts.source);
  const reports: ScheduleRowReport[] = sheet.problems.map((p) => ({ row: p.row, status: 'failed', reason: p.reason, message: p.message }));
  const candidates = await withStudents(opts.db, await timeRows(sheet.rows, opts.timeZone, reports), reports);

  const out = candidates.length > 0 ? await writeSchedule(opts.db, opts.kind, candidates, now) : undefined;
  for (const [c, why] of out?.refused ?? []) {
    const with_ =
      'stored' in why
        ? `уже в базе: «${why.stored.exam}» ${why.stored.sitting_date} ${why.stored.start_time}–${why.stored.end_time}`
        : `«${why.row.row.exam}» ${why.row.row.date} ${why.row.row.start}–${why.row.row.end} в строке ${why.row.row.row}`;
    reports.push({
      row: c.row.row,
      status: 'failed',
      reason: 'overlap',
      message: `аудитория «${c.row.room}» ${c.row.date} ${c.row.start}–${c.row.end} пересекается по времени с ${with_}`,
    });
  }
  for (const c of out?.accepted ?? []) reports.push(...c.warnings);

  reports.sort((a, b) => a.row - b.row || (a.status === 'warning' ? 1 : 0) - (b.status === 'warning' ? 1 : 0));
  const byReason: Record<string, number> = {};
  for (const r of reports) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  return {
    file: opts.fileLabel ?? (typeof opts.source === 'string' ? opts.source : 'upload'),
    total_rows: sheet.dataRows,
    added: out?.added ?? 0,
    updated: out?.updated ?? 0,
    unchanged: out?.unchanged ?? 0,
    failed: reports.filter((r) => r.status === 'failed').length,
    skipped: reports.filter((r) => r.status === 'skipped').length,
    warnings: reports.filter((r) => r.status === 'warning').length,
    sittings: out?.accepted.length ?? 0,
    registrations: out?.registrations ?? 0,
    rows: reports,
    by_reason: byReason,
    reason_text: Object.fromEntries(Object.keys(byReason).map((c) => [c, scheduleReasonText(c)])),
  };
}
