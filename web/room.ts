// The station's room: «Аудитория» in the settings (the schedule's rooms from `GET /api/rooms`), remembered in this
// browser, and the line under the header with the room's current exam — or that there is none, and the next one.
import { $, api, el } from './common.js';
import { examNow, nextText, roomLabel, type Sitting } from './sitting-text.js';
import { setServerRoom, settings } from './station.js';

interface Room {
  room: string;
  current: Sitting | null;
  next: Sitting | null;
  sittings: Sitting[];
}
interface Rooms {
  date: string;
  time: string;
  rooms: Room[];
  /** A station paired by its own link: its name and room are the server's (set on the admin page). */
  station: { id: number; name: string; room: string | null } | null;
  notice: string | null;
}

const KEY = 'efc.room';
const REFRESH_MS = 30_000;
const select = $('room') as HTMLSelectElement;
const bar = $('sitting-bar');
/** The exam centre's date of the last answer (`YYYY-MM-DD`): a sitting of another day names its date. */
let today: string | null = null;
let seq = 0;

export function todayOfRooms(): string | null {
  return today;
}

function option(room: string): HTMLOptionElement {
  const o = el('option', roomLabel(room));
  o.value = room;
  return o;
}

/** After «Без аудитории»: the schedule's rooms, and the chosen one even when the schedule no longer lists it. */
function fillOptions(rooms: string[]): void {
  const chosen = select.value;
  const want = chosen && !rooms.includes(chosen) ? [...rooms, chosen] : rooms;
  const have = [...select.options].slice(1).map((o) => o.value);
  // Rebuilt only when the list changed: an open drop-down is not closed every 30 s.
  if (have.length === want.length && have.every((v, i) => v === want[i])) return;
  while (select.options.length > 1) select.remove(1);
  select.append(...want.map(option));
  select.value = chosen;
}

/** The line under the header: nothing without a room; the current sitting; or «нет экзамена» and the next one. */
function showRoom(room: Room | null): void {
  if (!room) {
    bar.hidden = true;
    bar.replaceChildren();
    return;
  }
  const parts = [el('span', roomLabel(room.room), 'sitting-room')];
  if (room.current) parts.push(el('span', examNow(room.current), 'sitting-exam'), el('span', `записано: ${room.current.registered}`, 'sitting-more'));
  else {
    parts.push(el('span', 'В этой аудитории сейчас нет экзамена', 'sitting-exam'));
    if (room.next) parts.push(el('span', nextText(room.next, today), 'sitting-more'));
  }
  bar.className = `sitting-bar ${room.current ? 'sitting-now' : 'sitting-none'}`;
  bar.replaceChildren(...parts);
  bar.hidden = false;
}

/** A station paired by its own link: the server's name and room replace the local choice (shown, not editable). */
function showStation(r: Rooms): void {
  const info = $('station-info');
  $('local-settings').hidden = r.station !== null;
  info.hidden = r.station === null;
  if (r.station) info.textContent = `Пункт: ${r.station.name} · ${r.station.room ? roomLabel(r.station.room) : 'аудитория не задана'} (задаёт администратор)`;
  const notice = $('station-notice');
  notice.hidden = !r.notice;
  notice.textContent = r.notice ?? '';
}

/** Asks the server for the rooms and redraws the choice and the line. */
export async function refreshRooms(): Promise<void> {
  const n = ++seq;
  try {
    const r = await api<Rooms>('/api/rooms', { token: settings().token });
    if (n !== seq) return;
    today = r.date;
    showStation(r);
    fillOptions(r.rooms.map((x) => x.room));
    const room = r.station ? r.station.room : select.value;
    setServerRoom(r.station ? r.station.room : undefined);
    showRoom(room ? (r.rooms.find((x) => x.room === room) ?? { room, current: null, next: null, sittings: [] }) : null);
  } catch {
    // Not known now (no connection, not paired — the page says that elsewhere): no line rather than an old one.
    if (n === seq) showRoom(null);
  }
}

/** The remembered room is chosen at once (recognitions send it before the list arrives); changes are kept and shown. */
export function initRoom(): void {
  const stored = window.localStorage.getItem(KEY);
  if (stored) {
    select.append(option(stored));
    select.value = stored;
  }
  select.addEventListener('change', () => {
    window.localStorage.setItem(KEY, select.value);
    void refreshRooms();
  });
  window.setInterval(() => void refreshRooms(), REFRESH_MS);
  void refreshRooms();
}
