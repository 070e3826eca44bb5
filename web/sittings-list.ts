// «Экзамены за день» on the admin page: the sittings of the chosen date (`GET /admin/sittings`) with who came, and each
// sitting's report (.xlsx).
import { $, el, HttpError, input } from './common.js';
import { call, downloadFile, setMessage } from './admin-api.js';
import { roomLabel, roomName } from './sitting-text.js';
import { labelled } from './summary-parts.js';

interface SittingCounts {
  id: number;
  exam: string;
  room: string;
  date: string;
  start: string;
  end: string;
  registered: number;
  came: number;
  absent: number;
  unregistered: number;
}

const COLUMNS: [string, string | null][] = [
  ['Время', null],
  ['Экзамен', null],
  ['Аудитория', null],
  ['Записано', null],
  ['Пришли', 'записанные студенты, прошедшие в аудиторию'],
  ['Не пришли', 'записанные студенты без прохода'],
  ['Отказано', 'студенты, которых не пропустили: не записаны на этот экзамен или записаны в другую аудиторию'],
  ['Отчёт', null],
];

function reportButton(s: SittingCounts): HTMLElement {
  const b = el('button', 'Скачать (.xlsx)', 'link');
  b.type = 'button';
  b.title = `Отчёт: ${s.exam}, ${roomName(s.room)}, ${s.start}–${s.end}`;
  b.addEventListener('click', () => {
    void downloadFile(`/admin/sittings/${s.id}/report.xlsx`, `sitting_${s.id}.xlsx`, 'sittings-message').then(
      (name) => name && setMessage('sittings-message', `Отчёт скачан: ${name}`, 'ok'),
    );
  });
  const td = el('td');
  td.append(b);
  return td;
}

function row(s: SittingCounts): HTMLElement {
  const tr = el('tr');
  const cells = [
    el('td', `${s.start}–${s.end}`, 'nowrap'),
    el('td', s.exam, 'exam'),
    el('td', roomLabel(s.room)),
    ...[s.registered, s.came, s.absent, s.unregistered].map((n) => el('td', String(n), 'num')),
    reportButton(s),
  ];
  // Each cell names its column: on a phone a sitting is one labelled block (style.css).
  tr.append(...cells.map((td, i) => labelled(td, COLUMNS[i]?.[0])));
  return tr;
}

/** Lists the sittings of the date in the picker; with none picked, of today in the exam centre (the server's TIMEZONE). */
export async function loadSittings(): Promise<void> {
  const picker = input('sittings-date');
  const date = picker.value;
  const table = $('sittings');
  try {
    const r = await call<{ date: string; sittings: SittingCounts[] }>(`/admin/sittings${date ? `?date=${encodeURIComponent(date)}` : ''}`);
    if (picker.value !== date) return; // another date was chosen meanwhile
    picker.value = r.date;
    const head = el('tr');
    for (const [h, title] of COLUMNS) {
      const th = el('th', h);
      if (title) th.title = title;
      head.append(th);
    }
    table.replaceChildren(head, ...r.sittings.map(row));
    table.hidden = r.sittings.length === 0;
    setMessage('sittings-message', r.sittings.length ? `Экзаменов: ${r.sittings.length}` : 'На эту дату экзаменов нет');
  } catch (e) {
    table.hidden = true;
    setMessage('sittings-message', e instanceof HttpError ? e.body.message : 'Не удалось получить экзамены', 'error');
  }
}

/** Every change of the date lists again. */
export function wireSittings(): void {
  input('sittings-date').addEventListener('change', () => void loadSittings());
}
