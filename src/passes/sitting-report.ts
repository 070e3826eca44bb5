// Per-sitting report: who came (standing passes of the sitting), who is registered and did not come, and who
// tried to enter without being registered (refused attempts). JSON for the admin page and an .xlsx with one
// sheet each. Never a passport number or a date of birth.
import ExcelJS from 'exceljs';
import type { Db } from '../db/index.js';
import { localTime } from '../time.js';
import { safeCellText as t } from '../spreadsheet-text.js';
import { sourceLabel } from './period-report.js';
import { findSitting, sittingAbsent, sittingCame, sittingRefusals, sittingsOfDate, type ReportStudent, type SittingRow } from '../schedule/store.js';

export const CAME_SHEET = 'Пришли';
export const ABSENT_SHEET = 'Не пришли';
export const UNREGISTERED_SHEET = 'Без регистрации';

/** The refusal as the exam office reads it. */
export const REFUSAL_LABELS: Record<string, string> = {
  not_registered: 'нет в списке этого экзамена',
  wrong_room: 'записан в другую аудиторию',
};

export interface SittingHead {
  id: number;
  exam: string;
  room: string;
  /** Local date `YYYY-MM-DD`, times `HH:MM` (TIMEZONE). */
  date: string;
  start: string;
  end: string;
}

export interface SittingListItem extends SittingHead {
  /** UTC instants, ISO 8601. */
  starts_at: string;
  ends_at: string;
  registered: number;
  came: number;
  absent: number;
  unregistered: number;
}

export interface ReportPerson {
  student_id: number;
  lastname: string;
  firstname: string;
  group: string | null;
  matricula: string | null;
}

export interface SittingReport {
  sitting: SittingHead;
  /** By time of the pass. */
  came: (ReportPerson & { time: string; source: string; station: string | null })[];
  /** By group and name. */
  absent: ReportPerson[];
  /** By the first refused try. */
  unregistered: (ReportPerson & { time: string; status: string })[];
}

const head = (s: SittingRow): SittingHead => ({ id: s.id, exam: s.exam, room: s.room, date: s.sitting_date, start: s.start_time, end: s.end_time });

const person = (r: ReportStudent): ReportPerson => ({
  student_id: r.student_id,
  lastname: r.lastname,
  firstname: r.firstname,
  group: r.group,
  matricula: r.matricula,
});

const byGroupAndName = (a: ReportPerson, b: ReportPerson) =>
  (a.group ?? '').localeCompare(b.group ?? '', 'ru') ||
  a.lastname.localeCompare(b.lastname, 'ru') ||
  a.firstname.localeCompare(b.firstname, 'ru') ||
  a.student_id - b.student_id;

/** The sittings of a local date with their counts. */
export async function listSittings(db: Db, date: string): Promise<SittingListItem[]> {
  return (await sittingsOfDate(db, date)).map((s) => ({
    ...head(s),
    starts_at: new Date(s.starts_at).toISOString(),
    ends_at: new Date(s.ends_at).toISOString(),
    registered: s.registered,
    came: s.came,
    absent: s.absent,
    unregistered: s.unregistered,
  }));
}

/** The sitting's report; undefined when there is no such sitting. */
export async function sittingReport(db: Db, id: number, timeZone: string): Promise<SittingReport | undefined> {
  const s = await findSitting(db, id);
  if (!s) return undefined;
  const came = (await sittingCame(db, id)).map((r) => ({
    ...person(r),
    time: localTime(new Date(r.timestamp), timeZone),
    source: r.source,
    station: r.station,
  }));
  const absent = (await sittingAbsent(db, id)).map(person).sort(byGroupAndName);
  // One line per student: the first refused try (the rows come oldest first).
  const seen = new Set<number>();
  const unregistered: SittingReport['unregistered'] = [];
  for (const r of await sittingRefusals(db, id)) {
    if (seen.has(r.student_id)) continue;
    seen.add(r.student_id);
    unregistered.push({ ...person(r), time: localTime(new Date(r.timestamp), timeZone), status: r.status });
  }
  return { sitting: head(s), came, absent, unregistered };
}

/** `sitting_2026-06-15_0900_А-101.xlsx` (room made safe for a file name). */
export function sittingFileName(s: SittingHead): string {
  const room = s.room.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 40);
  return `sitting_${s.date}_${s.start.replace(':', '')}_${room}.xlsx`;
}

const STUDENT_COLUMNS = [
  { header: '№ зачётки (Matricula)', key: 'matricula', width: 14 },
  { header: 'Фамилия', key: 'lastname', width: 22 },
  { header: 'Имя', key: 'firstname', width: 18 },
  { header: 'Группа', key: 'group', width: 12 },
];

export const CAME_COLUMNS = [
  ...STUDENT_COLUMNS,
  { header: 'Время прохода', key: 'time', width: 12 },
  { header: 'Способ', key: 'source', width: 14 },
  { header: 'Пункт пропуска', key: 'station', width: 16 },
];
export const ABSENT_COLUMNS = STUDENT_COLUMNS;
export const UNREGISTERED_COLUMNS = [
  ...STUDENT_COLUMNS,
  { header: 'Первая попытка', key: 'time', width: 14 },
  { header: 'Причина отказа', key: 'status', width: 30 },
];

/** Who the student is; every text from the roster is defused against formulas. */
const studentCells = (p: ReportPerson) => ({ matricula: t(p.matricula), lastname: t(p.lastname), firstname: t(p.firstname), group: t(p.group) });

/** `15.06.2026` from `2026-06-15`. */
const dotted = (iso: string) => iso.split('-').reverse().join('.');

/** The line at the top of every sheet: a printed attendance list names its exam, room, date and times. */
export function sittingTitle(s: SittingHead): string {
  return `${s.exam} · аудитория ${s.room} · ${dotted(s.date)}, ${s.start}–${s.end}`;
}

/** Rows above the table: the sitting's title, what this sheet lists, a blank line. */
const TITLE_ROWS = 3;

function sheet(
  wb: ExcelJS.Workbook,
  name: string,
  head: SittingHead,
  caption: string,
  columns: { header: string; key: string; width: number }[],
  rows: Record<string, string | null>[],
): void {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: TITLE_ROWS + 1 }] });
  ws.getCell(1, 1).value = t(sittingTitle(head));
  ws.getCell(1, 1).font = { bold: true, size: 14 };
  ws.getCell(2, 1).value = caption;
  columns.forEach((c, i) => (ws.getColumn(i + 1).width = c.width));
  const header = ws.getRow(TITLE_ROWS + 1);
  header.values = columns.map((c) => c.header);
  header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E78' } };
  for (const r of rows) ws.addRow(columns.map((c) => r[c.key] ?? null));
  ws.autoFilter = { from: { row: TITLE_ROWS + 1, column: 1 }, to: { row: TITLE_ROWS + 1 + rows.length, column: columns.length } };
}

/** The report as .xlsx bytes: sheets «Пришли», «Не пришли», «Без регистрации» (a sitting is at most a few hundred rows). */
export async function sittingWorkbook(r: SittingReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'exam-face-checkin';
  wb.title = `${r.sitting.exam}, ${r.sitting.room}, ${r.sitting.date} ${r.sitting.start}–${r.sitting.end}`;
  sheet(
    wb,
    CAME_SHEET,
    r.sitting,
    `Пришли: ${r.came.length}`,
    CAME_COLUMNS,
    r.came.map((p) => ({ ...studentCells(p), time: p.time, source: sourceLabel(p.source), station: t(p.station) })),
  );
  sheet(wb, ABSENT_SHEET, r.sitting, `Записаны, но не пришли: ${r.absent.length}`, ABSENT_COLUMNS, r.absent.map(studentCells));
  sheet(
    wb,
    UNREGISTERED_SHEET,
    r.sitting,
    `Пытались войти, не будучи записанными: ${r.unregistered.length}`,
    UNREGISTERED_COLUMNS,
    r.unregistered.map((p) => ({ ...studentCells(p), time: p.time, status: REFUSAL_LABELS[p.status] ?? p.status })),
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}
