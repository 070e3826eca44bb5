// Schedule workbook → sittings and their lists, in one transaction per load: each row is checked (a bad row
// does not stop the others), rooms may not be double-booked, and a re-run finds its sittings again by
// room and start (updated, or unchanged); sittings the file no longer lists are left alone (passes point at them).
import type { Db } from '../db/index.js';
import { AppError } from '../errors.js';
import { openWorkbook } from '../students/excel.js';
import { readScheduleSheet, type ScheduleRow } from './sheet.js';
import { localInstant } from './time.js';
import {
  insertSitting,
  registrationsOf,
  replaceRegistrations,
  sittingsBetween,
  studentDirectory,
  updateSitting,
  type SittingValues,
  type StoredSitting,
} from './store.js';

export type ScheduleRowStatus = 'failed' | 'skipped' | 'warning';

export interface ScheduleRowReport {
  /** 1-based row number as Excel shows it. */
  row: number;
  status: ScheduleRowStatus;
  /**
   * failed: missing_exam, missing_room, bad_date, bad_time, no_students, unknown_group, unknown_matricula, overlap;
   * skipped: duplicate; warning (the row is loaded without them): unknown_group, unknown_matricula.
   */
  reason: string;
  message: string;
}

export interface ScheduleSummary {
  file: string;
  /** Non-empty data rows of the sheet. */
  total_rows: number;
  /** Sittings new to the database / found again by room and start and changed / found again as they were. */
  added: number;
  updated: number;
  unchanged: number;
  /** Rows not loaded (`failed`), repeats of an earlier row (`skipped`), rows loaded with a remark (`warnings`). */
  failed: number;
  skipped: number;
  warnings: number;
  /** Sittings of this file now in the database (added + updated + unchanged). */
  sittings: number;
  /** Registrations (student × sitting) of those sittings. */
  registrations: number;
  rows: ScheduleRowReport[];
  /** How many rows ended with each reason. */
  by_reason: Record<string, number>;
}

export interface ScheduleLoadOptions {
  db: Db;
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

const normalGroup = (g: string) => g.replace(/\s+/g, ' ').trim().toLowerCase();

interface Candidate {
  row: ScheduleRow;
  starts: number;
  ends: number;
  key: string;
  students: Set<number>;
  warnings: ScheduleRowReport[];
}

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

const keyOf = (room: string, starts: number) => `${room}\u0000${starts}`;

const overlapping = (a: { room: string; starts: number; ends: number }, b: { room: string; starts: number; ends: number }) =>
  a.room === b.room && a.starts < b.ends && b.starts < a.ends;

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Which candidates may be written: none may overlap a sitting of its room stored in the database or a row
 * above it. A stored sitting the file lists again (same room and start) is replaced by its row; when that
 * row is refused, the stored one stands and the others are checked against it once more (until nothing changes).
 */
function resolveOverlaps(candidates: Candidate[], existing: StoredSitting[]): { accepted: Candidate[]; refused: Map<Candidate, string> } {
  const refused = new Map<Candidate, string>();
  for (;;) {
    const active = candidates.filter((c) => !refused.has(c));
    const activeKeys = new Set(active.map((c) => c.key));
    const obstacles = existing.filter((s) => !activeKeys.has(keyOf(s.room, s.starts)));
    const accepted: Candidate[] = [];
    let fresh = 0;
    for (const c of active) {
      const me = { room: c.row.room, starts: c.starts, ends: c.ends };
      const stored = obstacles.find((s) => overlapping(me, s));
      const above = accepted.find((a) => overlapping(me, { room: a.row.room, starts: a.starts, ends: a.ends }));
      if (stored) {
        refused.set(c, `уже в базе: «${stored.exam}» ${stored.sitting_date} ${stored.start_time}–${stored.end_time}`);
        fresh++;
      } else if (above) {
        refused.set(c, `«${above.row.exam}» ${above.row.date} ${above.row.start}–${above.row.end} в строке ${above.row.row}`);
        fresh++;
      } else accepted.push(c);
    }
    if (fresh === 0) return { accepted, refused };
  }
}

let running = false;

/** One schedule load at a time per process (HTTP answers 409 to a second one). */
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

async function load(opts: ScheduleLoadOptions): Promise<ScheduleSummary> {
  const now = (opts.now ?? new Date()).toISOString();
  const sheet = readScheduleSheet(await openWorkbook(opts.source));
  const reports: ScheduleRowReport[] = [];
  const fail = (row: number, reason: string, message: string) => reports.push({ row, status: 'failed', reason, message });
  for (const p of sheet.problems) fail(p.row, p.reason, p.message);

  // Instants, then repeats of a room and start within the file.
  const timed: { row: ScheduleRow; starts: number; ends: number; key: string }[] = [];
  const firstRowOf = new Map<string, number>();
  for (const row of sheet.rows) {
    const starts = localInstant(row.date, row.start, opts.timeZone).getTime();
    const ends = localInstant(row.date, row.end, opts.timeZone).getTime();
    if (ends <= starts) {
      fail(row.row, 'bad_time', `${row.date} ${row.start}–${row.end}: в эту ночь переводятся часы, конец не позже начала`);
      continue;
    }
    const key = keyOf(row.room, starts);
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
    timed.push({ row, starts, ends, key });
  }

  const counts = { added: 0, updated: 0, unchanged: 0, registrations: 0, sittings: 0 };
  if (timed.length > 0) {
    await opts.db.transaction().execute(async (trx) => {
      // Who each row means: groups (case and spacing aside) and Matricula lists, matched against the roster.
      const byGroup = new Map<string, number[]>();
      const byMatricula = new Map<string, number[]>();
      for (const s of await studentDirectory(trx)) {
        if (s.group) push(byGroup, normalGroup(s.group), s.id);
        if (s.matricula) push(byMatricula, s.matricula.trim(), s.id);
      }
      const candidates: Candidate[] = [];
      for (const t of timed) {
        const students = new Set<number>();
        const unknownGroups: string[] = [];
        const unknownMatriculas: string[] = [];
        for (const g of t.row.groups) {
          const ids = byGroup.get(normalGroup(g));
          if (ids) ids.forEach((id) => students.add(id));
          else unknownGroups.push(g);
        }
        for (const m of t.row.matriculas) {
          const ids = byMatricula.get(m);
          if (ids) ids.forEach((id) => students.add(id));
          else unknownMatriculas.push(m);
        }
        const groupText = unknownGroups.length ? `нет студентов групп${unknownGroups.length > 1 ? '' : 'ы'} ${listOf(unknownGroups.map((g) => `«${g}»`))}` : '';
        const matText = unknownMatriculas.length ? `нет в базе Matricula ${listOf(unknownMatriculas)}` : '';
        if (students.size === 0) {
          fail(
            t.row.row,
            unknownGroups.length ? 'unknown_group' : 'unknown_matricula',
            `${[groupText, matText].filter(Boolean).join('; ')}: сдающих нет, строка не загружена`,
          );
          continue;
        }
        const warnings: ScheduleRowReport[] = [];
        const loaded = `загружено студентов: ${students.size}`;
        if (groupText) warnings.push({ row: t.row.row, status: 'warning', reason: 'unknown_group', message: `${groupText} (${loaded})` });
        if (matText) warnings.push({ row: t.row.row, status: 'warning', reason: 'unknown_matricula', message: `${matText} (${loaded})` });
        candidates.push({ ...t, students, warnings });
      }

      // Double-booked rooms: against rows above in the file and sittings stored around the file's dates.
      const dates = candidates.map((c) => c.row.date).sort();
      const existing =
        candidates.length > 0 ? await sittingsBetween(trx, addDays(dates[0]!, -1), addDays(dates[dates.length - 1]!, 1)) : ([] as StoredSitting[]);
      const storedByKey = new Map(existing.map((s) => [keyOf(s.room, s.starts), s]));
      const { accepted, refused } = resolveOverlaps(candidates, existing);
      for (const [c, with_] of refused)
        fail(c.row.row, 'overlap', `аудитория «${c.row.room}» ${c.row.date} ${c.row.start}–${c.row.end} пересекается по времени с ${with_}`);

      const before = await registrationsOf(
        trx,
        accepted.flatMap((c) => {
          const s = storedByKey.get(c.key);
          return s ? [s.id] : [];
        }),
      );
      for (const c of accepted) {
        const values: SittingValues = {
          exam: c.row.exam,
          room: c.row.room,
          sitting_date: c.row.date,
          start_time: c.row.start,
          end_time: c.row.end,
          starts_at: new Date(c.starts).toISOString(),
          ends_at: new Date(c.ends).toISOString(),
        };
        const stored = storedByKey.get(c.key);
        if (!stored) {
          const id = await insertSitting(trx, values, now);
          await replaceRegistrations(trx, id, new Set(), c.students);
          counts.added++;
        } else {
          const had = before.get(stored.id) ?? new Set<number>();
          const same =
            stored.exam === values.exam &&
            stored.sitting_date === values.sitting_date &&
            stored.start_time === values.start_time &&
            stored.end_time === values.end_time &&
            stored.ends === c.ends &&
            had.size === c.students.size &&
            [...had].every((id) => c.students.has(id));
          if (same) counts.unchanged++;
          else {
            await updateSitting(trx, stored.id, values, now);
            await replaceRegistrations(trx, stored.id, had, c.students);
            counts.updated++;
          }
        }
        counts.sittings++;
        counts.registrations += c.students.size;
        reports.push(...c.warnings);
      }
    });
  }

  reports.sort((a, b) => a.row - b.row || (a.status === 'warning' ? 1 : 0) - (b.status === 'warning' ? 1 : 0));
  const byReason: Record<string, number> = {};
  for (const r of reports) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  return {
    file: opts.fileLabel ?? (typeof opts.source === 'string' ? opts.source : 'upload'),
    total_rows: sheet.dataRows,
    added: counts.added,
    updated: counts.updated,
    unchanged: counts.unchanged,
    failed: reports.filter((r) => r.status === 'failed').length,
    skipped: reports.filter((r) => r.status === 'skipped').length,
    warnings: reports.filter((r) => r.status === 'warning').length,
    sittings: counts.sittings,
    registrations: counts.registrations,
    rows: reports,
    by_reason: byReason,
  };
}
