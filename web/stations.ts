// «Пункты пропуска» on the admin page: pair a station (its name and room, its own link and QR code shown once), the
// list of stations with when each was last seen and from where, rename, move to another room, a new link, revoke.
import { $, el, HttpError, input } from './common.js';
import { call, setMessage } from './admin-api.js';

interface Station {
  id: number;
  name: string;
  room: string | null;
  created: string;
  last_seen: string | null;
  last_address: string | null;
  revoked: string | null;
}
interface Linked {
  station: Station;
  url: string;
  svg: string;
  warning: string | null;
}

const json = (body: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const failure = (e: unknown, fallback: string) => (e instanceof HttpError ? e.body.message : fallback);

/** The link and QR code of a station's pairing: shown once, under the form. */
function showLink(r: Linked, what: string): void {
  const img = $('pairing-qr') as HTMLImageElement;
  img.src = URL.createObjectURL(new Blob([r.svg], { type: 'image/svg+xml' }));
  img.hidden = false;
  const link = $('pairing-link') as HTMLInputElement;
  link.value = r.url;
  link.hidden = false;
  setMessage(
    'pairing-message',
    r.warning ??
      `${what} «${r.station.name}»: откройте эту ссылку (или отсканируйте QR-код) в браузере пункта один раз. Ссылка показывается только сейчас; не пересылайте её посторонним.`,
    r.warning ? 'error' : 'ok',
  );
}

function stationItem(s: Station): HTMLElement {
  const li = el('li', null, `station${s.revoked ? ' station-revoked' : ''}`);
  const head = el('div', null, 'station-head');
  head.append(el('span', s.name, 'station-name'), el('span', s.room ? `аудитория ${s.room}` : 'аудитория не задана', s.room ? 'muted' : 'message-error'));
  const seen = s.revoked
    ? `отключён ${s.revoked}`
    : s.last_seen
      ? `на связи ${s.last_seen}${s.last_address ? ` · адрес ${s.last_address}` : ''}`
      : 'ещё не подключался';
  li.append(head, el('div', `подключён ${s.created} · ${seen}`, 'muted station-seen'));
  if (s.revoked) return li;
  const form = el('form', null, 'station-edit');
  const name = el('input');
  name.value = s.name;
  name.maxLength = 64;
  name.setAttribute('aria-label', 'Название пункта');
  const room = el('input');
  room.value = s.room ?? '';
  room.maxLength = 64;
  room.setAttribute('list', 'pairing-rooms');
  room.setAttribute('aria-label', 'Аудитория');
  room.placeholder = 'без аудитории';
  const save = el('button', 'Сохранить', 'small');
  save.type = 'submit';
  const link = el('button', 'Новая ссылка', 'secondary small');
  link.type = 'button';
  const revoke = el('button', 'Отключить', 'danger small');
  revoke.type = 'button';
  const note = el('div', null, 'station-note');
  form.append(name, room, save, link, revoke, note);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void call<{ station: Station }>(`/admin/stations/${s.id}`, { method: 'PATCH', ...json({ name: name.value, room: room.value }) })
      .then(() => loadStations())
      .catch((e: unknown) => (note.textContent = failure(e, 'Не удалось сохранить')));
  });
  link.addEventListener('click', () => {
    if (!window.confirm(`Выдать пункту «${s.name}» новую ссылку? Прежняя ссылка перестанет действовать — пункт нужно будет подключить заново.`)) return;
    void call<Linked>(`/admin/stations/${s.id}/link`, { method: 'POST' })
      .then((r) => {
        showLink(r, 'Новая ссылка пункта');
        return loadStations();
      })
      .catch((e: unknown) => (note.textContent = failure(e, 'Не удалось выдать ссылку')));
  });
  revoke.addEventListener('click', () => {
    if (!window.confirm(`Отключить пункт «${s.name}»? Его ссылка сразу перестанет действовать; другие пункты это не затронет.`)) return;
    void call<{ station: Station }>(`/admin/stations/${s.id}/revoke`, { method: 'POST' })
      .then(() => loadStations())
      .catch((e: unknown) => (note.textContent = failure(e, 'Не удалось отключить')));
  });
  li.append(form);
  return li;
}

/** The stations (`GET /admin/stations`) and, for the room field, the schedule's rooms. */
export async function loadStations(): Promise<void> {
  try {
    const r = await call<{ stations: Station[] }>('/admin/stations');
    $('stations').replaceChildren(...r.stations.map(stationItem));
  } catch (e) {
    setMessage('pairing-message', failure(e, 'Ошибка'), 'error');
  }
  try {
    const rooms = await call<{ rooms: { room: string }[] }>('/api/rooms');
    $('pairing-rooms').replaceChildren(
      ...rooms.rooms.map((x) => {
        const o = el('option');
        o.value = x.room;
        return o;
      }),
    );
  } catch {
    /* the room list is a convenience: typing the room works without it */
  }
}

/** «Подключить пункт пропуска»: a new station with its name and room, and its link. */
export async function pairStation(ev: Event): Promise<void> {
  ev.preventDefault();
  try {
    const r = await call<Linked>('/admin/stations', { method: 'POST', ...json({ name: input('pairing-name').value, room: input('pairing-room').value }) });
    showLink(r, 'Пункт подключён');
    input('pairing-name').value = '';
    input('pairing-room').value = '';
    await loadStations();
  } catch (e) {
    setMessage('pairing-message', failure(e, 'Ошибка'), 'error');
  }
}
