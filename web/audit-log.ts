// «Журнал действий»: who changed what, from where and when — the admin filters by action, by who (admin, a station,
// the system), by dates and by text in the target, pages through the rows newest first, and downloads them as .xlsx.
import { $, el, HttpError, input } from './common.js';
import { call, downloadFile, setMessage } from './admin-api.js';

interface Entry {
  id: number;
  time: string;
  actor_kind: string;
  actor_label: string;
  station_id: number | null;
  actor_name: string | null;
  ip: string | null;
  action: string;
  action_label: string;
  target: string | null;
  detail: Record<string, string | number | boolean | null> | null;
}

const PAGE = 50;
let offset = 0;

/** The filters as the query both the list and the export take. */
function filterQuery(): URLSearchParams | string {
  const q = new URLSearchParams();
  const action = ($('audit-action') as HTMLSelectElement).value;
  const actor = ($('audit-actor') as HTMLSelectElement).value;
  const from = input('audit-from').value;
  const to = input('audit-to').value;
  const text = input('audit-q').value.trim();
  if (from && to && from > to) return 'Дата «С» позже даты «По»: исправьте период';
  if (action) q.set('action', action);
  if (actor) q.set('actor', actor);
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  if (text) q.set('q', text);
  return q;
}

const who = (e: Entry) =>
  e.actor_kind === 'paired'
    ? `${e.actor_label}: ${e.actor_name ?? ''} (№ ${e.station_id ?? ''})`
    : e.actor_name
      ? `${e.actor_label}: ${e.actor_name}`
      : e.actor_label;
/** The detail's keys in Russian (an unknown key is shown as it is). */
const KEYS: Record<string, string> = {
  file: 'файл',
  total_rows: 'строк',
  added: 'добавлено',
  updated: 'обновлено',
  unchanged: 'без изменений',
  skipped: 'пропущено',
  failed: 'ошибок',
  without_photo: 'без фото',
  interrupted: 'прервана',
  force: 'перезапись',
  sittings: 'экзаменов',
  registrations: 'записей',
  sitting_id: 'экзамен',
  reason_given: 'причина указана',
  distance: 'расстояние',
  source: 'способ',
  pass_date: 'дата прохода',
  removed_photos: 'удалено снимков',
  replaced: 'заменено',
  face_width: 'ширина лица',
  lookalikes: 'похожих',
  students: 'студентов',
  passes: 'проходов',
  passes_mode: 'проходы',
  added_photos: 'снимков',
  attempts: 'попыток',
  added_frames: 'кадров',
  audit_rows: 'строк журнала',
  name: 'название',
  room: 'аудитория',
  rotated: 'заменены',
};
const value = (v: string | number | boolean | null) => (v === true ? 'да' : v === false ? 'нет' : v === null ? '—' : String(v));
const details = (d: Entry['detail']) =>
  d === null
    ? ''
    : Object.entries(d)
        .map(([k, v]) => `${KEYS[k] ?? k}: ${value(v)}`)
        .join(', ');

function cell(label: string, text: string, cls?: string): HTMLTableCellElement {
  const td = el('td', text, cls);
  td.dataset.label = label;
  return td;
}

export async function loadAudit(ev?: Event, at = 0): Promise<void> {
  ev?.preventDefault();
  const q = filterQuery();
  if (typeof q === 'string') return setMessage('audit-message', q, 'error');
  offset = at;
  q.set('limit', String(PAGE));
  q.set('offset', String(offset));
  try {
    const r = await call<{ total: number; entries: Entry[] }>(`/admin/audit?${q}`);
    setMessage('audit-message', '', 'info');
    const table = el('table', null, 'rows audit-rows');
    const head = el('tr');
    for (const h of ['Когда', 'Кто', 'Адрес', 'Действие', 'Цель', 'Подробности']) head.append(el('th', h));
    table.append(el('thead'), el('tbody'));
    table.tHead!.append(head);
    for (const e of r.entries) {
      const tr = el('tr');
      tr.append(
        cell('Когда', e.time),
        cell('Кто', who(e)),
        cell('Адрес', e.ip ?? '—'),
        cell('Действие', e.action_label),
        cell('Цель', e.target ?? '—'),
        cell('Подробности', details(e.detail), 'muted'),
      );
      table.tBodies[0]!.append(tr);
    }
    $('audit-total').textContent = r.total === 0 ? 'Записей нет' : `Записей: ${r.total}; показаны ${offset + 1}–${offset + r.entries.length} (новые сверху)`;
    $('audit-table').replaceChildren(...(r.entries.length ? [table] : []));
    ($('audit-newer') as HTMLButtonElement).disabled = offset === 0;
    ($('audit-older') as HTMLButtonElement).disabled = offset + r.entries.length >= r.total;
    $('audit-pager').hidden = r.total <= PAGE;
  } catch (e) {
    setMessage('audit-message', e instanceof HttpError ? e.body.message : 'Не удалось получить журнал действий', 'error');
  }
}

async function exportAudit(): Promise<void> {
  const q = filterQuery();
  if (typeof q === 'string') return setMessage('audit-message', q, 'error');
  const name = await downloadFile(`/admin/audit.xlsx?${q}`, 'audit.xlsx', 'audit-message', 'audit-link');
  if (name) setMessage('audit-message', `Журнал скачан: ${name}`, 'ok');
}

export function wireAudit(): void {
  $('audit-form').addEventListener('submit', (e) => void loadAudit(e, 0));
  $('audit-export').addEventListener('click', () => void exportAudit());
  $('audit-newer').addEventListener('click', () => void loadAudit(undefined, Math.max(0, offset - PAGE)));
  $('audit-older').addEventListener('click', () => void loadAudit(undefined, offset + PAGE));
}
