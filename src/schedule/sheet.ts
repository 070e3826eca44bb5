// Reads the first sheet of a schedule workbook (exceljs): one exam sitting per row → typed rows + per-row
// problems. Russian headers (English aliases accepted), dates and times as Excel cells or text; control
// characters stripped, over-long cells refused. Runs in a worker thread (sheet-worker.ts).
import type ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { stripControls } from '../spreadsheet-text.js';
import { cellText, parseDate, type PlainCell } from '../students/excel.js';
import { hhmm } from './time.js';
import { SCHEDULE_LIMITS, tooLongList, tooLongText } from './cell-limits.js';

/** The schedule's columns: the name the template writes, the field, and the other spellings accepted. */
export const SCHEDULE_COLUMNS = [
  { name: 'Экзамен', field: 'exam', aliases: ['exam', 'предмет', 'дисциплина', 'subject', 'экзамен (предмет)'] },
  { name: 'Дата', field: 'date', aliases: ['date', 'дата экзамена'] },
  { name: 'Начало', field: 'start', aliases: ['start', 'начало экзамена', 'время начала', 'start time', 'begin'] },
  { name: 'Конец', field: 'end', aliases: ['end', 'окончание', 'конец экзамена', 'время окончания', 'end time', 'finish'] },
  { name: 'Аудитория', field: 'room', aliases: ['room', 'ауд', 'ауд.', 'auditorium', 'кабинет', 'classroom'] },
  { name: 'Группа', field: 'group', aliases: ['group', 'группы', 'groups'] },
  { name: 'Matricula', field: 'matricula', aliases: ['matriculas', 'матрикула', 'matricula list', 'список matricula'] },
] as const;

export type ScheduleField = (typeof SCHEDULE_COLUMNS)[number]['field'];

/** Always needed; of Группа and Matricula at least one (a row may use either). */
const REQUIRED: ScheduleField[] = ['exam', 'date', 'start', 'end', 'room'];

export type ScheduleRowReason = 'missing_exam' | 'missing_room' | 'bad_date' | 'bad_time' | 'no_students' | 'cell_too_long';

export interface ScheduleRow {
  /** 1-based row number as Excel shows it. */
  row: number;
  exam: string;
  room: string;
  /** Local date `YYYY-MM-DD`, times `HH:MM` (TIMEZONE). */
  date: string;
  start: string;
  end: string;
  groups: string[];
  matriculas: string[];
}

export interface ScheduleProblem {
  row: number;
  reason: ScheduleRowReason;
  message: string;
}

export interface ScheduleSheet {
  rows: ScheduleRow[];
  problems: ScheduleProblem[];
  /** Non-empty data rows seen (good + bad). */
  dataRows: number;
}

type Plain = PlainCell;

const normalise = (s: string) => stripControls(s).trim().replace(/\s+/g, ' ').replace(/ё/g, 'е').toLowerCase();

const isBlank = (v: Plain) => v === null || (typeof v === 'string' && v.trim() === '');

/** Shown in a message: what the cell held. */
function shown(v: Plain): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'неверная дата' : v.toISOString().replace('T', ' ').slice(0, 16);
  if (v && typeof v === 'object') return v.error;
  return stripControls(String(v)).trim().slice(0, 40);
}

/** A number that is really an identifier: no exponent, no ".0", leading zeros restored from a 000… format. */
function numberAsId(n: number, numFmt: string | undefined): string {
  let s = Number.isSafeInteger(n) ? String(n) : Number.isInteger(n) ? BigInt(n).toString() : String(n);
  const zeros = numFmt && /^0+$/.test(numFmt) ? numFmt.length : 0;
  if (zeros > s.length) s = s.padStart(zeros, '0');
  return s;
}

/** Text of a cell for names and lists: numbers as written, whitespace kept for the caller to split. */
function text(v: Plain, numFmt: string | undefined): string | undefined {
  if (v === null || (v && typeof v === 'object' && !(v instanceof Date))) return undefined;
  if (typeof v === 'number') return numberAsId(v, numFmt);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().slice(0, 10);
  const s = stripControls(String(v)).trim();
  return s === '' ? undefined : s;
}

const oneLine = (s: string | undefined) => (s === undefined ? undefined : s.replace(/\s+/g, ' ').trim() || undefined);

/**
 * A time of day as minutes after midnight: an Excel time (exceljs: a Date on 1899-12-30, or a fraction of
 * a day; a date with a time: its time), or text `ЧЧ:ММ` (also `Ч:ММ`, `ЧЧ.ММ`, `ЧЧ:ММ:СС`).
 */
export function parseTime(v: Plain): number | undefined {
  let minutes: number | undefined;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return undefined;
    // Rounded to the minute: Excel's fractions of a day come back a millisecond short (08:59:59.999).
    const ms = Math.round(v.getTime() / 60_000) * 60_000;
    const d = new Date(ms);
    minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
  } else if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && !Number.isInteger(v)) {
    minutes = Math.round((v - Math.floor(v)) * 1440);
  } else if (v === 0) {
    minutes = 0;
  } else if (typeof v === 'string') {
    const m = /^(\d{1,2})[:.](\d{2})(?::(\d{2}))?$/.exec(v.trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return undefined;
    minutes = Number(m[1]) * 60 + Number(m[2]);
  }
  return minutes === undefined || minutes >= 1440 ? undefined : minutes;
}

/** «ИТ-21, ЭК-22; ФИ-23» → groups (a group name may hold spaces; not split on them). */
export function splitGroups(s: string | undefined): string[] {
  if (!s) return [];
  return [...new Set(s.split(/[,;\n\r]+/).map((g) => g.replace(/\s+/g, ' ').trim()))].filter((g) => g !== '');
}

/** «00012345, 00012346 00012347» → Matricula list (commas, semicolons, spaces, newlines). */
export function splitMatriculas(s: string | undefined): string[] {
  if (!s) return [];
  return [...new Set(s.split(/[\s,;]+/).filter((m) => m !== ''))];
}

/**
 * Finds the header row: within the first 10 rows, the first that names at least two of the columns (a title
 * line above the table is passed over), else the first non-empty one; then checks every needed column is there.
 */
function mapHeader(ws: ExcelJS.Worksheet): { headerRow: number; columnOf: Map<ScheduleField, number> } {
  const wanted = new Map<string, ScheduleField>();
  for (const c of SCHEDULE_COLUMNS) for (const n of [c.name, c.field, ...c.aliases]) wanted.set(normalise(n), c.field);
  let header: { r: number; columnOf: Map<ScheduleField, number>; found: string[] } | undefined;
  for (let r = 1; r <= Math.min(10, ws.rowCount); r++) {
    const row = ws.getRow(r);
    if (!row.hasValues) continue;
    const columnOf = new Map<ScheduleField, number>();
    const found: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      const v = cellText(cell.value);
      if (v === null || (typeof v === 'object' && !(v instanceof Date))) return;
      const name = String(v instanceof Date ? v.toISOString().slice(0, 10) : v)
        .replace(/\s+/g, ' ')
        .trim();
      if (name === '') return;
      found.push(name);
      const field = wanted.get(normalise(name));
      if (field && !columnOf.has(field)) columnOf.set(field, col);
    });
    if (found.length === 0) continue;
    if (!header || columnOf.size > header.columnOf.size) header = { r, columnOf, found };
    if (columnOf.size >= 2) break;
  }
  if (!header)
    throw new AppError(
      'bad_excel',
      'Таблица расписания пуста: нет строки заголовков (Экзамен, Дата, Начало, Конец, Аудитория, Группа, Matricula)',
      'no header row',
    );
  const { r, columnOf, found } = header;
  const missing = SCHEDULE_COLUMNS.filter((c) => REQUIRED.includes(c.field) && !columnOf.has(c.field)).map((c) => `«${c.name}»`);
  if (!columnOf.has('group') && !columnOf.has('matricula')) missing.push('«Группа» или «Matricula»');
  if (missing.length > 0) {
    const list = found.map((f) => `«${f.slice(0, 60)}»`).join(', ');
    throw new AppError(
      'bad_excel',
      `В таблице расписания нет столбц${missing.length > 1 ? 'ов' : 'а'} ${missing.join(', ')} (строка заголовков ${r}). ` +
        `Найдены столбцы: ${list}. Нужны столбцы: Экзамен, Дата, Начало, Конец, Аудитория и Группа и/или Matricula ` +
        `(скачайте шаблон: GET /admin/schedule-template.xlsx).`,
      `schedule: missing columns ${missing.join(', ')}; found ${found.join(', ')}`,
    );
  }
  return { headerRow: r, columnOf };
}

/** The first sheet of the workbook, checked row by row. */
export function readScheduleSheet(wb: ExcelJS.Workbook): ScheduleSheet {
  const ws = wb.worksheets.find((w) => w.state === 'visible') ?? wb.worksheets[0];
  if (!ws) throw new AppError('bad_excel', 'В файле Excel нет листов', 'no worksheets');
  const { headerRow, columnOf } = mapHeader(ws);
  const rows: ScheduleRow[] = [];
  const problems: ScheduleProblem[] = [];
  let dataRows = 0;
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    if (!row.hasValues) continue;
    const cell = (f: ScheduleField) => {
      const col = columnOf.get(f);
      return col === undefined ? undefined : row.getCell(col);
    };
    const raw = (f: ScheduleField): Plain => cellText(cell(f)?.value ?? null);
    const str = (f: ScheduleField) => text(raw(f), cell(f)?.numFmt);
    if (SCHEDULE_COLUMNS.every((c) => isBlank(raw(c.field)))) continue;
    dataRows++;
    const errors: { reason: ScheduleRowReason; message: string }[] = [];
    const tooLong = (message: string | undefined) => message !== undefined && errors.push({ reason: 'cell_too_long', message });
    const exam = oneLine(str('exam'));
    if (!exam) errors.push({ reason: 'missing_exam', message: 'не указан экзамен (столбец «Экзамен»)' });
    tooLong(tooLongText('Экзамен', exam, SCHEDULE_LIMITS.exam));
    const room = oneLine(str('room'));
    if (!room) errors.push({ reason: 'missing_room', message: 'не указана аудитория (столбец «Аудитория»)' });
    tooLong(tooLongText('Аудитория', room, SCHEDULE_LIMITS.room));
    const dateRaw = raw('date');
    const date = isBlank(dateRaw) ? undefined : parseDate(dateRaw);
    if (!date)
      errors.push({
        reason: 'bad_date',
        message: isBlank(dateRaw) ? 'не указана дата (столбец «Дата»)' : `неверная дата «${shown(dateRaw)}»: нужна дата Excel или дд.мм.гггг / гггг-мм-дд`,
      });
    const times: (number | undefined)[] = [];
    for (const [f, label] of [
      ['start', 'Начало'],
      ['end', 'Конец'],
    ] as const) {
      const v = raw(f);
      const t = isBlank(v) ? undefined : parseTime(v);
      times.push(t);
      if (t === undefined)
        errors.push({
          reason: 'bad_time',
          message: isBlank(v) ? `не указано время (столбец «${label}»)` : `неверное время «${shown(v)}» в столбце «${label}»: нужно время Excel или ЧЧ:ММ`,
        });
    }
    const [start, end] = times;
    if (start !== undefined && end !== undefined && end <= start)
      errors.push({ reason: 'bad_time', message: `конец (${hhmm(end)}) не позже начала (${hhmm(start)})` });
    // A list cell beyond Excel's own cell size is refused before it is split (a hostile file may hold megabytes).
    let listRefused = false;
    const listCell = (f: 'group' | 'matricula', column: string) => {
      const v = str(f);
      if (!tooLong(tooLongText(column, v, SCHEDULE_LIMITS.cell))) return v;
      listRefused = true;
      return undefined;
    };
    const groups = splitGroups(listCell('group', 'Группа'));
    const matriculas = splitMatriculas(listCell('matricula', 'Matricula'));
    tooLong(tooLongList('Группа', groups, SCHEDULE_LIMITS.group, SCHEDULE_LIMITS.groupsPerRow));
    tooLong(tooLongList('Matricula', matriculas, SCHEDULE_LIMITS.matricula, SCHEDULE_LIMITS.matriculasPerRow));
    for (const f of ['group', 'matricula'] as const) {
      const v = raw(f);
      if (v && typeof v === 'object' && !(v instanceof Date))
        errors.push({ reason: 'no_students', message: `ошибка в ячейке «${f === 'group' ? 'Группа' : 'Matricula'}»: ${v.error}` });
    }
    if (groups.length === 0 && matriculas.length === 0 && !listRefused)
      errors.push({ reason: 'no_students', message: 'не указано, кто сдаёт: нет ни группы (столбец «Группа»), ни списка Matricula' });
    if (errors.length > 0) {
      problems.push({ row: r, reason: errors[0]!.reason, message: errors.map((e) => e.message).join('; ') });
      continue;
    }
    rows.push({ row: r, exam: exam!, room: room!, date: date!, start: hhmm(start!), end: hhmm(end!), groups, matriculas });
  }
  return { rows, problems, dataRows };
}
