// The base's state (`GET /admin/load_status`): students in the recognition index, last load, face model, re-embedding progress.
import { $ } from './common.js';
import { call, setMessage } from './admin-api.js';

interface Reembed {
  state: string;
  done: number;
  total: number;
  failed: number;
}
interface Status {
  running: boolean;
  progress: { done: number; total: number } | null;
  last_load_at: string | null;
  last_load_local: string | null;
  index_size: number;
  face_model: string;
  reembed: Reembed | null;
  lookalike_students: number;
}

/** Shows the state; a running load shows its progress in the upload message. Rejects when the server refuses (a wrong token). */
export async function refreshStatus(): Promise<Status> {
  const s = await call<Status>('/admin/load_status');
  $('index-size').textContent = String(s.index_size);
  $('last-load').textContent = s.last_load_local ?? '—';
  $('face-model').textContent = s.face_model;
  const r = s.reembed;
  const box = $('reembed');
  box.hidden = !r || r.total === 0;
  if (r && r.total > 0) {
    box.textContent =
      r.state === 'running'
        ? `Модель распознавания сменилась: фото студентов обрабатываются заново — ${r.done} из ${r.total}. Пока студент не обработан, камера отвечает «Лицо не найдено».`
        : `Фото студентов обработаны новой моделью: ${r.done - r.failed} из ${r.total}${r.failed ? `; без пригодного фото: ${r.failed} — загрузите их заново из Excel` : ''}.`;
    box.className = `message message-${r.failed ? 'error' : 'info'}`;
    if (r.state === 'running') window.setTimeout(() => void refreshStatus().catch(() => undefined), 2000);
  }
  if (s.running && s.progress) setMessage('upload-message', `Загрузка: ${s.progress.done} из ${s.progress.total} строк…`);
  return s;
}
