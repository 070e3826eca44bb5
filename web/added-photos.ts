// «Добавленные снимки»: every frame added to a student's photos at the door (student, station, client address, time,
// distance to the enrolled photo, whether the camera uses it), newest first, each removable with one click.
import { $, el, HttpError, protectedImage } from './common.js';
import { call, token } from './admin-api.js';

interface AddedPhoto {
  id: number;
  student_id: number;
  student_name: string;
  matricula: string | null;
  added: string;
  added_by: string | null;
  client: string | null;
  distance: number | null;
  in_index: boolean;
  photo_url: string;
}

function row(p: AddedPhoto): HTMLElement {
  const li = el('li', null, 'added-photo');
  const img = el('img');
  img.alt = `Снимок: ${p.student_name}`;
  void protectedImage(p.photo_url, token(), 'x-admin-token').then((u) => u && (img.src = u));
  const info = el('div', null, 'added-photo-info');
  info.append(
    el('div', `${p.student_name}${p.matricula ? ` · ${p.matricula}` : ''}`, 'name'),
    el('div', `${p.added} · пункт ${p.added_by ?? '—'} · адрес ${p.client ?? '—'}`, 'muted'),
    el(
      'div',
      `${p.distance === null ? 'расстояние до фото не записано' : `расстояние до фото студента ${p.distance.toFixed(3)}`} · ${p.in_index ? 'камера его использует' : 'камера его не использует (другая модель или не совпадает с фото)'}`,
      p.in_index ? 'muted' : 'message-error',
    ),
  );
  const remove = el('button', 'Удалить снимок', 'danger small');
  remove.type = 'button';
  remove.addEventListener('click', () => {
    remove.disabled = true;
    void call(`/admin/student-faces/${p.id}`, { method: 'DELETE' })
      .then(() => li.remove())
      .catch((e: unknown) => {
        remove.disabled = false;
        info.append(el('div', e instanceof HttpError ? e.body.message : 'Не удалось удалить', 'message-error'));
      });
  });
  li.append(img, info, remove);
  return li;
}

/** The newest added photos (`GET /admin/student-faces`). */
export async function loadAddedPhotos(): Promise<void> {
  try {
    const r = await call<{ total: number; photos: AddedPhoto[] }>('/admin/student-faces?limit=50');
    $('added-photos-total').textContent = r.total
      ? `Снимков: ${r.total}${r.total > r.photos.length ? ` (показаны ${r.photos.length} последних)` : ''}`
      : 'Снимков пока нет';
    $('added-photos').replaceChildren(...r.photos.map(row));
  } catch (e) {
    $('added-photos-total').textContent = e instanceof HttpError ? e.body.message : 'Ошибка';
  }
}
