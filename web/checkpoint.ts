// Checkpoint page: webcam preview, «Сделать фото» → /api/recognize, big coloured result that fades to
// neutral after a while, manual search and pass («Найти вручную» → /api/students, /api/passes), today's passes.
import { $, api, el, HttpError, input, protectedImage, SOURCE_LABELS } from './common.js';

interface Student {
  id: number;
  matricula: string | null;
  lastname: string;
  firstname: string;
  lotin: string | null;
  group: string | null;
  identifier: string | null;
  photo_url: string;
  passport_masked?: string | null;
}
interface Pass { id: number; date: string; time: string; station: string | null; source?: string; reason?: string | null }
type MatchQuality = 'reliable' | 'borderline' | null;
type FaceStatus = 'not_found' | 'no_face' | 'multiple_faces' | 'face_too_small' | 'face_unclear';
type Admitted = { status: 'ok' | 'already_passed'; message: string; student: Student; pass: Pass; first_pass_time?: string; distance: number | null; match_quality?: MatchQuality };
type Result = Admitted | { status: FaceStatus; message: string };
interface FoundStudent extends Student { passed_today: string | null }

const FADE_DEFAULT_S = 20;
const store = window.localStorage;
const video = $('video') as HTMLVideoElement;
const openBtn = $('open-camera') as HTMLButtonElement;
const shotBtn = $('take-photo') as HTMLButtonElement;
const panel = $('result');
const manual = $('manual');
let stream: MediaStream | null = null;
let busy = false;
let passing = false;
let fadeSeconds = FADE_DEFAULT_S;
let fadeTimer: number | undefined;
/** Object URLs of the card on screen (photos): released when the card is replaced. */
let cardUrls: string[] = [];
/** Each recognition or manual pass gets a number: a late answer never overwrites a newer card. */
let cardSeq = 0;
/** The frame of the last «Лицо не найдено»: when the operator then admits that student by hand, it can become their photo. */
let unmatched: { frame: Blob; at: number } | null = null;
const UNMATCHED_KEEP_MS = 120_000;

/** The operator's reading of the match (the distance itself stays in the audit log and on the admin page). */
const QUALITY: Record<string, { text: string; cls: string }> = {
  reliable: { text: 'совпадение: надёжное', cls: 'quality-reliable' },
  borderline: { text: 'совпадение: на границе — сверьте с документом', cls: 'quality-borderline' },
};

function settings(): { station: string | null; token: string | null } {
  return { station: input('station').value.trim() || null, token: input('station-token').value.trim() || null };
}

/** What went wrong with the camera (the card's title) and what to do (its hint). */
function cameraError(e: unknown): [string, string] {
  const name = (e as DOMException)?.name;
  if (!navigator.mediaDevices?.getUserMedia) return ['Камера недоступна', 'Откройте страницу по HTTPS или на этом компьютере (localhost)'];
  if (name === 'NotAllowedError' || name === 'SecurityError') return ['Доступ к камере запрещён', 'Разрешите камеру в настройках браузера и нажмите «Открыть камеру» ещё раз'];
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return ['Камера не найдена', 'Подключите камеру и нажмите «Открыть камеру»'];
  if (name === 'NotReadableError' || name === 'AbortError') return ['Камера занята другой программой', 'Закройте её и нажмите «Открыть камеру»'];
  return ['Не удалось открыть камеру', `Причина: ${name ?? 'неизвестна'}. Нажмите «Открыть камеру» ещё раз`];
}

function releaseCard(): void {
  window.clearTimeout(fadeTimer);
  fadeTimer = undefined;
  for (const u of cardUrls) URL.revokeObjectURL(u);
  cardUrls = [];
}

/** Replaces the card. `fade`: the card turns back to the neutral idle state after the configured seconds. */
function show(kind: string, title: string, hint?: string | null, fade = false): HTMLElement {
  releaseCard();
  panel.className = `result result-${kind}`;
  delete panel.dataset.camera;
  panel.replaceChildren(el('div', title, 'result-title'));
  if (hint) panel.append(el('div', hint, 'result-hint'));
  panel.hidden = false;
  if (fade) startFade();
  return panel;
}

/** (Re)starts the card's countdown to the idle state, with the thin bar that shows it. */
function startFade(): void {
  window.clearTimeout(fadeTimer);
  panel.querySelector('.result-timer')?.remove();
  const bar = el('div', null, 'result-timer');
  bar.title = `Карточка исчезнет через ${fadeSeconds} с`;
  bar.style.animationDuration = `${fadeSeconds}s`;
  panel.append(bar);
  fadeTimer = window.setTimeout(showIdle, fadeSeconds * 1000);
}

/** Appends to the card above its countdown bar. */
function addToCard(...nodes: HTMLElement[]): void {
  const bar = panel.querySelector('.result-timer');
  for (const n of nodes) panel.insertBefore(n, bar);
}

/** The neutral state between students: nothing on screen that belongs to the previous one. */
function showIdle(): void {
  show('idle', 'Готово к следующему студенту', stream ? 'Попросите студента посмотреть в камеру и нажмите «Сделать фото» (или пробел)' : 'Нажмите «Открыть камеру»');
}

/** A button under a failed result: the way to the documents check. */
function manualButton(): HTMLElement {
  const b = el('button', 'Найти вручную', 'secondary result-action');
  b.type = 'button';
  b.addEventListener('click', () => openManual());
  return b;
}

/** Server messages of the face statuses read «what happened — what to do»: title, then hint. */
function splitMessage(message: string): [string, string | null] {
  const i = message.indexOf(' — ');
  if (i < 0) return [message, null];
  const hint = message.slice(i + 3).trim();
  return [message.slice(0, i).trim(), hint ? hint[0]!.toUpperCase() + hint.slice(1) : null];
}

async function openCamera(): Promise<void> {
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('insecure', 'SecurityError');
    for (const t of stream?.getTracks() ?? []) t.stop(); // «Открыть камеру» again: the old stream lets the camera go
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' }, audio: false });
    video.srcObject = stream;
    await video.play();
    $('start-screen').hidden = true;
    video.classList.add('live');
    shotBtn.disabled = false;
    $('camera-status').textContent = 'Камера включена. Нажмите «Сделать фото» (или пробел)';
    // A camera complaint is over now; anything else (a result, «не подключён») stays.
    if (panel.classList.contains('result-idle') || panel.dataset.camera) showIdle();
    shotBtn.focus();
  } catch (e) {
    stream = null;
    shotBtn.disabled = true;
    const p = show('error', ...cameraError(e));
    p.append(el('div', 'Пока камера не работает, пропускайте студентов вручную по документам:', 'result-note'), manualButton());
    p.dataset.camera = 'error';
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

function field(label: string, value: string | null, cls?: string): HTMLElement {
  const row = el('div', null, `field${cls ? ` ${cls}` : ''}`);
  row.append(el('span', label, 'field-label'), el('span', value ?? '—', 'field-value'));
  return row;
}

function figure(caption: string): { fig: HTMLElement; img: HTMLImageElement } {
  const fig = el('figure');
  const img = el('img');
  img.alt = caption;
  fig.append(img, el('figcaption', caption));
  return { fig, img };
}

/** «камера, Ауд. 204» — how and where the pass was recorded. */
function passOrigin(p: Pass): string {
  return [p.source ? SOURCE_LABELS[p.source] ?? p.source : null, p.station].filter(Boolean).join(', ');
}

/** The green (admitted) or amber (already passed today) card: who it is, the enrolled photo, the frame. */
async function renderAdmitted(r: Admitted, frame: Blob | null, seq: number): Promise<void> {
  const s = r.student;
  const manualPass = r.status === 'ok' && r.pass.source === 'manual';
  const firstTime = r.first_pass_time ?? r.pass.time;
  const p = r.status === 'ok'
    ? show('ok', manualPass ? 'Пропущен вручную' : 'Проход разрешён', manualPass ? 'Проход записан оператором после проверки документов' : null, true)
    : show('already', 'Студент уже проходил сегодня', `Первый проход сегодня в ${firstTime}${passOrigin(r.pass) ? ` (${passOrigin(r.pass)})` : ''}. Повторный проход не записан`, true);
  const quality = r.match_quality ? QUALITY[r.match_quality] : undefined;
  if (quality && r.status === 'ok') addToCard(el('div', quality.text, `quality ${quality.cls}`));
  const body = el('div', null, 'student');
  const photos = el('div', null, 'photos');
  const enrolled = figure('Фото из базы');
  photos.append(enrolled.fig);
  if (frame) {
    const live = figure(manualPass ? 'Снимок, который камера не узнала' : 'Снимок с камеры');
    const url = URL.createObjectURL(frame);
    cardUrls.push(url);
    live.img.src = url;
    photos.append(live.fig);
  }
  const info = el('div', null, 'info');
  const fields = el('div', null, 'fields');
  fields.append(field('Группа', s.group), field('Matricula (зачётка)', s.matricula), field('Идентификатор', s.identifier));
  if (s.passport_masked) fields.append(field('Паспорт', s.passport_masked));
  // «Already passed» says its time in the hint above: not twice.
  if (r.status === 'ok') fields.append(field('Время прохода', r.pass.time));
  if (manualPass && r.pass.reason) fields.append(field('Причина', r.pass.reason));
  info.append(el('div', `${s.lastname} ${s.firstname}`, 'name'), el('div', s.lotin, 'lotin'), fields);
  body.append(photos, info);
  addToCard(body);
  // A verified admission (by documents, or a borderline match the operator checked) can teach the camera this face.
  if (r.status === 'ok' && (manualPass || r.match_quality === 'borderline')) offerAddFace(s, frame, seq);
  const url = await protectedImage(s.photo_url, settings().token);
  if (!url) return;
  if (seq !== cardSeq) return URL.revokeObjectURL(url); // a newer card is on screen
  cardUrls.push(url);
  enrolled.img.src = url;
}

/** «Добавить снимок к фото студента»: `frame` (or, with none, a fresh one from the camera) becomes one more photo of the student. */
function offerAddFace(s: Student, frame: Blob | null, seq: number): void {
  if (!frame && !stream) return;
  const box = el('div', null, 'add-face');
  const button = el('button', 'Добавить снимок к фото студента', 'secondary');
  button.type = 'button';
  const note = el('div', frame
    ? 'Снимок с камеры станет ещё одним фото этого студента — в следующий раз камера узнает его лучше'
    : 'Камера сделает снимок сейчас: студент должен смотреть в камеру', 'add-face-note muted');
  button.addEventListener('click', () => void addFace(s, frame, button, note, seq));
  box.append(button, note);
  addToCard(box);
}

async function addFace(s: Student, frame: Blob | null, button: HTMLButtonElement, note: HTMLElement, seq: number): Promise<void> {
  button.disabled = true;
  if (seq === cardSeq) startFade(); // the operator is working with this card: it stays its full time
  note.textContent = 'Снимок проверяется…';
  note.className = 'add-face-note muted';
  let error: string | null = null;
  try {
    const shot = frame ?? (await capture());
    const form = new FormData();
    const { station, token } = settings();
    if (station) form.append('station', station);
    form.append('image', shot, 'frame.jpg');
    // A face problem (no face, unclear…) comes back as 422 with a status, not as an exception.
    const r = await api<{ status: string; message: string }>(`/api/students/${s.id}/faces`, { method: 'POST', body: form, token });
    if (r.status !== 'added') error = r.message;
    else {
      note.textContent = r.message;
      note.className = 'add-face-note message-ok';
      button.remove();
    }
  } catch (e) {
    error = e instanceof HttpError ? e.body.message : 'Не удалось добавить снимок';
  }
  if (error) {
    note.textContent = /не добавлен/.test(error) ? error : `Снимок не добавлен: ${error[0]!.toLowerCase()}${error.slice(1)}`;
    note.className = 'add-face-note message-error';
    button.disabled = false;
  }
  if (seq === cardSeq) startFade();
}

async function render(r: Result, frame: Blob, seq: number): Promise<void> {
  unmatched = r.status === 'not_found' ? { frame, at: Date.now() } : null;
  if (r.status === 'ok' || r.status === 'already_passed') return renderAdmitted(r, frame, seq);
  if (r.status === 'not_found') {
    show('notfound', 'Лицо не найдено', 'Студента нет в базе или система не уверена. Проверьте документы', true).append(manualButton());
    return;
  }
  // No face / several faces / too far / unclear: grey, «what happened» big, «what to do» under it.
  const [title, hint] = splitMessage(r.message);
  show('warn', title, hint, true).append(manualButton());
}

async function takePhoto(): Promise<void> {
  if (busy || !stream) return;
  busy = true;
  const seq = ++cardSeq;
  shotBtn.disabled = true;
  closeManual(false);
  // The previous student's card leaves the screen at once.
  show('pending', 'Распознавание…', 'Снимок отправлен, подождите');
  $('camera-status').textContent = 'Распознавание…';
  try {
    const frame = await capture();
    const form = new FormData();
    form.append('source', 'camera');
    const { station, token } = settings();
    if (station) form.append('station', station);
    form.append('image', frame, 'frame.jpg');
    const r = await api<Result>('/api/recognize', { method: 'POST', body: form, token });
    if (seq === cardSeq) await render(r, frame, seq);
    void refreshRecent();
  } catch (e) {
    if (seq === cardSeq) showFailure(e, 'Ошибка распознавания', 'Повторите снимок');
  } finally {
    busy = false;
    shotBtn.disabled = false;
    $('camera-status').textContent = 'Готово к следующему снимку';
    if (manual.hidden) shotBtn.focus({ preventScroll: true });
    // On a portrait tablet the result sits under the preview: bring all of it into view.
    panel.scrollIntoView({ block: 'nearest' });
  }
}

function showFailure(e: unknown, fallback: string, hint: string): void {
  const msg = e instanceof HttpError ? e.body.message : fallback;
  if (e instanceof HttpError && e.status === 401) {
    askForToken();
    show('error', msg, NEED_TOKEN);
  } else {
    show('error', msg, hint);
  }
}

async function refreshRecent(): Promise<void> {
  const { station, token } = settings();
  try {
    const r = await api<{ passes: { time: string; lastname: string; firstname: string; group: string | null; source: string }[] }>(
      `/api/passes/recent?limit=8${station ? `&station=${encodeURIComponent(station)}` : ''}`,
      { token },
    );
    const list = $('recent-list');
    list.replaceChildren(...r.passes.map((p) => el('li', `${p.time.slice(0, 5)} — ${p.lastname} ${p.firstname}${p.group ? `, ${p.group}` : ''}${p.source === 'manual' ? ' (вручную)' : ''}`)));
    if (r.passes.length === 0) list.append(el('li', 'Сегодня проходов пока нет', 'muted'));
  } catch (e) {
    // the list is a convenience; an unpaired page learns here that it needs the token
    if (e instanceof HttpError && e.status === 401) {
      askForToken();
      show('error', 'Пункт пропуска не подключён', NEED_TOKEN);
    }
  }
}

/** How long a result stays on screen (`GET /api/settings`); 20 s when the server does not say. */
async function loadSettings(): Promise<void> {
  try {
    const r = await api<{ result_fade_s?: unknown }>('/api/settings', { token: settings().token });
    const n = Number(r.result_fade_s);
    fadeSeconds = Number.isFinite(n) && n > 0 && n <= 3600 ? n : FADE_DEFAULT_S;
  } catch {
    fadeSeconds = FADE_DEFAULT_S;
  }
}

const NEED_TOKEN = 'Откройте ссылку подключения (или QR-код) со страницы администратора, либо введите токен пункта в «Настройках»';

function askForToken(): void {
  ($('settings') as HTMLDetailsElement).open = true;
  input('station-token').focus();
}

// ---- Manual pass: search by surname / Matricula / Идентификатор, compare the photo, admit by hand ----

let searchSeq = 0;
let searchTimer: number | undefined;
let searchUrls: string[] = [];

function openManual(): void {
  cardSeq++; // a recognition still under way does not come back over the search
  manual.hidden = false;
  panel.hidden = true;
  releaseCard();
  input('manual-query').focus();
  manual.scrollIntoView({ block: 'nearest' });
}

/** Closes the search; `idle`: show the neutral card in its place. */
function closeManual(idle = true): void {
  if (manual.hidden) return;
  manual.hidden = true;
  window.clearTimeout(searchTimer);
  searchSeq++;
  input('manual-query').value = '';
  input('manual-reason').value = '';
  $('manual-message').textContent = '';
  clearResults();
  if (idle) showIdle();
  panel.hidden = false;
}

function clearResults(): void {
  for (const u of searchUrls) URL.revokeObjectURL(u);
  searchUrls = [];
  $('manual-results').replaceChildren();
}

function manualMessage(text: string, kind: 'info' | 'error' = 'info'): void {
  const m = $('manual-message');
  m.textContent = text;
  m.className = kind === 'error' ? 'message-error' : 'muted';
}

async function searchManual(): Promise<void> {
  window.clearTimeout(searchTimer);
  const q = input('manual-query').value.trim();
  const seq = ++searchSeq;
  if (q.length < 2) {
    clearResults();
    manualMessage(q.length ? 'Введите хотя бы 2 символа' : '');
    return;
  }
  manualMessage('Поиск…');
  try {
    const r = await api<{ total: number; students: FoundStudent[] }>(`/api/students?limit=10&q=${encodeURIComponent(q.slice(0, 100))}`, { token: settings().token });
    if (seq !== searchSeq) return;
    clearResults();
    if (r.students.length === 0) {
      manualMessage(`Никого не нашли по запросу «${q}». Проверьте написание или ищите по Matricula (зачётке)`);
      return;
    }
    manualMessage(r.total > r.students.length ? `Найдено: ${r.total}, показаны первые ${r.students.length}. Уточните запрос` : `Найдено: ${r.total}`);
    $('manual-results').append(...r.students.map(foundItem));
  } catch (e) {
    if (seq !== searchSeq) return;
    clearResults();
    if (e instanceof HttpError && e.status === 401) askForToken();
    manualMessage(e instanceof HttpError ? e.body.message : 'Ошибка поиска', 'error');
  }
}

function foundItem(s: FoundStudent): HTMLElement {
  const li = el('li', null, `found${s.passed_today ? ' found-passed' : ''}`);
  const img = el('img');
  img.alt = `Фото из базы: ${s.lastname} ${s.firstname}`;
  const info = el('div', null, 'found-info');
  // Each «label number» stays on one line; the line breaks only between them.
  const ids = el('div', null, 'ids');
  const parts = [s.group ? `группа ${s.group}` : null, s.matricula ? `Matricula ${s.matricula}` : null, s.identifier ? `Идентификатор ${s.identifier}` : null].filter((x): x is string => !!x);
  parts.forEach((t, i) => ids.append(...(i ? [document.createTextNode(' · ')] : []), el('span', t, 'nowrap')));
  info.append(
    el('div', `${s.lastname} ${s.firstname}`, 'name'),
    el('div', s.lotin, 'muted'),
    ids,
    el('div', s.passed_today ? `Уже прошёл сегодня в ${s.passed_today}` : 'Сегодня ещё не проходил', 'pass-state'),
  );
  const button = el('button', 'Пропустить вручную', 'manual-pass');
  button.type = 'button';
  button.addEventListener('click', () => void passManually(s, button));
  li.append(img, info, button);
  void protectedImage(s.photo_url, settings().token).then((u) => {
    if (!u) return;
    searchUrls.push(u);
    img.src = u;
  });
  return li;
}

async function passManually(s: FoundStudent, button: HTMLButtonElement): Promise<void> {
  if (passing) return;
  passing = true;
  button.disabled = true;
  const seq = ++cardSeq;
  const { station, token } = settings();
  const reason = input('manual-reason').value.trim().slice(0, 200);
  try {
    const r = await api<Admitted>('/api/passes', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ student_id: s.id, ...(reason ? { reason } : {}), ...(station ? { station } : {}) }),
    });
    closeManual(false);
    // The frame the camera did not recognise a moment ago is, most likely, this student's: shown, and offered as a photo.
    const held = r.status === 'ok' && unmatched && Date.now() - unmatched.at < UNMATCHED_KEEP_MS ? unmatched.frame : null;
    unmatched = null;
    if (seq === cardSeq) await renderAdmitted(r, held, seq);
    void refreshRecent();
    panel.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) askForToken();
    manualMessage(e instanceof HttpError ? e.body.message : 'Не удалось записать проход. Повторите', 'error');
  } finally {
    passing = false;
    button.disabled = false;
    if (manual.hidden && stream) shotBtn.focus({ preventScroll: true });
  }
}

/** A pairing link (`/#pair=TOKEN`, from the admin page or the server's first start) stores the token once. */
function pairFromLink(): void {
  const m = /^#pair=([A-Za-z0-9_~.%-]{8,200})$/.exec(location.hash);
  if (!m) return;
  store.setItem('efc.station-token', decodeURIComponent(m[1]!));
  // The token leaves the address bar and the history at once.
  history.replaceState(null, '', location.pathname + location.search);
  input('station-token').value = store.getItem('efc.station-token') ?? '';
  void loadSettings().then(() => show('ok', 'Пункт пропуска подключён', 'Токен сохранён в этом браузере. Нажмите «Открыть камеру»', true));
  void refreshRecent();
}

for (const id of ['station', 'station-token']) {
  const box = input(id);
  box.value = store.getItem(`efc.${id}`) ?? '';
  box.addEventListener('change', () => {
    store.setItem(`efc.${id}`, box.value.trim());
    if (id === 'station-token') void loadSettings();
    void refreshRecent();
  });
}
showIdle();
pairFromLink();
// The link opened in a tab that already shows this page changes only the hash: no reload.
window.addEventListener('hashchange', pairFromLink);

openBtn.addEventListener('click', () => void openCamera());
shotBtn.addEventListener('click', () => void takePhoto());
$('manual-open').addEventListener('click', () => openManual());
$('manual-close').addEventListener('click', () => closeManual());
$('manual-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void searchManual();
});
input('manual-query').addEventListener('input', () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => void searchManual(), 350);
});
document.addEventListener('keydown', (ev) => {
  const target = ev.target as HTMLElement;
  if (ev.key === 'Escape' && !manual.hidden) {
    closeManual();
    return;
  }
  // Typing, a focused button (Space/Enter press it) and the search panel keep their own keys.
  if (['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'SUMMARY'].includes(target.tagName) || manual.contains(target)) return;
  if (ev.code === 'Space' || ev.key === 'Enter') {
    ev.preventDefault();
    if (stream) void takePhoto();
    else void openCamera();
  }
});
void loadSettings();
void refreshRecent();
