// The per-row report of a load, sized for HTTP: a capped list in the response and in the log (the
// counts stay complete), the full list kept for GET /admin/load_rows as JSON or .xlsx.
import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { safeCellText } from '../spreadsheet-text.js';
import type { LoadAction, LoadLogger, LoadSummary, RowReport } from './load-summary.js';

export type { LoadAction } from './load-summary.js';

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
  no_file_path: 'нет фото в таблице (пустой File path)',
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

export const STATUS_TEXT: Record<RowReport['status'], string> = { skipped: 'пропущено', failed: 'ошибка', warning: 'предупреждение', no_photo: 'без фото' };

/** What the office should do about each kind of row (what photo to take, what to fix in the sheet). */
export const ADVICE: Record<string, string> = {
  no_file_path: 'впишите имя файла фото в столбец «File path» и загрузите таблицу ещё раз (или загрузите фото в карточке студента)',
  file_not_found: 'проверьте имя файла в «File path» и что фото лежит в папке с фото (в архиве); затем загрузите таблицу ещё раз',
  path_outside_docs: 'путь в «File path» должен вести внутрь папки с фото',
  bad_image: 'сохраните фото как JPEG или PNG',
  image_too_large: 'уменьшите фото (до 15 МБ, 2000–3000 точек по большей стороне достаточно)',
  image_too_small: 'нужен снимок крупнее: не меньше 300×400 точек, лицо занимает треть кадра',
  face_too_small: 'нужен снимок крупнее: лицо не меньше 80 точек в ширину (паспортное фото, отсканированное с 300 dpi)',
  no_face: 'нужен снимок лица анфас: лицо открыто, смотрит в камеру, ровный свет',
  face_unclear: 'нужен резкий снимок анфас при ровном свете (без размытия, бликов и засветки)',
  two_faces: 'на фото должен быть только студент: обрежьте снимок или сделайте новый',
  poor_photo: 'лучше переснять анфас: голова прямо, глаза открыты, ровный свет, лицо крупно',
  multiple_faces: 'на фото должен быть только студент',
  similar_face: 'загрузите другое, более чёткое фото одного из пары — пока камера не назовёт ни одного из них',
  duplicate_passport: 'проверьте номера паспортов в указанных строках',
  bad_date: 'дата рождения не сохранена: исправьте её в таблице (дд.мм.гггг или дата Excel), если она нужна',
  bad_cell: 'исправьте ячейку в таблице (в ней ошибка формулы) и загрузите ещё раз с «Перезаписать»',
  missing_id: 'впишите Matricula или Идентификатор — без номера студента не найти',
  missing_name: 'впишите фамилию и имя',
  conflict: 'Matricula и Идентификатор в строке принадлежат разным студентам в базе: проверьте номера',
  duplicate: 'строка повторяет другую этого файла: удалите повтор',
};

const ACTION_ORDER: RowReport['status'][] = ['no_photo', 'failed', 'warning'];

/**
 * The summary's first lines: students stored without a photo (by reason), then rows not loaded, then warnings —
 * each kind once, with how many and what to do. Skipped rows (already in the base, repeats) need nobody.
 */
export function actionsOf(rows: RowReport[]): LoadAction[] {
  const groups = new Map<string, LoadAction>();
  for (const r of rows) {
    if (r.status === 'skipped') continue;
    const key = `${r.status}:${r.reason}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { reason: r.reason, status: r.status, count: 0, text: reasonText(r.reason), advice: ADVICE[r.reason] ?? null, rows: [] }));
    g.count++;
    if (g.rows.length < 20) g.rows.push(r.row);
  }
  return [...groups.values()].sort((a, b) => ACTION_ORDER.indexOf(a.status) - ACTION_ORDER.indexOf(b.status) || b.count - a.count);
}

/** «3 студента без фото (можно пропустить только вручную)», in Russian plural. */
export function withoutPhotoText(n: number): string {
  const m10 = n % 10;
  const m100 = n % 100;
  const word = m10 === 1 && m100 !== 11 ? 'студент' : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? 'студента' : 'студентов';
  return `${n} ${word} без фото (можно пропустить только вручную)`;
}

/** The summary as lines for the terminal: what needs action first, then the counts. */
export function summaryLines(s: LoadSummary): string[] {
  const lines: string[] = [];
  if (s.without_photo > 0) lines.push(withoutPhotoText(s.without_photo));
  for (const a of s.actions) {
    const where = `строк${a.count === 1 ? 'а' : 'и'} ${a.rows.join(', ')}${a.count > a.rows.length ? ' …' : ''}`;
    const tag = a.status === 'no_photo' ? 'без фото' : a.status === 'failed' ? 'не загружено' : 'предупреждение';
    lines.push(`  ${tag}: ${a.text} — ${a.count} (${where})${a.advice ? `. Что сделать: ${a.advice}` : ''}`);
  }
  return lines;
}

/** `reason` in Russian (an unknown code as it is). */
export const reasonText = (reason: string): string => REASON_TEXT[reason] ?? reason;

const rank = (r: RowReport) => (r.status === 'failed' ? 0 : r.status === 'no_photo' ? 1 : r.status === 'warning' ? 2 : r.reason === 'exists' ? 4 : 3);

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
