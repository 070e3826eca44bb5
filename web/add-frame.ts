// «Добавить снимок к фото студента»: after a verified admission, the camera frame becomes one more photo of the student.
import { api, el, HttpError } from './common.js';
import { cameraOn, capture } from './camera.js';
import { addToCard, holdFade, isCurrent, startFade } from './result-card.js';
import { settings } from './station.js';

/** `frame` (or, with none, a fresh one from the camera) is offered on the card as one more photo of student `id`. */
export function offerAddFace(id: number, frame: Blob | null, seq: number): void {
  if (!frame && !cameraOn()) return;
  const box = el('div', null, 'add-face');
  const button = el('button', 'Добавить снимок к фото студента', 'secondary');
  button.type = 'button';
  const note = el(
    'div',
    frame
      ? 'Снимок с камеры станет ещё одним фото этого студента — в следующий раз камера узнает его лучше'
      : 'Камера сделает снимок сейчас: студент должен смотреть в камеру',
    'add-face-note muted',
  );
  button.addEventListener('click', () => void addFace(id, frame, button, note, seq));
  box.append(button, note);
  addToCard(box);
}

async function addFace(id: number, frame: Blob | null, button: HTMLButtonElement, note: HTMLElement, seq: number): Promise<void> {
  button.disabled = true;
  // The operator waits for the answer on this card: it stays until the answer, then its full time again.
  if (isCurrent(seq)) holdFade();
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
    const r = await api<{ status: string; message: string }>(`/api/students/${id}/faces`, { method: 'POST', body: form, token });
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
  if (isCurrent(seq)) startFade();
}
