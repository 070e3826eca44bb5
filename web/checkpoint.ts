// Checkpoint page wiring: station settings and the pairing link, «Открыть камеру», «Сделать фото» → /api/recognize
// and the card for its answer, «Проверить по зачётке» (the frame compared with the card's student, 1:1), the manual
// search panel's controls, keyboard shortcuts.
import { $, api, el, input } from './common.js';
import { renderAdmitted, type Admitted } from './admitted-card.js';
import { cameraError, cameraOn, capture, startCamera, video, whenCameraLost } from './camera.js';
import { closeManual, manual, manualButton, onVerify, openManual, searchManual, searchSoon } from './manual-pass.js';
import { refreshRecent } from './recent-passes.js';
import { isCurrent, loadSettings, nextCard, panel, show, showFailure, showIdle } from './result-card.js';
import { initRoom, refreshRooms } from './room.js';
import { isRefused, renderRefused, type Refused } from './sitting-card.js';
import { settings } from './station.js';

type FaceStatus = 'not_found' | 'no_face' | 'multiple_faces' | 'face_too_small' | 'face_unclear' | 'mismatch' | 'no_photo';
type Result = Admitted | Refused | { status: FaceStatus; message: string };
/** The student a card names: typed / scanned Matricula, or picked in the search. */
type Claim = { matricula: string } | { student_id: number };

const store = window.localStorage;
const openBtn = $('open-camera') as HTMLButtonElement;
const shotBtn = $('take-photo') as HTMLButtonElement;
const claimBox = input('claim-matricula');
let busy = false;

/** Server messages of the face statuses read «what happened — what to do»: title, then hint. */
function splitMessage(message: string): [string, string | null] {
  const i = message.indexOf(' — ');
  if (i < 0) return [message, null];
  const hint = message.slice(i + 3).trim();
  return [message.slice(0, i).trim(), hint ? hint[0]!.toUpperCase() + hint.slice(1) : null];
}

/** «Открыть камеру» says what the camera is doing: only an off camera can be opened (a click while it opens or runs does nothing). */
function cameraButton(state: 'off' | 'opening' | 'on'): void {
  openBtn.disabled = state !== 'off';
  openBtn.textContent = { off: 'Открыть камеру', opening: 'Камера включается…', on: 'Камера включена' }[state];
}

/** The camera is off (it failed to open, or stopped): the start screen and «Открыть камеру» again, the manual pass meanwhile. */
function cameraOff(title: string, hint: string): void {
  video.classList.remove('live');
  $('start-screen').hidden = false;
  shotBtn.disabled = true;
  cameraButton('off');
  const p = show('error', title, hint);
  p.append(el('div', 'Пока камера не работает, пропускайте студентов вручную по документам:', 'result-note'), manualButton());
  p.dataset.camera = 'error';
  $('camera-status').textContent = '';
}

async function openCamera(): Promise<void> {
  if (openBtn.disabled) return; // opening already, or on
  cameraButton('opening');
  try {
    await startCamera();
    $('start-screen').hidden = true;
    video.classList.add('live');
    shotBtn.disabled = false;
    cameraButton('on');
    $('camera-status').textContent = 'Камера включена. Нажмите «Сделать фото» (или пробел)';
    // A camera complaint is over now; anything else (a result, «не подключён») stays.
    if (panel.classList.contains('result-idle') || panel.dataset.camera) showIdle();
    shotBtn.focus();
  } catch (e) {
    cameraOff(...cameraError(e));
  }
}

async function render(r: Result, frame: Blob, seq: number): Promise<void> {
  if (r.status === 'ok' || r.status === 'already_passed') return renderAdmitted(r, frame, seq);
  if (isRefused(r)) return renderRefused(r, frame, seq);
  if (r.status === 'not_found') {
    show('notfound', 'Лицо не найдено', 'Студента нет в базе или система не уверена. Проверьте документы', true).append(manualButton());
    return;
  }
  // Card + face: the frame is not the card's student. Nobody is named; the documents decide.
  if (r.status === 'mismatch') {
    show('mismatch', 'Лицо не совпадает с фото студента', 'Проверьте документ. Проход не записан', true).append(
      el('div', 'Если документы в порядке и это тот студент — пропустите вручную:', 'result-note'),
      manualButton(),
    );
    return;
  }
  if (r.status === 'no_photo') {
    const [title, hint] = splitMessage(r.message);
    show('nophoto', title, hint, true).append(manualButton());
    return;
  }
  // No face / several faces / too far / unclear: grey, «what happened» big, «what to do» under it.
  const [title, hint] = splitMessage(r.message);
  show('warn', title, hint, true).append(manualButton());
}

async function takePhoto(claim?: Claim): Promise<void> {
  if (busy) return;
  if (!cameraOn()) {
    if (claim) show('error', 'Камера не включена', 'Нажмите «Открыть камеру», затем проверьте зачётку ещё раз');
    return;
  }
  busy = true;
  const seq = nextCard();
  shotBtn.disabled = true;
  closeManual(false);
  // The previous student's card leaves the screen at once.
  show('pending', 'Распознавание…', 'Снимок отправлен, подождите');
  $('camera-status').textContent = 'Распознавание…';
  try {
    const frame = await capture();
    const form = new FormData();
    form.append('source', 'camera');
    const { station, room, token } = settings();
    if (station) form.append('station', station);
    if (room) form.append('room', room);
    if (claim && 'matricula' in claim) form.append('matricula', claim.matricula);
    if (claim && 'student_id' in claim) form.append('student_id', String(claim.student_id));
    form.append('image', frame, 'frame.jpg');
    const r = await api<Result>('/api/recognize', { method: 'POST', body: form, token });
    if (isCurrent(seq)) await render(r, frame, seq);
    void refreshRecent();
  } catch (e) {
    if (isCurrent(seq)) showFailure(e, 'Ошибка распознавания', 'Повторите снимок');
  } finally {
    busy = false;
    shotBtn.disabled = !cameraOn();
    $('camera-status').textContent = 'Готово к следующему снимку';
    // A scanner types the next card into the Matricula field: after a card check the field is empty and focused again.
    if (claim) {
      claimBox.value = '';
      claimBox.focus({ preventScroll: true });
    } else if (manual.hidden) shotBtn.focus({ preventScroll: true });
    // On a portrait tablet the result sits under the preview: bring all of it into view.
    panel.scrollIntoView({ block: 'nearest' });
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
  void refreshRooms();
}

for (const id of ['station', 'station-token']) {
  const box = input(id);
  box.value = store.getItem(`efc.${id}`) ?? '';
  box.addEventListener('change', () => {
    store.setItem(`efc.${id}`, box.value.trim());
    if (id === 'station-token') {
      void loadSettings();
      void refreshRooms();
    }
    void refreshRecent();
  });
}
showIdle();
initRoom();
pairFromLink();
// The link opened in a tab that already shows this page changes only the hash: no reload.
window.addEventListener('hashchange', pairFromLink);

openBtn.addEventListener('click', () => void openCamera());
whenCameraLost(() => cameraOff('Камера отключилась', 'Проверьте, что камера подключена, и нажмите «Открыть камеру»'));
shotBtn.addEventListener('click', () => void takePhoto());
$('verify-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const matricula = claimBox.value.trim();
  if (!matricula) {
    claimBox.focus();
    return;
  }
  void takePhoto({ matricula });
});
// «Сверить лицо» beside a student found by hand: the same 1:1 check, by the student's id.
onVerify((id) => void takePhoto({ student_id: id }));
$('manual-open').addEventListener('click', () => openManual());
$('manual-close').addEventListener('click', () => closeManual());
$('manual-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void searchManual();
});
input('manual-query').addEventListener('input', () => searchSoon());
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
    if (cameraOn()) void takePhoto();
    else void openCamera();
  }
});
void loadSettings();
void refreshRecent();
