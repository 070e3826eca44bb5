// Reads and validates the 10-column student sheet (exceljs) → typed rows + per-row problems.
import ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { checkXlsxSize } from './zip.js';
import { stripBidi } from '../spreadsheet-text.js';
import type { StudentFields } from '../db/schema.js';

/** The sheet's columns, exactly as the seed names them, and the field each one fills. */
export const COLUMNS = [
  ['Matricula', 'matricula'],
  ['Lastname', 'lastname'],
  ['Firstname', 'firstname'],
  ['Lotin', 'lotin'],
  ['Short', 'short'],
  ['Group', 'group'],
  ['Идентификатор', 'identifier'],
  ['Date of birth', 'date_of_birth'],
  ['Passport number', 'passport_number'],
  ['File path', 'file_path'],
] as const;

export type Field = (typeof COLUMNS)[number][1];

export type SheetRow = StudentFields & {
  /** 1-based row number as Excel shows it. */
  row: number;
  /** What was wrong with an optional cell (a bad birth date, an error in Group…): the row is stored without it, with a warning. */
  notes?: { reason: RowReason; message: string }[];
};

export type RowReason = 'missing_id' | 'missing_name' | 'bad_date' | 'bad_cell';

export interface RowProblem {
  row: number;
  matricula: string | null;
  reason: RowReason;
  message: string;
}

export interface Sheet {
  rows: SheetRow[];
  problems: RowProblem[];
  /** Non-empty data rows seen (good + bad). */
  dataRows: number;
}

const normalise = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** A cell's value without exceljs' wrappers. */
export type PlainCell = string | number | Date | boolean | null | { error: string };

/** Plain text of any exceljs cell value (rich text, hyperlinks, formulas' cached results); bidi controls removed. */
export function cellText(v: ExcelJS.CellValue): PlainCell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return stripBidi(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if ('richText' in v) return stripBidi(v.richText.map((t) => t.text).join(''));
  if ('error' in v) return { error: String(v.error) };
  if ('formula' in v || 'sharedFormula' in v) {
    const r = (v as ExcelJS.CellFormulaValue).result;
    return r === undefined ? null : cellText(r);
  }
  if ('text' in v) return cellText(v.text);
  return null;
}

/** A number that is really an identifier: no exponent, no ".0", leading zeros restored from a 000… format. */
function numberAsId(n: number, numFmt: string | undefined): string {
  let s = Number.isSafeInteger(n) ? String(n) : Number.isInteger(n) ? BigInt(n).toString() : String(n);
  const zeros = numFmt && /^0+$/.test(numFmt) ? numFmt.length : 0;
  if (zeros > s.length) s = s.padStart(zeros, '0');
  return s;
}

function isoDate(y: number, m: number, d: number): string | undefined {
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return undefined;
  if (y < 1900 || y > 2100) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Excel dates, Excel serial numbers and text `dd.mm.yyyy` / `yyyy-mm-dd` (also with / or -). */
export function parseDate(v: ReturnType<typeof cellText>): string | undefined {
  if (v instanceof Date) {
    // exceljs gives the sheet's calendar date at UTC midnight.
    return Number.isNaN(v.getTime()) ? undefined : isoDate(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate());
  }
  if (typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 80_000) {
    const ms = Math.round((v - 25569) * 86_400_000); // serial 25569 = 1970-01-01 (1900 date system)
    const dt = new Date(ms);
    return isoDate(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
  }
  if (typeof v === 'string') {
    const t = v.trim();
    let m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(t);
    if (m) return isoDate(Number(m[3]), Number(m[2]), Number(m[1]));
    m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$/.exec(t);
    if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  return undefined;
}

/** Finds the header row (the first non-empty one within the first 10 rows) and maps every column. */
function mapHeader(ws: ExcelJS.Worksheet): { headerRow: number; columnOf: Map<Field, number> } {
  const wanted = new Map(COLUMNS.map(([name, field]) => [normalise(name), field] as const));
  for (let r = 1; r <= Math.min(10, ws.rowCount); r++) {
    const row = ws.getRow(r);
    if (!row.hasValues) continue;
    const columnOf = new Map<Field, number>();
    const unknown: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      const text = cellText(cell.value);
      if (text === null || typeof text === 'object') return;
      const name = String(text);
      const field = wanted.get(normalise(name));
      if (field && !columnOf.has(field)) columnOf.set(field, col);
      else if (!field && name.trim()) unknown.push(name.trim());
    });
    const missing = COLUMNS.filter(([, f]) => !columnOf.has(f)).map(([n]) => n);
    if (missing.length > 0) {
      const extra = unknown.length ? ` Неизвестные столбцы: ${unknown.map((u) => `«${u}»`).join(', ')}.` : '';
      throw new AppError(
        'bad_excel',
        `В таблице нет столбц${missing.length > 1 ? 'ов' : 'а'} ${missing.map((m) => `«${m}»`).join(', ')} (строка заголовков ${r}).${extra} ` +
          `Нужны столбцы: ${COLUMNS.map(([n]) => n).join(', ')}.`,
        `missing columns: ${missing.join(', ')}`,
      );
    }
    return { headerRow: r, columnOf };
  }
  throw new AppError('bad_excel', 'Таблица пуста: нет строки заголовков', 'no header row');
}

/** Uncompressed size allowed for a student sheet: 100,000 students take ~30 MB. */
export const MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024;

/** Loads a workbook from a file path or bytes; any reading failure is a clear `bad_excel`. */
export async function openWorkbook(source: string | Buffer): Promise<ExcelJS.Workbook> {
  await checkXlsxSize(source, MAX_XLSX_UNCOMPRESSED);
  const wb = new ExcelJS.Workbook();
  try {
    if (typeof source === 'string') await wb.xlsx.readFile(source);
    else await wb.xlsx.load(source as unknown as ArrayBuffer);
  } catch (e) {
    throw new AppError('bad_excel', 'Не удалось прочитать файл Excel: нужен файл .xlsx', String((e as Error)?.message ?? e));
  }
  return wb;
}

export function readStudentSheet(wb: ExcelJS.Workbook): Sheet {
  const ws = wb.worksheets.find((w) => w.state === 'visible' && w.actualRowCount > 0) ?? wb.worksheets[0];
  if (!ws) throw new AppError('bad_excel', 'В файле Excel нет листов', 'no worksheets');
  const { headerRow, columnOf } = mapHeader(ws);
  const rows: SheetRow[] = [];
  const problems: RowProblem[] = [];
  let dataRows = 0;
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    if (!row.hasValues) continue;
    const raw = new Map<Field, ReturnType<typeof cellText>>();
    const fmt = new Map<Field, string | undefined>();
    for (const [, field] of COLUMNS) {
      const cell = row.getCell(columnOf.get(field)!);
      raw.set(field, cellText(cell.value));
      fmt.set(field, cell.numFmt);
    }
    if ([...raw.values()].every((v) => v === null || (typeof v === 'string' && v.trim() === ''))) continue;
    dataRows++;
    const errors: { reason: RowReason; message: string }[] = [];
    const text = (field: Field, asId = false): string | null => {
      const v = raw.get(field);
      if (v === null || v === undefined) return null;
      if (typeof v === 'object' && !(v instanceof Date)) {
        errors.push({ reason: 'bad_cell', message: `ошибка в ячейке «${COLUMNS.find(([, f]) => f === field)![0]}»: ${v.error}` });
        return null;
      }
      if (typeof v === 'number') return asId ? numberAsId(v, fmt.get(field)) : String(v);
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString().slice(0, 10);
      const s = String(v).replace(/\s+/g, ' ').trim();
      return s === '' ? null : s;
    };
    const matricula = text('matricula', true);
    const identifier = text('identifier', true);
    const lastname = text('lastname');
    const firstname = text('firstname');
    let date_of_birth: string | null = null;
    const dobRaw = raw.get('date_of_birth');
    if (dobRaw !== null && dobRaw !== undefined && !(typeof dobRaw === 'string' && dobRaw.trim() === '')) {
      const iso = parseDate(dobRaw);
      if (iso) date_of_birth = iso;
      else
        errors.push({
          reason: 'bad_date',
          message: `неверная дата рождения «${dobRaw instanceof Date ? 'дата' : String(typeof dobRaw === 'object' ? dobRaw.error : dobRaw)}»: нужна дата Excel или дд.мм.гггг`,
        });
    }
    const parsed: SheetRow = {
      row: r,
      matricula,
      lastname: lastname ?? '',
      firstname: firstname ?? '',
      lotin: text('lotin'),
      short: text('short'),
      group: text('group'),
      identifier,
      date_of_birth,
      passport_number: text('passport_number', true),
      file_path: text('file_path'),
    };
    // Only a row nobody could be found by (no Matricula or Идентификатор, no name) is refused; a wrong optional
    // cell is dropped with a warning and the student is stored.
    const fatal: { reason: RowReason; message: string }[] = [];
    // Who the student is must be real text: ИСТИНА or a date in Matricula, or a name without a letter, is a broken row.
    const idLike = (f: Field) => typeof raw.get(f) === 'boolean' || raw.get(f) instanceof Date;
    const nameLike = (v: string | null) => v === null || /\p{L}/u.test(v);
    for (const f of ['matricula', 'identifier'] as const)
      if (idLike(f)) fatal.push({ reason: 'bad_cell', message: `в столбце «${COLUMNS.find(([, c]) => c === f)![0]}» не номер: «${String(raw.get(f))}»` });
    for (const [f, v] of [
      ['lastname', lastname],
      ['firstname', firstname],
    ] as const)
      if (!nameLike(v)) fatal.push({ reason: 'bad_cell', message: `в столбце «${COLUMNS.find(([, c]) => c === f)![0]}» нет букв: «${v}»` });
    if (!matricula && !identifier) fatal.push({ reason: 'missing_id', message: 'нет ни Matricula, ни Идентификатора' });
    if (!lastname && !firstname) fatal.push({ reason: 'missing_name', message: 'нет ни фамилии, ни имени' });
    if (fatal.length > 0) {
      const all = [...fatal, ...errors];
      problems.push({ row: r, matricula, reason: all[0]!.reason, message: all.map((e) => e.message).join('; ') });
    } else {
      if (errors.length > 0) parsed.notes = errors;
      rows.push(parsed);
    }
  }
  return { rows, problems, dataRows };
}
