// The student list upload: Excel (+ zip of photos) → `POST /admin/load_excel`, progress while it runs, then its summary.
import { $, HttpError, input } from './common.js';
import { call, setMessage } from './admin-api.js';
import { refreshStatus } from './load-status.js';
import { renderSummary, type Summary } from './load-summary.js';
import { loadLookalikes } from './lookalikes.js';
import { searchStudents } from './student-list.js';

export async function upload(ev: Event): Promise<void> {
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
