// The exam schedule upload: .xlsx → `POST /admin/load_schedule`, then its summary (counts, reasons, rows with problems).
import { $, el, HttpError, input } from './common.js';
import { call, setMessage } from './admin-api.js';
import { loadSittings } from './sittings-list.js';
import { countReasons, countsBlock, reasonCell, reasonsList, rowsTable, statusText } from './summary-parts.js';

interface ScheduleRow {
  row: number;
  status: string;
  reason: string;
  message: string;
}
interface ScheduleSummary {
  file: string;
  total_rows: number;
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped?: number;
  warnings?: number;
  sittings: number;
  by_reason?: Record<string, number>;
  rows: ScheduleRow[];
}

/** The schedule loader's row reasons in the admin's words (the code stays as the tooltip). */
const REASONS: Record<string, string> = {
  missing_exam: 'нет названия экзамена',
  missing_room: 'нет аудитории',
  bad_date: 'неверная дата',
  bad_time: 'неверное время',
  cell_too_long: 'слишком длинное значение в ячейке',
  no_students: 'никто не записан',
  unknown_group: 'группа не найдена',
  unknown_matricula: 'студент не найден по Matricula (зачётка)',
  overlap: 'пересекается с другим экзаменом в аудитории',
  duplicate: 'повтор строки в этом файле',
};

/** A reason's words; a code this page does not know is said by the row message that first gave it. */
function reasonWords(rows: ScheduleRow[]): (code: string) => string {
  return (code) => {
    const said =
      REASONS[code] ??
      rows
        .find((r) => r.reason === code)
        ?.message.split(/: | — /)[0]!
        .trim();
    return said ? said[0]!.toUpperCase() + said.slice(1) : code;
  };
}

function renderSummary(s: ScheduleSummary): void {
  const text = reasonWords(s.rows);
  const reasons = reasonsList(s.by_reason ?? countReasons(s.rows), text);
  const box = $('schedule-summary');
  box.replaceChildren(
    countsBlock([
      ['Строк', s.total_rows],
      ['Добавлено', s.added],
      ['Обновлено', s.updated],
      ['Без изменений', s.unchanged],
      ['Ошибок', s.failed],
      ...(s.skipped ? [['Пропущено', s.skipped] as const] : []),
      ...(s.warnings ? [['Предупреждений', s.warnings] as const] : []),
      ['Экзаменов из файла', s.sittings],
    ]),
    ...(reasons.childElementCount ? [el('h3', 'Причины'), reasons] : []),
    ...(s.rows.length
      ? [
          rowsTable(
            ['Строка', 'Статус', 'Причина', 'Подробности'],
            s.rows.map((r) => ({ status: r.status, cells: [String(r.row), statusText(r.status), reasonCell('td', r.reason, text(r.reason)), r.message] })),
          ),
        ]
      : []),
  );
  box.hidden = false;
}

export async function uploadSchedule(ev: Event): Promise<void> {
  ev.preventDefault();
  const file = input('schedule-file').files?.[0];
  if (!file) return setMessage('schedule-message', 'Выберите файл расписания (.xlsx)', 'error');
  const form = new FormData();
  form.append('file', file, file.name);
  const button = $('schedule-button') as HTMLButtonElement;
  button.disabled = true;
  setMessage('schedule-message', 'Загрузка расписания…');
  try {
    const s = await call<ScheduleSummary>('/admin/load_schedule', { method: 'POST', body: form });
    renderSummary(s);
    setMessage(
      'schedule-message',
      `Готово: добавлено ${s.added}, обновлено ${s.updated}, без изменений ${s.unchanged}, ошибок ${s.failed}`,
      s.failed ? 'error' : 'ok',
    );
    void loadSittings();
  } catch (e) {
    setMessage('schedule-message', e instanceof HttpError ? e.body.message : 'Ошибка загрузки расписания', 'error');
  } finally {
    button.disabled = false;
  }
}
