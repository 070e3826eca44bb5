// Checkpoint page: webcam preview, «Сделать фото» → /api/recognize, big coloured result, today's passes.
import { $, api, el, HttpError, input, protectedImage } from './common.js';

interface Student {
  id: number;
  matricula: string | null;
  lastname: string;
  firstname: string;
  lotin: string | null;
  group: string | null;
  identifier: string | null;
  photo_url: string;
}
interface Pass { id: number; date: string; time: string; station: string | null }
type Result =
  | { status: 'ok' | 'already_passed'; message: string; student: Student; pass: Pass; distance: number }
  | { status: 'not_found' | 'no_face' | 'multiple_faces' | 'face_too_small' | 'face_unclear'; message: string };

const store = window.localStorage;
const video = $('video') as HTMLVideoElement;
const openBtn = $('open-camera') as HTMLButtonElement;
const shotBtn = $('take-photo') as HTMLButtonElement;
const panel = $('result');
let stream: MediaStream | null = null;
let busy = false;

const hints: Record<string, string> = {
  not_found: 'Проверьте документы студента вручную',
  no_face: 'Посмотрите в камеру',
  multiple_faces: 'В кадре должен быть один человек',
  face_too_small: 'Подойдите ближе к камере',
  face_unclear: 'Сделайте снимок ещё раз',
};

function settings(): { station: string | null; token: string | null } {
  return { station: input('station').value.trim() || null, token: input('station-token').value.trim() || null };
}

function cameraError(e: unknown): string {
  const name = (e as DOMException)?.name;
  if (!navigator.mediaDevices?.getUserMedia) return 'Камера недоступна: откройте страницу по HTTPS или с этого компьютера (localhost)';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Доступ к камере запрещён. Разрешите камеру в настройках браузера и нажмите «Открыть камеру» ещё раз';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'Камера не найдена. Подключите камеру и нажмите «Открыть камеру»';
  if (name === 'NotReadableError' || name === 'AbortError') return 'Камера занята другой программой. Закройте её и нажмите «Открыть камеру»';
  return `Не удалось открыть камеру (${name ?? 'ошибка'})`;
}

function show(kind: string, title: string, hint?: string): HTMLElement {
  panel.className = `result result-${kind}`;
  panel.replaceChildren(el('div', title, 'result-title'));
  if (hint) panel.append(el('div', hint, 'result-hint'));
  panel.hidden = false;
  return panel;
}

async function openCamera(): Promise<void> {
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('insecure', 'SecurityError');
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' }, audio: false });
    video.srcObject = stream;
    await video.play();
    shotBtn.disabled = false;
    $('camera-status').textContent = 'Камера включена. Нажмите «Сделать фото» (или пробел)';
    shotBtn.focus();
  } catch (e) {
    shotBtn.disabled = true;
    show('error', cameraError(e));
    $('camera-status').textContent = '';
  }
}

function capture(): Promise<Blob> {
  const canvas = $('frame') as HTMLCanvasElement;
  const w = video.videoWidth;
  const h = video.videoHeight;
  // At most 1280 px: enough for the face, small enough to send fast.
  const scale = Math.min(1, 1280 / Math.max(w, h));
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('capture failed'))), 'image/jpeg', 0.9));
}

function field(label: string, value: string | null): HTMLElement {
  const row = el('div', null, 'field');
  row.append(el('span', label, 'field-label'), el('span', value ?? '—', 'field-value'));
  return row;
}

async function render(r: Result, frame: Blob): Promise<void> {
  if (r.status === 'ok' || r.status === 'already_passed') {
    const s = r.student;
    const p = show(r.status === 'ok' ? 'ok' : 'already', r.status === 'ok' ? 'Проход разрешён' : 'Студент уже проходил сегодня');
    if (r.status === 'already_passed') p.append(el('div', `Первый проход сегодня в ${r.pass.time}`, 'result-hint'));
    const body = el('div', null, 'student');
    const photos = el('div', null, 'photos');
    const enrolled = el('figure');
    const img = el('img');
    img.alt = 'Фото из базы';
    enrolled.append(img, el('figcaption', 'Фото из базы'));
    const live = el('figure');
    const cap = el('img');
    cap.alt = 'Снимок с камеры';
    cap.src = URL.createObjectURL(frame);
    live.append(cap, el('figcaption', 'Снимок с камеры'));
    photos.append(enrolled, live);
    const info = el('div', null, 'info');
    info.append(
      el('div', `${s.lastname} ${s.firstname}`, 'name'),
      el('div', s.lotin, 'lotin'),
      field('Группа', s.group),
      field('Matricula', s.matricula),
      field('Идентификатор', s.identifier),
      field(r.status === 'ok' ? 'Время прохода' : 'Первый проход', r.pass.time),
      field('Сходство (расстояние)', r.distance.toFixed(3)),
    );
    body.append(photos, info);
    p.append(body);
    const url = await protectedImage(s.photo_url, settings().token);
    if (url) img.src = url;
  } else if (r.status === 'not_found') {
    show('notfound', 'Лицо не найдено', hints.not_found);
  } else {
    show('warn', r.message, hints[r.status]);
  }
}

async function takePhoto(): Promise<void> {
  if (busy || !stream) return;
  busy = true;
  shotBtn.disabled = true;
  $('camera-status').textContent = 'Распознавание…';
  try {
    const frame = await capture();
    const form = new FormData();
    form.append('source', 'camera');
    const { station, token } = settings();
    if (station) form.append('station', station);
    form.append('image', frame, 'frame.jpg');
    const r = await api<Result>('/api/recognize', { method: 'POST', body: form, token });
    await render(r, frame);
    void refreshRecent();
  } catch (e) {
    const msg = e instanceof HttpError ? e.body.message : 'Ошибка распознавания';
    if (e instanceof HttpError && e.status === 401) askForToken();
    show('error', msg, e instanceof HttpError && e.status === 401 ? NEED_TOKEN : 'Повторите снимок');
  } finally {
    busy = false;
    shotBtn.disabled = false;
    $('camera-status').textContent = 'Готово к следующему снимку';
    shotBtn.focus({ preventScroll: true });
    // On a portrait tablet the result sits under the preview: bring all of it into view.
    panel.scrollIntoView({ block: 'nearest' });
  }
}

async function refreshRecent(): Promise<void> {
  const { station, token } = settings();
  try {
    const r = await api<{ passes: { time: string; lastname: string; firstname: string; group: string | null }[] }>(
      `/api/passes/recent?limit=8${station ? `&station=${encodeURIComponent(station)}` : ''}`,
      { token },
    );
    const list = $('recent-list');
    list.replaceChildren(...r.passes.map((p) => el('li', `${p.time.slice(0, 5)} — ${p.lastname} ${p.firstname}${p.group ? `, ${p.group}` : ''}`)));
    if (r.passes.length === 0) list.append(el('li', 'Сегодня проходов пока нет', 'muted'));
  } catch (e) {
    // the list is a convenience; an unpaired page learns here that it needs the token
    if (e instanceof HttpError && e.status === 401) {
      askForToken();
      show('error', 'Пункт пропуска не подключён', NEED_TOKEN);
    }
  }
}

const NEED_TOKEN = 'Откройте ссылку подключения (или QR-код) со страницы администратора, либо введите токен пункта в «Настройках»';

function askForToken(): void {
  ($('settings') as HTMLDetailsElement).open = true;
  input('station-token').focus();
}

/** A pairing link (`/#pair=TOKEN`, from the admin page or the server's first start) stores the token once. */
function pairFromLink(): void {
  const m = /^#pair=([A-Za-z0-9_~.%-]{8,200})$/.exec(location.hash);
  if (!m) return;
  store.setItem('efc.station-token', decodeURIComponent(m[1]!));
  // The token leaves the address bar and the history at once.
  history.replaceState(null, '', location.pathname + location.search);
  input('station-token').value = store.getItem('efc.station-token') ?? '';
  show('ok', 'Пункт пропуска подключён', 'Токен сохранён в этом браузере. Нажмите «Открыть камеру»');
  void refreshRecent();
}

pairFromLink();
// The link opened in a tab that already shows this page changes only the hash: no reload.
window.addEventListener('hashchange', pairFromLink);

for (const id of ['station', 'station-token']) {
  const box = input(id);
  box.value = store.getItem(`efc.${id}`) ?? '';
  box.addEventListener('change', () => {
    store.setItem(`efc.${id}`, box.value.trim());
    void refreshRecent();
  });
}
openBtn.addEventListener('click', () => void openCamera());
shotBtn.addEventListener('click', () => void takePhoto());
document.addEventListener('keydown', (ev) => {
  const target = ev.target as HTMLElement;
  if (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA') return;
  if (ev.code === 'Space' || ev.key === 'Enter') {
    ev.preventDefault();
    if (stream) void takePhoto();
    else void openCamera();
  }
});
void refreshRecent();
