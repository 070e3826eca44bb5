// Passes → .xlsx written row by row with exceljs' streaming writer (50,000 passes never sit in memory).
import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Db } from '../db/index.js';
import { AppError } from '../errors.js';
import { localDate, localTime } from '../time.js';
import { safeCellText as t } from '../spreadsheet-text.js';
import { reportRows, type ReportFilter } from './repository.js';

export const REPORT_COLUMNS = [
  { header: 'Matricula', key: 'matricula', width: 14 },
  { header: 'Lastname', key: 'lastname', width: 22 },
  { header: 'Firstname', key: 'firstname', width: 18 },
  { header: 'Lotin', key: 'lotin', width: 26 },
  { header: 'Group', key: 'group', width: 12 },
  { header: 'Идентификатор', key: 'identifier', width: 16 },
  { header: 'DateTime of pass', key: 'datetime', width: 20, style: { numFmt: 'dd.mm.yyyy hh:mm:ss' } },
  { header: 'Passport number', key: 'passport_number', width: 16 },
  { header: 'Source', key: 'source', width: 9 },
  { header: 'Station', key: 'station', width: 14 },
  { header: 'Distance', key: 'distance', width: 10, style: { numFmt: '0.000' } },
] as const;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** `date=` or `from`/`to` (YYYY-MM-DD, local dates), default today; `group` optional. */
export function parseReportQuery(q: Record<string, unknown>, today: string): ReportFilter {
  const str = (k: string) => (typeof q[k] === 'string' && (q[k] as string).trim() !== '' ? (q[k] as string).trim() : undefined);
  const date = str('date');
  let from = str('from') ?? date ?? today;
  let to = str('to') ?? date ?? (str('from') ? today : from);
  if (date && (str('from') || str('to'))) throw new AppError('bad_request', 'Укажите либо date, либо from/to');
  for (const [k, v] of [['from', from], ['to', to]] as const) {
    if (!validDate(v)) throw new AppError('bad_request', `Неверная дата ${k === 'from' && date ? 'date' : k}=${JSON.stringify(v).slice(0, 30)}: нужен формат ГГГГ-ММ-ДД`);
  }
  if (from > to) [from, to] = [to, from];
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

export function writeReport(db: Db, filter: ReportFilter, timeZone: string): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'exam-face-checkin';
  const ws = wb.addWorksheet('Passes', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = REPORT_COLUMNS.map((c) => ({ ...c })) as Partial<ExcelJS.Column>[];
  void (async () => {
    try {
      const header = ws.getRow(1);
      header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
      header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E78' } };
      header.alignment = { vertical: 'middle' };
      header.commit();
      let n = 0;
      for await (const r of reportRows(db, filter)) {
        // Text from the sheet or a station is defused (t); the date and the distance are ours and stay typed.
        ws.addRow({
          matricula: t(r.matricula), lastname: t(r.lastname), firstname: t(r.firstname), lotin: t(r.lotin), group: t(r.group), identifier: t(r.identifier),
          datetime: localWallClock(new Date(r.timestamp), timeZone), passport_number: t(r.passport_number), source: t(r.source), station: t(r.station),
          distance: r.distance === null ? null : Math.round(r.distance * 1000) / 1000,
        }).commit();
        n++;
      }
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(1, n + 1), column: REPORT_COLUMNS.length } };
      ws.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
