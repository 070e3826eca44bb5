// Admin page: token once per session, Excel (+ zip) upload with the loader summary, report download, students.
import { $, api, el, HttpError, input, protectedImage } from './common.js';

interface RowReport { row: number; matricula: string | null; status: string; reason: string; message: string }
interface PairStudent { id: number; name: string; matricula: string | null; row?: number | null; photo_url: string }
interface Pair { distance: number; students: PairStudent[] }
interface Summary { total_rows: number; added: number; updated: number; skipped: number; failed: number; warnings: number; duration_ms: number; photos_per_second: number; index_size: number; rows: RowReport[]; lookalikes: Pair[]; lookalikes_total: number }
interface Reembed { state: string; done: number; total: number; failed: number }
interface Status { running: boolean; progress: { done: number; total: number } | null; last_load_at: string | null; last_load_local: string | null; index_size: number; face_model: string; reembed: Reembed | null; lookalike_students: number }
interface StudentItem { id: number; matricula: string | null; lastname: string; firstname: string; group: string | null; identifier: string | null; passed_today: string | null }

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
  const table = el('table', null, 'rows');
  const head = el('tr');
  for (const h of ['Строка', 'Matricula', 'Статус', 'Причина', 'Подробности']) head.append(el('th', h));
  table.append(head);
  for (const r of s.rows) {
    const tr = el('tr', null, `row-${r.status}`);
    tr.append(el('td', String(r.row)), el('td', r.matricula ?? '—'), el('td', { skipped: 'пропущена', failed: 'ошибка', warning: 'предупреждение' }[r.status] ?? r.status), el('td', r.reason), el('td', r.message));
    table.append(tr);
  }
  const pairs = el('div', null, 'lookalikes');
  renderPairs(pairs, s.lookalikes);
  box.replaceChildren(counts, el('p', `Время: ${(s.duration_ms / 1000).toFixed(1)} с · ${s.photos_per_second} фото/с · студентов в базе распознавания: ${s.index_size}`, 'muted'), ...(s.rows.length ? [table] : []),
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
  if (from) q.set('from', from);
  if (to) q.set('to', to || from);
  if (group) q.set('group', group);
  try {
    const blob = await call<Blob>(`/admin/export_report?${q}`);
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = `passes_${from || 'today'}${to && to !== from ? `_${to}` : ''}.xlsx`;
    a.id = 'report-link';
    document.body.append(a);
    a.click();
    a.remove();
    setMessage('report-message', 'Отчёт скачан', 'ok');
  } catch (e) {
    setMessage('report-message', e instanceof HttpError ? e.body.message : 'Не удалось скачать отчёт', 'error');
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
      const card = el('div', null, `student-card${s.passed_today ? ' passed' : ''}`);
      const img = el('img');
      img.alt = '';
      card.append(img, el('div', `${s.lastname} ${s.firstname}`, 'name'), el('div', `${s.group ?? ''} · ${s.matricula ?? s.identifier ?? ''}`, 'muted'),
        el('div', s.passed_today ? `Прошёл сегодня в ${s.passed_today}` : 'Сегодня не проходил', 'pass-state'));
      list.append(card);
      void protectedImage(`/api/students/${s.id}/photo`, token(), 'x-admin-token').then((u) => u && (img.src = u));
    }
    $('students-total').textContent = `Найдено: ${r.total}`;
  } catch (e) {
    $('students-total').textContent = e instanceof HttpError ? e.body.message : 'Ошибка';
  }
}

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
