// The student card (dialog): data, enrolled photo, every pass with «Отменить проход», photos added at checkpoints.
import type { AddedPhoto, PassView, PublicStudent, StudentCard } from '../dist/contract/shapes.js';
import { $, el, HttpError, protectedImage, ruDate } from './common.js';
import { call, setMessage, token } from './admin-api.js';
import { eraseOne } from './data-life.js';

type StudentFull = PublicStudent;
type PassRecord = PassView;

const dialog = $('student-dialog') as HTMLDialogElement;
let openStudentId: number | null = null;
let dialogUrl: string | null = null;
let faceUrls: string[] = [];
/** Called after a pass is cancelled (the list that opened the card refreshes). */
let passCancelled: () => void = () => undefined;

/** Opens the card of student `id`; `onCancelled` runs after each pass cancelled in it. */
export async function openStudent(id: number, onCancelled: () => void): Promise<void> {
  openStudentId = id;
  passCancelled = onCancelled;
  setMessage('sd-message', '');
  $('sd-name').textContent = 'Студент';
  $('sd-body').replaceChildren(el('p', 'Загрузка…', 'muted'));
  $('sd-passes').replaceChildren();
  if (!dialog.open) dialog.showModal();
  await loadStudent(id);
}

async function loadStudent(id: number): Promise<void> {
  try {
    const r = await call<StudentCard>(`/admin/students/${id}`);
    if (openStudentId !== id) return;
    renderStudent(r.student);
    renderPasses(r.passes);
    renderAddedPhotos(r.added_photos);
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
  const noPhoto = s.photo_problem ? el('div', null, 'no-photo') : null;
  if (noPhoto)
    noPhoto.append(el('strong', 'Без фото'), el('span', s.photo_problem), el('span', 'Камера не узнает студента: пропустить можно только вручную', 'muted'));
  const fields = el('div', null, 'fields');
  fields.append(
    info('Латиницей', s.lotin),
    info('Группа', s.group),
    info('Matricula (зачётка)', s.matricula),
    info('Идентификатор', s.identifier),
    info('Паспорт', s.passport_masked),
  );
  const box = el('div', null, 'sd-student');
  box.append(noPhoto ?? img, fields);
  $('sd-body').replaceChildren(box, photoForm(s), eraseBox(s));
  if (noPhoto) return;
  void protectedImage(s.photo_url, token(), 'x-admin-token').then((u) => {
    if (!u) return;
    if (dialogUrl) URL.revokeObjectURL(dialogUrl);
    dialogUrl = u;
    img.src = u;
  });
}

/**
 * «Загрузить фото» (a student without one) or «Заменить фото…»: the file is shown first and written only on a second,
 * explicit click; replacing an enrolled photo says so in red.
 */
function photoForm(s: StudentFull): HTMLElement {
  const replacing = !s.photo_problem;
  const form = el('form', null, 'photo-form');
  const file = el('input');
  file.type = 'file';
  file.accept = 'image/jpeg,image/png,image/webp';
  file.id = 'sd-photo-file';
  const label = el('label', replacing ? 'Заменить фото из базы…' : 'Загрузить фото студента', 'secondary file-label');
  label.htmlFor = file.id;
  const preview = el('div', null, 'photo-preview');
  form.append(label, file, preview);
  let previewUrl: string | null = null;
  file.addEventListener('change', () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    preview.replaceChildren();
    const f = file.files?.[0];
    if (!f) return;
    previewUrl = URL.createObjectURL(f);
    const img = el('img');
    img.alt = 'Новое фото';
    img.src = previewUrl;
    const ok = el('button', replacing ? 'Заменить фото' : 'Записать фото', replacing ? 'danger small' : 'small');
    ok.type = 'submit';
    const back = el('button', 'Отмена', 'link');
    back.type = 'button';
    back.addEventListener('click', () => {
      file.value = '';
      preview.replaceChildren();
    });
    const note = replacing ? [el('p', 'Прежнее фото будет заменено: камера будет узнавать студента по новому.', 'muted')] : [];
    preview.append(img, ...note, ok, back);
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = file.files?.[0];
    if (!f) return;
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (button) button.disabled = true;
    void uploadPhoto(s.id, f, replacing).finally(() => button && (button.disabled = false));
  });
  return form;
}

/** «Удалить студента…»: the erasure's preview and typed confirmation (data-life.ts); the card closes after it. */
function eraseBox(s: StudentFull): HTMLElement {
  const wrap = el('div', null, 'erase-student');
  const open = el('button', 'Удалить студента…', 'link danger-link');
  open.type = 'button';
  const box = el('div', null, 'erase-preview');
  box.hidden = true;
  open.addEventListener('click', () => {
    void eraseOne(s.id, box, 'sd-message', () => {
      dialog.close();
      passCancelled();
    });
  });
  wrap.append(open, box);
  return wrap;
}

async function uploadPhoto(id: number, f: File, replace: boolean): Promise<void> {
  setMessage('sd-message', 'Фото проверяется…');
  try {
    const r = await call<{ message: string; warnings: string[]; lookalikes: { name: string; matricula: string | null }[] }>(
      `/admin/students/${id}/photo${replace ? '?replace=1' : ''}`,
      { method: 'POST', headers: { 'content-type': f.type || 'application/octet-stream' }, body: f },
    );
    const extra = [
      r.warnings.length ? `Замечания: ${r.warnings.join(', ')}` : '',
      r.lookalikes.length ? `Похож на: ${r.lookalikes.map((l) => `${l.name} (${l.matricula ?? '—'})`).join(', ')}` : '',
    ].filter(Boolean);
    setMessage('sd-message', [r.message, ...extra].join('. '), r.lookalikes.length || r.warnings.length ? 'info' : 'ok');
  } catch (e) {
    setMessage('sd-message', e instanceof HttpError ? e.body.message : 'Не удалось загрузить фото', 'error');
    return;
  }
  if (openStudentId === id) await loadStudent(id);
  passCancelled(); // the list that opened the card shows the photo now
}

function renderPasses(passes: PassRecord[]): void {
  const list = $('sd-passes');
  list.replaceChildren();
  if (passes.length === 0) list.append(el('li', 'Проходов нет', 'muted'));
  for (const p of passes) {
    const li = el('li', null, `pass${p.cancelled ? ' pass-cancelled' : ''}`);
    li.dataset.id = String(p.id);
    const what = [
      p.exam ? `«${p.exam}», ауд. ${p.room ?? '—'}` : null,
      p.source_label || p.source,
      p.station,
      p.distance !== null && p.distance !== undefined ? `расстояние ${p.distance.toFixed(3)}` : null,
    ]
      .filter(Boolean)
      .join(' · ');
    const line = el('div', null, 'pass-line');
    line.append(el('span', `${ruDate(p.date)} ${p.time}`, 'pass-when'), el('span', what, 'pass-what'));
    li.append(line);
    if (p.reason) li.append(el('div', `Причина прохода: ${p.reason}`, 'pass-note'));
    if (p.cancelled) {
      const who = !p.cancelled_by || p.cancelled_by === 'admin' ? 'администратором' : p.cancelled_by;
      li.append(
        el('div', `Отменён ${who}${p.cancelled_time ? ` ${ruDate(p.cancelled_time)}` : ''}. Причина отмены: ${p.cancel_reason || '—'}`, 'pass-cancel-note'),
      );
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
  $('sd-faces').replaceChildren(
    ...photos.map((f) => {
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
    }),
  );
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
  passCancelled();
}

/** «Закрыть» and the backdrop close the card; a closed card lets its photo go. */
export function wireStudentDialog(): void {
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
}
