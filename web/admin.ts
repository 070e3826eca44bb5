// Admin page: token once per session, Excel (+ zip) upload with the loader summary, report download, students.
import { $, api, download, el, HttpError, input, protectedImage, ruDate, saveBlob } from './common.js';

interface RowReport { row: number; matricula: string | null; status: string; reason: string; message: string }
interface PairStudent { id: number; name: string; matricula: string | null; row?: number | null; photo_url: string }
interface Pair { distance: number; students: PairStudent[] }
interface Summary {
  total_rows: number; added: number; updated: number; skipped: number; failed: number; warnings: number; duration_ms: number; photos_per_second: number; index_size: number;
  rows: RowReport[]; lookalikes: Pair[]; lookalikes_total: number; by_reason?: Record<string, number>; rows_total?: number; rows_truncated?: boolean;
  /** When not one photo was found: the folder layout expected and what is there. */
  hint?: string;
}
interface Reembed { state: string; done: number; total: number; failed: number }
interface Status { running: boolean; progress: { done: number; total: number } | null; last_load_at: string | null; last_load_local: string | null; index_size: number; face_model: string; reembed: Reembed | null; lookalike_students: number }
interface StudentItem { id: number; matricula: string | null; lastname: string; firstname: string; group: string | null; identifier: string | null; passed_today: string | null }
interface StudentFull { id: number; matricula: string | null; lastname: string; firstname: string; lotin: string | null; group: string | null; identifier: string | null; passport_masked: string | null; photo_url: string }
interface AddedPhoto { id: number; added: string; added_by: string | null; photo_url: string }
interface PassRecord {
  id: number; date: string; time: string; source: string; source_label?: string | null; station: string | null; reason: string | null; distance: number | null;
  cancelled: boolean; cancelled_time: string | null; cancelled_by?: string | null; cancel_reason: string | null;
}

/** The loader's row reasons in the admin's words (the code stays as the tooltip). */
const REASONS: Record<string, string> = {
  // The same words as the server's row report (src/students/row-report.ts REASON_TEXT); «exists» gets its hint beside the count.
  exists: 'уже в базе',
  duplicate: 'повтор строки в этом файле',
  missing_id: 'нет ни Matricula, ни Идентификатора',
  missing_name: 'нет ни фамилии, ни имени',
  bad_date: 'неверная дата рождения',
  bad_cell: 'ошибка в ячейке',
  no_file_path: 'пустой File path',
  file_not_found: 'файл фото не найден',
  path_outside_docs: 'путь за пределами папки с фото',
  bad_image: 'файл не читается как изображение',
  image_too_large: 'фото слишком большое',
  image_too_small: 'фото слишком маленькое',
  no_face: 'на фото нет лица',
  face_too_small: 'лицо на фото слишком маленькое',
  face_unclear: 'лицо на фото неразличимо',
  poor_photo: 'фото плохо подходит для распознавания',
  conflict: 'конфликт с базой',
  multiple_faces: 'на фото несколько лиц',
  similar_face: 'лицо похоже на другого студента',
  duplicate_passport: 'номер паспорта повторяется',
};
const STATUSES: Record<string, string> = { skipped: 'пропущена', failed: 'ошибка', warning: 'предупреждение' };

function reasonText(code: string): string {
  const t = REASONS[code] ?? code;
  return t[0]!.toUpperCase() + t.slice(1);
}

/** The row's message without the reason it starts with (already in the «Причина» column). */
function details(r: RowReport): string {
  const said = REASONS[r.reason];
  if (said && r.message.toLowerCase().startsWith(`${said}: `)) return r.message.slice(said.length + 2);
  return r.message;
}

/** A reason in Russian with its code as the tooltip. */
function reasonCell(tag: 'td' | 'span', code: string): HTMLElement {
  const c = el(tag, reasonText(code), 'reason');
  c.title = `код: ${code}`;
  c.dataset.code = code;
  return c;
}

const session = window.sessionStorage;
const token = () => session.getItem('efc.admin') ?? '';
const call = <T>(url: string, init: RequestInit = {}) => api<T>(url, { ...init, token: token(), tokenHeader: 'x-admin-token' });

function setMessage(id: string, text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  const m = $(id);
  m.textContent = text;
  m.className = `message message-${kind}`;
}

async function login(ev?: Event): Promise<void> {
  ev?.preventDefault();
  const value = input('admin-token').value.trim();
  if (value) session.setItem('efc.admin', value);
  try {
    await refreshStatus();
    $('login-form').hidden = true;
    $('panel').hidden = false;
    void searchStudents();
    void loadLookalikes();
  } catch (e) {
    session.removeItem('efc.admin');
    $('login-form').hidden = false;
    $('panel').hidden = true;
    if (value || ev) setMessage('login-message', e instanceof HttpError ? e.body.message : 'Ошибка входа', 'error');
  }
}

async function refreshStatus(): Promise<Status> {
  const s = await call<Status>('/admin/load_status');
  $('index-size').textContent = String(s.index_size);
  $('last-load').textContent = s.last_load_local ?? '—';
  $('face-model').textContent = s.face_model;
  const r = s.reembed;
  const box = $('reembed');
  box.hidden = !r || r.total === 0;
  if (r && r.total > 0) {
    box.textContent = r.state === 'running'
      ? `Модель распознавания сменилась: фото студентов обрабатываются заново — ${r.done} из ${r.total}. Пока студент не обработан, камера отвечает «Лицо не найдено».`
      : `Фото студентов обработаны новой моделью: ${r.done - r.failed} из ${r.total}${r.failed ? `; без пригодного фото: ${r.failed} — загрузите их заново из Excel` : ''}.`;
    box.className = `message message-${r.failed ? 'error' : 'info'}`;
    if (r.state === 'running') window.setTimeout(() => void refreshStatus().catch(() => undefined), 2000);
  }
  if (s.running && s.progress) setMessage('upload-message', `Загрузка: ${s.progress.done} из ${s.progress.total} строк…`);
  return s;
}

/** Look-alike pairs, each with both enrolled photos side by side. */
function renderPairs(box: HTMLElement, pairs: Pair[]): void {
  box.replaceChildren();
  for (const p of pairs) {
    const card = el('div', null, 'pair');
    for (const s of p.students) {
      const fig = el('figure');
      const img = el('img');
      img.alt = s.name;
      fig.append(img, el('figcaption', `${s.name} · ${s.matricula ?? '—'}${s.row ? ` · строка ${s.row}` : ''}`));
      card.append(fig);
      void protectedImage(s.photo_url, token(), 'x-admin-token').then((u) => u && (img.src = u));
    }
    card.append(el('div', `расстояние ${p.distance.toFixed(3)}`, 'muted'));
    box.append(card);
  }
}

async function loadLookalikes(): Promise<void> {
  try {
    const r = await call<{ total: number; pairs: Pair[] }>('/admin/lookalikes?limit=100');
    $('lookalikes-total').textContent = r.total ? `Пар: ${r.total}${r.total > r.pairs.length ? ` (показаны ${r.pairs.length} ближайших)` : ''}` : 'Похожих пар нет';
    renderPairs($('lookalikes'), r.pairs);
  } catch (e) {
    $('lookalikes-total').textContent = e instanceof HttpError ? e.body.message : 'Ошибка';
  }
}

function renderSummary(s: Summary): void {
  const box = $('summary');
  const counts = el('div', null, 'counts');
  for (const [label, n] of [['Строк', s.total_rows], ['Добавлено', s.added], ['Обновлено', s.updated], ['Пропущено', s.skipped], ['Ошибок', s.failed], ['Предупреждений', s.warnings]] as const) {
    const c = el('div', null, 'count');
    c.append(el('div', String(n), 'count-n'), el('div', label, 'count-label'));
    counts.append(c);
  }
  // One line per reason with its count; rows already in the base are only counted (a re-run lists 2,500 of them).
  const byReason = s.by_reason ?? s.rows.reduce<Record<string, number>>((a, r) => ((a[r.reason] = (a[r.reason] ?? 0) + 1), a), {});
  const reasons = el('ul', null, 'reasons');
  for (const [code, n] of Object.entries(byReason).sort((a, b) => b[1] - a[1])) {
    const li = el('li');
    li.append(reasonCell('span', code), document.createTextNode(` — ${n}`));
    if (code === 'exists') li.append(el('span', ' (чтобы загрузить их заново, отметьте «Перезаписать существующих»)', 'muted'));
    reasons.append(li);
  }
  const listed = s.rows.filter((r) => r.reason !== 'exists');
  const table = el('table', null, 'rows');
  const head = el('tr');
  for (const h of ['Строка', 'Matricula (зачётка)', 'Статус', 'Причина', 'Подробности']) head.append(el('th', h));
  table.append(head);
  for (const r of listed) {
    const tr = el('tr', null, `row-${r.status}`);
    tr.append(el('td', String(r.row)), el('td', r.matricula ?? '—'), el('td', STATUSES[r.status] ?? r.status), reasonCell('td', r.reason), el('td', details(r)));
    table.append(tr);
  }
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
  box.replaceChildren(counts, ...hint, el('p', `Время: ${(s.duration_ms / 1000).toFixed(1)} с · ${s.photos_per_second} фото/с · студентов в базе распознавания: ${s.index_size}`, 'muted'),
    ...(reasons.childElementCount ? [el('h3', 'Причины'), reasons] : []), ...(listed.length ? [table] : []), ...more,
    ...(s.lookalikes_total ? [el('h3', `Похожие лица: ${s.lookalikes_total} пар (камера не назовёт ни одного из пары)`), pairs] : []));
  box.hidden = false;
}

async function upload(ev: Event): Promise<void> {
  ev.preventDefault();
  const file = input('excel-file').files?.[0];
  if (!file) return setMessage('upload-message', 'Выберите файл Excel (.xlsx)', 'error');
  const form = new FormData();
  form.append('force', input('force').checked ? 'true' : 'false');
  form.append('file', file, file.name);
  const zip = input('photos-zip').files?.[0];
  if (zip) form.append('photos', zip, zip.name);
  const button = $('upload-button') as HTMLButtonElement;
  button.disabled = true;
  setMessage('upload-message', 'Загрузка и распознавание фото…');
  const poll = window.setInterval(() => void refreshStatus().catch(() => undefined), 1000);
  try {
    const s = await call<Summary>('/admin/load_excel', { method: 'POST', body: form });
    renderSummary(s);
    setMessage('upload-message', `Готово: добавлено ${s.added}, обновлено ${s.updated}, пропущено ${s.skipped}, ошибок ${s.failed}`, 'ok');
    void refreshStatus();
    void searchStudents();
    void loadLookalikes();
  } catch (e) {
    setMessage('upload-message', e instanceof HttpError ? e.body.message : 'Ошибка загрузки', 'error');
  } finally {
    window.clearInterval(poll);
    button.disabled = false;
  }
}

async function downloadReport(ev: Event): Promise<void> {
  ev.preventDefault();
  const q = new URLSearchParams();
  const from = input('report-from').value;
  const to = input('report-to').value;
  const group = input('report-group').value.trim();
  if (from && to && from > to) return setMessage('report-message', 'Дата «С» позже даты «По»: исправьте период', 'error');
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  if (group) q.set('group', group);
  const name = await downloadFile(`/admin/export_report?${q}`, `passes_${from || 'today'}${to && to !== from ? `_${to}` : ''}.xlsx`, 'report-message', 'report-link');
  if (name) setMessage('report-message', `Отчёт скачан: ${name}`, 'ok');
}

/** Downloads an admin file under the server's name (Content-Disposition); returns that name, or null after an error message. */
async function downloadFile(url: string, fallback: string, messageId: string, linkId?: string): Promise<string | null> {
  try {
    const { blob, name } = await download(url, token(), 'x-admin-token', fallback);
    saveBlob(blob, name, linkId);
    return name;
  } catch (e) {
    setMessage(messageId, e instanceof HttpError ? e.body.message : 'Не удалось скачать файл', 'error');
    return null;
  }
}

async function searchStudents(ev?: Event): Promise<void> {
  ev?.preventDefault();
  const q = input('student-query').value.trim();
  try {
    const r = await call<{ total: number; students: StudentItem[] }>(`/admin/students?limit=50&q=${encodeURIComponent(q)}`);
    const list = $('students');
    list.replaceChildren();
    for (const s of r.students) {
      const card = el('button', null, `student-card${s.passed_today ? ' passed' : ''}`);
      card.type = 'button';
      card.title = 'Открыть карточку студента: данные и проходы';
      card.dataset.id = String(s.id);
      const img = el('img');
      img.alt = '';
      card.append(img, el('div', `${s.lastname} ${s.firstname}`, 'name'), el('div', [s.group, s.matricula ?? s.identifier].filter(Boolean).join(' · '), 'muted'),
        el('div', s.passed_today ? `Прошёл сегодня в ${s.passed_today}` : 'Сегодня не проходил', 'pass-state'));
      card.addEventListener('click', () => void openStudent(s.id));
      list.append(card);
      void protectedImage(`/api/students/${s.id}/photo`, token(), 'x-admin-token').then((u) => u && (img.src = u));
    }
    $('students-total').textContent = `Найдено: ${r.total}`;
  } catch (e) {
    $('students-total').textContent = e instanceof HttpError ? e.body.message : 'Ошибка';
  }
}

// ---- Student card: data, enrolled photo, every pass; a pass can be cancelled with a reason ----

const dialog = $('student-dialog') as HTMLDialogElement;
let openStudentId: number | null = null;
let dialogUrl: string | null = null;
let faceUrls: string[] = [];

async function openStudent(id: number): Promise<void> {
  openStudentId = id;
  setMessage('sd-message', '');
  $('sd-name').textContent = 'Студент';
  $('sd-body').replaceChildren(el('p', 'Загрузка…', 'muted'));
  $('sd-passes').replaceChildren();
  if (!dialog.open) dialog.showModal();
  await loadStudent(id);
}

async function loadStudent(id: number): Promise<void> {
  try {
    const r = await call<{ student: StudentFull; passes: PassRecord[]; added_photos?: AddedPhoto[] }>(`/admin/students/${id}`);
    if (openStudentId !== id) return;
    renderStudent(r.student);
    renderPasses(r.passes);
    renderAddedPhotos(r.added_photos ?? []);
  } catch (e) {
    if (openStudentId === id) setMessage('sd-message', e instanceof HttpError ? e.body.message : 'Не удалось открыть карточку студента', 'error');
  }
}

function info(label: string, value: string | null): HTMLElement {
  const row = el('div', null, 'field');
  row.append(el('span', label, 'field-label'), el('span', value || '—', 'field-value'));
  return row;
}

function renderStudent(s: StudentFull): void {
  $('sd-name').textContent = `${s.lastname} ${s.firstname}`;
  const img = el('img');
  img.alt = `Фото из базы: ${s.lastname} ${s.firstname}`;
  const fields = el('div', null, 'fields');
  fields.append(
    info('Латиницей', s.lotin),
    info('Группа', s.group),
    info('Matricula (зачётка)', s.matricula),
    info('Идентификатор', s.identifier),
    info('Паспорт', s.passport_masked),
  );
  const box = el('div', null, 'sd-student');
  box.append(img, fields);
  $('sd-body').replaceChildren(box);
  void protectedImage(s.photo_url, token(), 'x-admin-token').then((u) => {
    if (!u) return;
    if (dialogUrl) URL.revokeObjectURL(dialogUrl);
    dialogUrl = u;
    img.src = u;
  });
}

function renderPasses(passes: PassRecord[]): void {
  const list = $('sd-passes');
  list.replaceChildren();
  if (passes.length === 0) list.append(el('li', 'Проходов нет', 'muted'));
  for (const p of passes) {
    const li = el('li', null, `pass${p.cancelled ? ' pass-cancelled' : ''}`);
    li.dataset.id = String(p.id);
    const what = [p.source_label || p.source, p.station, p.distance !== null && p.distance !== undefined ? `расстояние ${p.distance.toFixed(3)}` : null].filter(Boolean).join(' · ');
    const line = el('div', null, 'pass-line');
    line.append(el('span', `${ruDate(p.date)} ${p.time}`, 'pass-when'), el('span', what, 'pass-what'));
    li.append(line);
    if (p.reason) li.append(el('div', `Причина прохода: ${p.reason}`, 'pass-note'));
    if (p.cancelled) {
      const who = !p.cancelled_by || p.cancelled_by === 'admin' ? 'администратором' : p.cancelled_by;
      li.append(el('div', `Отменён ${who}${p.cancelled_time ? ` ${ruDate(p.cancelled_time)}` : ''}. Причина отмены: ${p.cancel_reason || '—'}`, 'pass-cancel-note'));
    } else {
      const b = el('button', 'Отменить проход', 'danger small');
      b.type = 'button';
      b.addEventListener('click', () => askCancel(li, p, b));
      li.append(b);
    }
    list.append(li);
  }
}

/** Photos added at a checkpoint after a verified admission: who/when, and «Удалить снимок». */
function renderAddedPhotos(photos: AddedPhoto[]): void {
  for (const u of faceUrls) URL.revokeObjectURL(u);
  faceUrls = [];
  $('sd-faces-box').hidden = photos.length === 0;
  $('sd-faces').replaceChildren(...photos.map((f) => {
    const fig = el('figure', null, 'added-face');
    const img = el('img');
    img.alt = `Снимок, добавленный ${ruDate(f.added)}`;
    const remove = el('button', 'Удалить снимок', 'danger small');
    remove.type = 'button';
    remove.addEventListener('click', () => void removeAddedPhoto(f.id, remove));
    fig.append(img, el('figcaption', `добавлен ${ruDate(f.added)}${f.added_by ? `, ${f.added_by}` : ''}`), remove);
    void protectedImage(f.photo_url, token(), 'x-admin-token').then((u) => {
      if (!u) return;
      faceUrls.push(u);
      img.src = u;
    });
    return fig;
  }));
}

async function removeAddedPhoto(id: number, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    await call(`/admin/student-faces/${id}`, { method: 'DELETE' });
    setMessage('sd-message', 'Снимок удалён: камера больше не сравнивает с ним', 'ok');
  } catch (e) {
    setMessage('sd-message', e instanceof HttpError ? e.body.message : 'Не удалось удалить снимок', 'error');
  }
  if (openStudentId !== null) await loadStudent(openStudentId);
}

/** «Отменить проход»: a reason is required; the pass stays in the history, struck through. */
function askCancel(li: HTMLElement, p: PassRecord, trigger: HTMLButtonElement): void {
  trigger.hidden = true;
  const form = el('form', null, 'cancel-form');
  const reason = el('input');
  reason.required = true;
  reason.maxLength = 200;
  reason.placeholder = 'Причина отмены (обязательно)';
  reason.setAttribute('aria-label', 'Причина отмены');
  const ok = el('button', 'Отменить проход', 'danger small');
  ok.type = 'submit';
  const back = el('button', 'Не отменять', 'link');
  back.type = 'button';
  back.addEventListener('click', () => {
    form.remove();
    trigger.hidden = false;
  });
  form.append(reason, ok, back);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = reason.value.trim();
    if (!text) return reason.focus();
    ok.disabled = true;
    void cancelPass(p.id, text).finally(() => (ok.disabled = false));
  });
  li.append(form);
  reason.focus();
}

async function cancelPass(id: number, reason: string): Promise<void> {
  try {
    await call(`/admin/passes/${id}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason }) });
    setMessage('sd-message', 'Проход отменён. Студент может пройти снова', 'ok');
  } catch (e) {
    const conflict = e instanceof HttpError && e.status === 409 && !/отмен/i.test(e.body.message);
    setMessage('sd-message', conflict ? 'Проход уже отменён' : e instanceof HttpError ? e.body.message : 'Не удалось отменить проход', 'error');
  }
  if (openStudentId !== null) await loadStudent(openStudentId);
  void searchStudents();
}

$('sd-close').addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => {
  openStudentId = null;
  if (dialogUrl) URL.revokeObjectURL(dialogUrl);
  dialogUrl = null;
});
// A click on the backdrop (outside the card) closes it too.
dialog.addEventListener('click', (ev) => {
  if (ev.target === dialog) dialog.close();
});

$('template-button').addEventListener('click', () => {
  void downloadFile('/admin/template.xlsx', 'list of students.xlsx', 'template-message').then((name) => name && setMessage('template-message', `Шаблон скачан: ${name}`, 'ok'));
});
$('login-form').addEventListener('submit', (e) => void login(e));
$('upload-form').addEventListener('submit', (e) => void upload(e));
$('report-form').addEventListener('submit', (e) => void downloadReport(e));
$('search-form').addEventListener('submit', (e) => void searchStudents(e));
$('logout').addEventListener('click', () => {
  session.removeItem('efc.admin');
  window.location.reload();
});
/** «Подключить пункт пропуска»: the pairing link and its QR code, for a station's browser to open once. */
async function showPairing(): Promise<void> {
  try {
    const p = await call<{ url: string; svg: string }>('/admin/pairing');
    const img = $('pairing-qr') as HTMLImageElement;
    img.src = URL.createObjectURL(new Blob([p.svg], { type: 'image/svg+xml' }));
    img.hidden = false;
    const link = $('pairing-link') as HTMLInputElement;
    link.value = p.url;
    link.hidden = false;
    setMessage('pairing-message', 'Откройте эту ссылку (или отсканируйте QR-код) в браузере пункта пропуска: токен сохранится в нём. Не пересылайте ссылку посторонним.');
  } catch (e) {
    setMessage('pairing-message', e instanceof HttpError ? e.body.message : 'Ошибка', 'error');
  }
}

/** An admin link (`/admin#token=…`, printed at the server's first start) logs in once, then leaves the address bar. */
function tokenFromLink(): void {
  const m = /^#token=([A-Za-z0-9_~.%-]{8,200})$/.exec(location.hash);
  if (!m) return;
  session.setItem('efc.admin', decodeURIComponent(m[1]!));
  history.replaceState(null, '', location.pathname + location.search);
}

$('pairing-button').addEventListener('click', () => void showPairing());
tokenFromLink();
window.addEventListener('hashchange', () => {
  tokenFromLink();
  if (token()) void login();
});
if (token()) void login();
