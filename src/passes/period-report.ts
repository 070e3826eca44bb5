// Passes → .xlsx written row by row with exceljs' streaming writer (50,000 passes never sit in memory):
// sheet «Проходы» (standing passes, with their exam sitting if any; cancelled ones are left out) and sheet
// «Не прошли» (absentees).
import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Db } from '../db/index.js';
import type { StudentSummary } from '../db/schema.js';
import { AppError } from '../errors.js';
import { localDate, localTime } from '../time.js';
import { safeCellText as t } from '../spreadsheet-text.js';
import { absentRows, reportRows, sittingDates, type AbsentRow, type ReportFilter } from './repository.js';

/** The «Аудитория» of a pass made on an exam day outside any sitting by a station without a room. */
export const NO_ROOM = 'не задана у пункта';

/** How a pass was recorded, as the exam office reads it. */
export const SOURCE_LABELS: Record<string, string> = {
  camera: 'камера',
  web: 'загрузка фото',
  manual: 'вручную',
  verified: 'зачётка + лицо',
  override: 'допущен оператором',
};

export function sourceLabel(source: string): string {
  return SOURCE_LABELS[source] ?? source;
}

/** Who the student is: the first columns of both sheets. */
const STUDENT_COLUMNS = [
  { header: '№ зачётки (Matricula)', key: 'matricula', width: 14 },
  { header: 'Фамилия', key: 'lastname', width: 22 },
  { header: 'Имя', key: 'firstname', width: 18 },
  { header: 'ФИО латиницей', key: 'lotin', width: 26 },
  { header: 'Группа', key: 'group', width: 12 },
  { header: 'Идентификатор', key: 'identifier', width: 16 },
] as const;

export const REPORT_COLUMNS = [
  ...STUDENT_COLUMNS,
  { header: 'Дата и время прохода', key: 'datetime', width: 20, style: { numFmt: 'dd.mm.yyyy hh:mm:ss' } },
  { header: 'Номер паспорта', key: 'passport_number', width: 16 },
  { header: 'Способ', key: 'source', width: 14 },
  { header: 'Пункт пропуска', key: 'station', width: 16 },
  { header: 'Экзамен', key: 'exam', width: 22 },
  { header: 'Аудитория', key: 'room', width: 11 },
  { header: 'Причина (вручную)', key: 'reason', width: 28 },
  { header: 'Расстояние', key: 'distance', width: 11, style: { numFmt: '0.000' } },
] as const;

export const ABSENT_COLUMNS = STUDENT_COLUMNS;

export const PASSES_SHEET = 'Проходы';
export const ABSENT_SHEET = 'Не прошли';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** `date=` or `from`/`to` (YYYY-MM-DD, local dates), default today; `group` optional. */
export function parseReportQuery(q: Record<string, unknown>, today: string): ReportFilter {
  const str = (k: string) => (typeof q[k] === 'string' && q[k].trim() !== '' ? q[k].trim() : undefined);
  const date = str('date');
  const from = str('from') ?? date ?? today;
  const to = str('to') ?? date ?? (str('from') ? today : from);
  if (date && (str('from') || str('to'))) throw new AppError('bad_request', 'Укажите либо date, либо from/to');
  for (const [k, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!validDate(v))
      throw new AppError('bad_request', `Неверная дата ${k === 'from' && date ? 'date' : k}=${JSON.stringify(v).slice(0, 30)}: нужен формат ГГГГ-ММ-ДД`);
  }
  if (from > to) throw new AppError('bad_request', `Начало периода (from=${from}) позже конца (to=${to})`);
  const group = str('group');
  return { from, to, ...(group ? { group } : {}) };
}

export function reportFileName(f: ReportFilter): string {
  const range = f.from === f.to ? f.from : `${f.from}_${f.to}`;
  const group = f.group ? `_${f.group.replace(/[^\p{L}\p{N}_-]+/gu, '-')}` : '';
  return `passes_${range}${group}.xlsx`;
}

/**
 * Excel has no time zones: a date cell shows the wall-clock value it holds. We write the local
 * time in TIMEZONE as if it were UTC, which exceljs stores verbatim.
 */
function localWallClock(ts: Date, timeZone: string): Date {
  return new Date(`${localDate(ts, timeZone)}T${localTime(ts, timeZone)}.000Z`);
}

function styleHeader(ws: ExcelJS.Worksheet): void {
  const header = ws.getRow(1);
  header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E78' } };
  header.alignment = { vertical: 'middle' };
  header.commit();
}

/** The student's columns; text from the sheet is defused (t). */
function studentCells(r: StudentSummary): Record<(typeof STUDENT_COLUMNS)[number]['key'], string | null> {
  return { matricula: t(r.matricula), lastname: t(r.lastname), firstname: t(r.firstname), lotin: t(r.lotin), group: t(r.group), identifier: t(r.identifier) };
}

const byGroupAndName = (a: AbsentRow, b: AbsentRow) =>
  (a.group ?? '').localeCompare(b.group ?? '', 'ru') ||
  a.lastname.localeCompare(b.lastname, 'ru') ||
  a.firstname.localeCompare(b.firstname, 'ru') ||
  a.id - b.id;

export function writeReport(db: Db, filter: ReportFilter, timeZone: string): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'exam-face-checkin';
  const ws = wb.addWorksheet(PASSES_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = REPORT_COLUMNS.map((c) => ({ ...c }));
  void (async () => {
    try {
      styleHeader(ws);
      let n = 0;
      const examDays = await sittingDates(db, filter.from, filter.to);
      for await (const r of reportRows(db, filter)) {
        // Text from the sheet or a station is defused (t); the date and the distance are ours and stay typed.
        ws.addRow({
          ...studentCells(r),
          datetime: localWallClock(new Date(r.timestamp), timeZone),
          passport_number: t(r.passport_number),
          source: sourceLabel(r.source),
          station: t(r.station),
          exam: t(r.exam),
          // Outside any sitting on an exam day: the station had no room (its pass counted by the day rule) — the office should know.
          room: t(r.room ?? r.station_room ?? (examDays.has(r.pass_date) ? NO_ROOM : null)),
          reason: t(r.reason),
          distance: r.distance === null ? null : Math.round(r.distance * 1000) / 1000,
        }).commit();
        n++;
      }
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, n + 1), column: REPORT_COLUMNS.length } };
      ws.commit();

      // Absentees: a roster is at most tens of thousands of short rows, sorted here by group and name.
      const absent: AbsentRow[] = [];
      for await (const r of absentRows(db, filter)) absent.push(r);
      absent.sort(byGroupAndName);
      const wa = wb.addWorksheet(ABSENT_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
      wa.columns = ABSENT_COLUMNS.map((c) => ({ ...c }));
      styleHeader(wa);
      for (const r of absent) {
        wa.addRow(studentCells(r)).commit();
      }
      wa.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, absent.length + 1), column: ABSENT_COLUMNS.length } };
      wa.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
