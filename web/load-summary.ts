// The Excel load's summary: counts, one line per reason, the rows with problems, look-alike pairs found.
import { $, el } from './common.js';
import { downloadFile } from './admin-api.js';
import { renderPairs, type Pair } from './lookalikes.js';
import { countReasons, countsBlock, reasonCell, reasonsList, rowsTable, statusText } from './summary-parts.js';

interface RowReport {
  row: number;
  matricula: string | null;
  status: string;
  reason: string;
  message: string;
}
export interface Summary {
  total_rows: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
  warnings: number;
  /** Students stored without a face (the camera cannot name them). */
  without_photo?: number;
  /** What needs the office, most important first, each with advice. */
  actions?: Action[];
  duration_ms: number;
  photos_per_second: number;
  index_size: number;
  rows: RowReport[];
  lookalikes: Pair[];
  lookalikes_total: number;
  by_reason?: Record<string, number>;
  /** Each reason of by_reason in Russian. */
  reason_text?: Record<string, string>;
  rows_total?: number;
  rows_truncated?: boolean;
  /** When not one photo was found: the folder layout expected and what is there. */
  hint?: string;
}

interface Action {
  reason: string;
  status: string;
  count: number;
  text: string;
  advice: string | null;
  rows: number[];
}

/** «3 студента без фото (можно пропустить только вручную)». */
function withoutPhotoText(n: number): string {
  const m10 = n % 10;
  const m100 = n % 100;
  const word = m10 === 1 && m100 !== 11 ? 'студент' : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? 'студента' : 'студентов';
  return `${n} ${word} без фото (можно пропустить только вручную)`;
}

/** What needs the office first: students without a photo, rows not loaded, warnings — each kind with its rows and what to do. */
function actionsBlock(s: Summary): HTMLElement[] {
  const actions = s.actions ?? [];
  if (!actions.length && !s.without_photo) return [];
  const box = el('div', null, 'load-actions');
  if (s.without_photo) box.append(el('p', withoutPhotoText(s.without_photo), 'message message-error without-photo'));
  const list = el('ul', null, 'actions');
  for (const a of actions) {
    const li = el('li', null, `action action-${a.status}`);
    const tag = a.status === 'no_photo' ? 'Без фото' : a.status === 'failed' ? 'Не загружено' : 'Предупреждение';
    const rows = `строк${a.count === 1 ? 'а' : 'и'} ${a.rows.join(', ')}${a.count > a.rows.length ? ' …' : ''}`;
    li.append(
      el('strong', `${tag}: `),
      reasonCell('span', a.reason, a.text[0]!.toUpperCase() + a.text.slice(1)),
      document.createTextNode(` — ${a.count} (${rows})`),
    );
    if (a.advice) li.append(el('div', `Что сделать: ${a.advice}`, 'advice'));
    list.append(li);
  }
  box.append(el('h3', 'Требует внимания'), list);
  return [box];
}

/** A reason in the server's words (the summary's `reason_text`; the code stays as the tooltip); «exists» gets its hint beside the count. */
function reasonWords(s: Summary): (code: string) => string {
  return (code) => {
    const t = code === 'exists' ? 'уже в базе' : (s.reason_text?.[code] ?? code);
    return t[0]!.toUpperCase() + t.slice(1);
  };
}

/** The row's message without the reason it starts with (already in the «Причина» column). */
function details(r: RowReport, s: Summary): string {
  const said = s.reason_text?.[r.reason];
  if (said && r.message.toLowerCase().startsWith(`${said}: `)) return r.message.slice(said.length + 2);
  return r.message;
}

export function renderSummary(s: Summary): void {
  const reasonText = reasonWords(s);
  const box = $('summary');
  const counts = countsBlock([
    ['Строк', s.total_rows],
    ['Добавлено', s.added],
    ['Обновлено', s.updated],
    ['Без фото', s.without_photo ?? 0],
    ['Пропущено', s.skipped],
    ['Ошибок', s.failed],
    ['Предупреждений', s.warnings],
  ]);
  // One line per reason with its count; rows already in the base are only counted (a re-run lists 2,500 of them).
  const reasons = reasonsList(s.by_reason ?? countReasons(s.rows), reasonText, (code) =>
    code === 'exists' ? el('span', ' (чтобы загрузить их заново, отметьте «Перезаписать существующих»)', 'muted') : null,
  );
  const listed = s.rows.filter((r) => r.reason !== 'exists');
  const table = rowsTable(
    ['Строка', 'Matricula (зачётка)', 'Статус', 'Причина', 'Подробности'],
    listed.map((r) => ({
      status: r.status,
      cells: [String(r.row), r.matricula ?? '—', statusText(r.status), reasonCell('td', r.reason, reasonText(r.reason)), details(r, s)],
    })),
  );
  const more = s.rows_truncated ? [el('p', `Показаны ${s.rows.length} строк из ${s.rows_total ?? '?'} (сначала ошибки). Полный список строк: `, 'muted')] : [];
  if (more[0]) {
    const b = el('button', 'скачать (.xlsx)', 'link');
    b.type = 'button';
    b.addEventListener('click', () => void downloadFile('/admin/load_rows?format=xlsx', 'load_rows.xlsx', 'upload-message'));
    more[0].append(b);
  }
  const pairs = el('div', null, 'lookalikes');
  renderPairs(pairs, s.lookalikes);
  const hint = s.hint ? [el('p', s.hint, 'message message-error load-hint')] : [];
  box.replaceChildren(
    ...actionsBlock(s),
    counts,
    ...hint,
    el('p', `Время: ${(s.duration_ms / 1000).toFixed(1)} с · ${s.photos_per_second} фото/с · студентов в базе распознавания: ${s.index_size}`, 'muted'),
    ...(reasons.childElementCount ? [el('h3', 'Причины'), reasons] : []),
    ...(listed.length ? [table] : []),
    ...more,
    ...(s.lookalikes_total ? [el('h3', `Похожие лица: ${s.lookalikes_total} пар (камера не назовёт ни одного из пары)`), pairs] : []),
  );
  box.hidden = false;
}
