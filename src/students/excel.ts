// Reads and validates the student sheet (exceljs) → typed rows + per-row problems. Columns by their seed
// names or Russian ones; only Matricula/Идентификатор, Lastname and Firstname are required.
import ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { checkXlsxSize } from './zip.js';
import { stripBidi, stripControls } from '../spreadsheet-text.js';
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

/**
 * Other names a sheet may give each column (the seed's name in COLUMNS is always accepted). Compared as
 * {@link headerKey}: letter case, spaces, `_ - . : *` and ё/е do not matter («Номер зачетки*» is «Номер зачётки»).
 */
export const ALIASES: Record<Field, readonly string[]> = {
  matricula: ['Номер зачётки', '№ зачётки', 'Зачётка', 'Зачётная книжка', 'Номер зачётной книжки', '№ зачётной книжки'],
  lastname: ['Фамилия', 'Surname'],
  firstname: ['Имя', 'First name'],
  lotin: ['Латиница', 'ФИО латиницей', 'Имя латиницей'],
  short: ['Краткое имя', 'Сокращение', 'Short name'],
  group: ['Группа'],
  identifier: ['ID', 'Identifier'],
  date_of_birth: ['Дата рождения', 'Birth date'],
  passport_number: ['Паспорт', 'Номер паспорта', 'Серия и номер паспорта', 'Passport'],
  file_path: ['Фото', 'Путь к фото', 'Файл фото', 'Photo'],
};

/**
 * Columns a student cannot be stored without: Lastname and Firstname (a row may leave one of the two empty),
 * and Matricula or Идентификатор (one of the two columns; each row needs one of the two numbers). The rest
 * may be missing: their fields are then empty (a sheet without File path: no student has a photo).
 */
export const REQUIRED_FIELDS: readonly Field[] = ['lastname', 'firstname'];
/** Of these columns at least one must be there. */
export const ONE_OF_FIELDS: readonly Field[] = ['matricula', 'identifier'];

/**
 * Headers deliberately not read as any column: a whole name in one cell cannot be split into last and
 * first name safely (Russian «Фамилия Имя Отчество», Uzbek or Kazakh names of three and more words).
 */
const WHOLE_NAME = ['ФИО', 'Ф.И.О.', 'ФИО студента', 'Full name', 'Name', 'Студент'];

/** How a header is compared: lower case, ё = е, no spaces or `_ - . : *`, no control characters. */
export const headerKey = (s: string) =>
  stripControls(s)
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\s_.:*-]+/g, '');

const FIELD_OF_KEY = new Map<string, Field>();
for (const [name, field] of COLUMNS) for (const n of [name, ...ALIASES[field]]) FIELD_OF_KEY.set(headerKey(n), field);
const WHOLE_NAME_KEYS = new Set(WHOLE_NAME.map(headerKey));

/** The seed's name of a field's column («Lastname»). */
export const columnName = (field: Field): string => COLUMNS.find(([, f]) => f === field)![0];

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

/** A column named in a message: the seed's name and the first Russian one («Lastname» (Фамилия)). */
const described = (field: Field) => {
  const ru = ALIASES[field].find((a) => /[а-яё]/i.test(a));
  return `«${columnName(field)}»${ru ? ` (${ru})` : ''}`;
};

/** What one row reads as a header: the column of each field, the fields named twice, every header text. */
interface HeaderRead {
  r: number;
  columnOf: Map<Field, number>;
  twice: Map<Field, number[]>;
  found: { name: string; col: number }[];
}

function readHeaderRow(ws: ExcelJS.Worksheet, r: number): HeaderRead {
  const columnOf = new Map<Field, number>();
  const twice = new Map<Field, number[]>();
  const found: { name: string; col: number }[] = [];
  ws.getRow(r).eachCell({ includeEmpty: false }, (cell, col) => {
    const v = cellText(cell.value);
    if (v === null || (typeof v === 'object' && !(v instanceof Date))) return;
    const name = stripControls(String(v instanceof Date ? v.toISOString().slice(0, 10) : v))
      .replace(/\s+/g, ' ')
      .trim();
    if (name === '') return;
    found.push({ name, col });
    const field = FIELD_OF_KEY.get(headerKey(name));
    if (!field) return;
    const first = columnOf.get(field);
    if (first === undefined) columnOf.set(field, col);
    else twice.set(field, [...(twice.get(field) ?? [first]), col]);
  });
  return { r, columnOf, twice, found };
}

const MAX_LISTED_HEADERS = 30;

/**
 * Finds the header row: within the first 10 rows, the first that names at least two columns (a title line
 * above the table is passed over), else the one naming the most, else the first non-empty one. Refuses a
 * header that names one column twice, or lacks a required one (the message names them and what was found).
 */
function mapHeader(ws: ExcelJS.Worksheet): { headerRow: number; columnOf: Map<Field, number> } {
  let header: HeaderRead | undefined;
  for (let r = 1; r <= Math.min(10, ws.rowCount); r++) {
    const read = readHeaderRow(ws, r);
    if (read.found.length === 0) continue;
    if (!header || read.columnOf.size > header.columnOf.size) header = read;
    if (read.columnOf.size >= 2) break;
  }
  if (!header) throw new AppError('bad_excel', 'Таблица пуста: нет строки заголовков', 'no header row');
  const { r, columnOf, twice, found } = header;
  const nameAt = (col: number) => found.find((f) => f.col === col)!.name;
  const letter = (col: number) => ws.getColumn(col).letter;
  if (twice.size > 0) {
    const list = [...twice].map(([field, cols]) => `${described(field)}: ${cols.map((c) => `«${nameAt(c)}» (столбец ${letter(c)})`).join(' и ')}`);
    throw new AppError(
      'bad_excel',
      `В строке заголовков ${r} одно и то же поле названо дважды — ${list.join('; ')}. Оставьте один из этих столбцов или переименуйте лишний.`,
      `columns named twice: ${[...twice].map(([f, cols]) => `${f} (${cols.map(letter).join(', ')})`).join('; ')}`,
    );
  }
  const missing = REQUIRED_FIELDS.filter((f) => !columnOf.has(f)).map(described);
  if (!ONE_OF_FIELDS.some((f) => columnOf.has(f))) missing.unshift(ONE_OF_FIELDS.map(described).join(' или '));
  if (missing.length > 0) {
    const shown = found.slice(0, MAX_LISTED_HEADERS).map((f) => `«${f.name.slice(0, 60)}»`);
    if (found.length > MAX_LISTED_HEADERS) shown.push(`… ещё ${found.length - MAX_LISTED_HEADERS}`);
    const whole = found.filter((f) => WHOLE_NAME_KEYS.has(headerKey(f.name))).map((f) => `«${f.name}»`);
    const wholeNote = whole.length ? ` Столбец ${whole.join(', ')} не читается: фамилия и имя нужны в отдельных столбцах «Фамилия» и «Имя».` : '';
    throw new AppError(
      'bad_excel',
      `В таблице нет обязательн${missing.length > 1 ? 'ых столбцов' : 'ого столбца'} ${missing.join(', ')} (строка заголовков ${r}). ` +
        `Найдены столбцы: ${shown.join(', ') || 'нет'}.${wholeNote} ` +
        'Обязательны: Matricula или Идентификатор, Lastname (Фамилия), Firstname (Имя); остальные — по желанию. ' +
        'Названия столбцов — как в шаблоне или по-русски (лист «Пояснения» шаблона).',
      `missing columns: ${missing.join(', ')}; found: ${found.map((f) => f.name).join(', ')}`,
    );
  }
  return { headerRow: r, columnOf };
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
      const col = columnOf.get(field);
      if (col === undefined) {
        raw.set(field, null); // an optional column the sheet does not have
        continue;
      }
      const cell = row.getCell(col);
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
    const shownCell = (v: PlainCell | undefined) => (typeof v === 'boolean' ? (v ? 'ИСТИНА' : 'ЛОЖЬ') : v instanceof Date ? v.toISOString().slice(0, 10) : '');
    const idLike = (f: Field) => typeof raw.get(f) === 'boolean' || raw.get(f) instanceof Date;
    const nameLike = (v: string | null) => v === null || /\p{L}/u.test(v);
    for (const f of ['matricula', 'identifier'] as const)
      if (idLike(f)) fatal.push({ reason: 'bad_cell', message: `в столбце «${COLUMNS.find(([, c]) => c === f)![0]}» не номер: «${shownCell(raw.get(f))}»` });
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
