// The per-row report of a load, sized for HTTP: a capped list in the response and in the log (the
// counts stay complete), the full list kept for GET /admin/load_rows as JSON or .xlsx.
import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { safeCellText } from '../spreadsheet-text.js';
import type { LoadLogger, LoadSummary, RowReport } from './loader.js';

/** Rows listed in an HTTP summary and in the log; the rest are counted in `by_reason` and downloadable. */
export const LISTED_ROWS = 500;
export const ROWS_URL = '/admin/load_rows';

export type HttpLoadSummary = LoadSummary & { rows_total: number; rows_truncated: boolean; rows_url: string };

/** The last load's full report, as GET /admin/load_rows gives it. */
export interface FullRowReport {
  file: string;
  finished_at: string;
  total_rows: number;
  by_reason: Record<string, number>;
  rows: RowReport[];
}

/** Every reason a load row can end with, in Russian (the code stays next to it: it is what the README and logs name). */
export const REASON_TEXT: Record<string, string> = {
  exists: 'уже в базе (перезаписать: «Перезаписать» / --force)',
  duplicate: 'повтор строки в этом файле',
  missing_id: 'нет ни Matricula, ни Идентификатора',
  missing_name: 'нет ни фамилии, ни имени',
  bad_date: 'неверная дата рождения',
  bad_cell: 'ошибка в ячейке',
  no_file_path: 'пустой File path',
  file_not_found: 'файл фото не найден',
  path_outside_docs: 'путь за пределами папки с фото',
  bad_image: 'файл не читается как изображение',
  image_too_large: 'фото слишком большое',
  image_too_small: 'фото слишком маленькое',
  no_face: 'на фото нет лица',
  face_too_small: 'лицо на фото слишком маленькое',
  face_unclear: 'лицо на фото неразличимо',
  poor_photo: 'фото плохо подходит для распознавания',
  conflict: 'конфликт с базой',
  multiple_faces: 'на фото несколько лиц',
  two_faces: 'на фото два лица сопоставимого размера',
  similar_face: 'лицо похоже на другого студента',
  duplicate_passport: 'номер паспорта повторяется',
};

export const STATUS_TEXT: Record<RowReport['status'], string> = { skipped: 'пропущено', failed: 'ошибка', warning: 'предупреждение' };

/** `reason` in Russian (an unknown code as it is). */
export const reasonText = (reason: string): string => REASON_TEXT[reason] ?? reason;

const rank = (r: RowReport) => (r.status === 'failed' ? 0 : r.status === 'warning' ? 1 : r.reason === 'exists' ? 3 : 2);

/** The summary with at most `limit` rows: failures first, then warnings, then skips, shown in row order. */
export function capRows(s: LoadSummary, limit = LISTED_ROWS): HttpLoadSummary {
  const base = { rows_total: s.rows.length, rows_truncated: s.rows.length > limit, rows_url: ROWS_URL };
  if (s.rows.length <= limit) return { ...s, ...base };
  const picked = s.rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .slice(0, limit);
  return { ...s, ...base, rows: picked.sort((a, b) => a.i - b.i).map((x) => x.r) };
}

/** Passes the first `limit` row lines to `log`, counts the rest; `end()` logs how many were left out. */
export function cappedLog(log: LoadLogger, limit = LISTED_ROWS): LoadLogger & { end(): void } {
  let n = 0;
  const pass = (level: 'info' | 'warn') => (msg: string) => {
    if (++n <= limit) log[level](msg);
  };
  return {
    info: pass('info'),
    warn: pass('warn'),
    end: () => {
      if (n > limit) log.info(`ещё ${n - limit} строк отчёта не записаны в журнал: полный список — GET ${ROWS_URL}`);
    },
  };
}

const COLUMNS = [
  { header: 'Строка', key: 'row', width: 8 },
  { header: '№ зачётки (Matricula)', key: 'matricula', width: 14 },
  { header: 'Статус', key: 'status', width: 14 },
  { header: 'Причина', key: 'reason_text', width: 36 },
  { header: 'Код причины', key: 'reason', width: 18 },
  { header: 'Подробности', key: 'message', width: 90 },
];

/** The full row report as an .xlsx stream (streaming writer; yields to the event loop between chunks). */
export function rowsWorkbook(report: FullRowReport): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'exam-face-checkin';
  const ws = wb.addWorksheet('Загрузка', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = COLUMNS;
  void (async () => {
    try {
      ws.getRow(1).font = { bold: true };
      ws.getRow(1).commit();
      for (const [i, r] of report.rows.entries()) {
        // Matricula and the messages carry the sheet's own text: defused like the pass report.
        ws.addRow({
          row: r.row,
          matricula: safeCellText(r.matricula),
          status: STATUS_TEXT[r.status] ?? r.status,
          reason_text: reasonText(r.reason),
          reason: r.reason,
          message: safeCellText(r.message),
        }).commit();
        if (i % 1000 === 999) await new Promise((res) => setImmediate(res));
      }
      ws.commit();
      await wb.commit();
    } catch (e) {
      out.destroy(e as Error);
    }
  })();
  return out;
}
