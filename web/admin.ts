// Admin page wiring: the token once per session (or from the `#token=` link), the forms' handlers, report download,
// the stations (web/stations.ts).
import { $, HttpError, input } from './common.js';
import { downloadFile, session, setMessage, token } from './admin-api.js';
import { upload } from './excel-upload.js';
import { refreshStatus } from './load-status.js';
import { loadLookalikes } from './lookalikes.js';
import { loadAddedPhotos } from './added-photos.js';
import { loadStations, pairStation } from './stations.js';
import { uploadSchedule } from './schedule-upload.js';
import { loadSittings, wireSittings } from './sittings-list.js';
import { wireStudentDialog } from './student-card.js';
import { searchStudents } from './student-list.js';
import { loadRetention, wireErasure } from './data-life.js';
import { loadAudit, wireAudit } from './audit-log.js';

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
    void loadAddedPhotos();
    void loadStations();
    void loadSittings();
    void loadRetention();
    void loadAudit();
  } catch (e) {
    session.removeItem('efc.admin');
    $('login-form').hidden = false;
    $('panel').hidden = true;
    if (value || ev) setMessage('login-message', e instanceof HttpError ? e.body.message : 'Ошибка входа', 'error');
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
  const name = await downloadFile(
    `/admin/export_report?${q}`,
    `passes_${from || 'today'}${to && to !== from ? `_${to}` : ''}.xlsx`,
    'report-message',
    'report-link',
  );
  if (name) setMessage('report-message', `Отчёт скачан: ${name}`, 'ok');
}

/** An admin link (`/admin#token=…`, printed at the server's first start) logs in once, then leaves the address bar. */
function tokenFromLink(): void {
  const m = /^#token=([A-Za-z0-9_~.%-]{8,200})$/.exec(location.hash);
  if (!m) return;
  session.setItem('efc.admin', decodeURIComponent(m[1]!));
  history.replaceState(null, '', location.pathname + location.search);
}

wireStudentDialog();
wireSittings();
wireErasure(() => void searchStudents());
wireAudit();
$('template-button').addEventListener('click', () => {
  void downloadFile('/admin/template.xlsx', 'list of students.xlsx', 'template-message').then(
    (name) => name && setMessage('template-message', `Шаблон скачан: ${name}`, 'ok'),
  );
});
$('login-form').addEventListener('submit', (e) => void login(e));
$('upload-form').addEventListener('submit', (e) => void upload(e));
$('schedule-form').addEventListener('submit', (e) => void uploadSchedule(e));
$('schedule-template-button').addEventListener('click', () => {
  void downloadFile('/admin/schedule-template.xlsx', 'schedule.xlsx', 'schedule-template-message').then(
    (name) => name && setMessage('schedule-template-message', `Шаблон скачан: ${name}`, 'ok'),
  );
});
$('report-form').addEventListener('submit', (e) => void downloadReport(e));
$('search-form').addEventListener('submit', (e) => void searchStudents(e));
$('logout').addEventListener('click', () => {
  session.removeItem('efc.admin');
  window.location.reload();
});
$('pairing-form').addEventListener('submit', (e) => void pairStation(e));
tokenFromLink();
window.addEventListener('hashchange', () => {
  tokenFromLink();
  if (token()) void login();
});
if (token()) void login();
