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
  /** Each reason of by_reason in Russian. */
  reason_text?: Record<string, string>;
  rows: ScheduleRow[];
}

/** A reason in the server's words (the summary's `reason_text`; the code stays as the tooltip). */
function reasonWords(s: ScheduleSummary): (code: string) => string {
  return (code) => {
    const said = s.reason_text?.[code] ?? code;
    return said[0]!.toUpperCase() + said.slice(1);
  };
}

function renderSummary(s: ScheduleSummary): void {
  const text = reasonWords(s);
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
