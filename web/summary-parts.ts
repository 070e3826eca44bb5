// Pieces of a load's summary on the admin page, shared by the student list and the exam schedule: the counts,
// one line per reason, the table of rows with problems.
import { el } from './common.js';

/** Row statuses in the admin's words. */
const STATUSES: Record<string, string> = { skipped: 'пропущена', failed: 'ошибка', warning: 'предупреждение', no_photo: 'без фото' };

/** The big numbers: «12 Добавлено» … */
export function countsBlock(counts: readonly (readonly [string, number])[]): HTMLElement {
  const box = el('div', null, 'counts');
  for (const [label, n] of counts) {
    const c = el('div', null, 'count');
    c.append(el('div', String(n), 'count-n'), el('div', label, 'count-label'));
    box.append(c);
  }
  return box;
}

/** A reason in Russian (`text`) with its code as the tooltip. */
export function reasonCell(tag: 'td' | 'span', code: string, text: string): HTMLElement {
  const c = el(tag, text, 'reason');
  c.title = `код: ${code}`;
  c.dataset.code = code;
  return c;
}

/** One line per reason, most frequent first: «Файл фото не найден — 3»; `note` may add a hint beside a reason. */
export function reasonsList(byReason: Record<string, number>, text: (code: string) => string, note?: (code: string) => HTMLElement | null): HTMLElement {
  const list = el('ul', null, 'reasons');
  for (const [code, n] of Object.entries(byReason).sort((a, b) => b[1] - a[1])) {
    const li = el('li');
    li.append(reasonCell('span', code, text(code)), document.createTextNode(` — ${n}`));
    const extra = note?.(code);
    if (extra) li.append(extra);
    list.append(li);
  }
  return list;
}

/**
 * The rows with problems: `columns` headers, then per row its status class (`row-failed`…) and cells. Each cell
 * carries its column's name (`data-label`): on a phone the table turns into one block per row, labelled (style.css).
 */
export function rowsTable(columns: string[], rows: { status: string; cells: (string | HTMLElement)[] }[]): HTMLElement {
  const table = el('table', null, 'rows');
  const head = el('tr');
  for (const h of columns) head.append(el('th', h));
  table.append(head);
  for (const r of rows) {
    const tr = el('tr', null, `row-${r.status}`);
    tr.append(...r.cells.map((c, i) => labelled(typeof c === 'string' ? el('td', c) : c, columns[i])));
    table.append(tr);
  }
  return table;
}

/** A table cell with its column's name for the narrow layout. */
export function labelled(cell: HTMLElement, column: string | undefined): HTMLElement {
  if (column) cell.dataset.label = column;
  return cell;
}

/** A row's status in the admin's words. */
export function statusText(status: string): string {
  return STATUSES[status] ?? status;
}

/** Counts per reason from the rows, when the server does not give them. */
export function countReasons(rows: { reason: string }[]): Record<string, number> {
  return rows.reduce<Record<string, number>>((a, r) => ((a[r.reason] = (a[r.reason] ?? 0) + 1), a), {});
}
