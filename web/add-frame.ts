// «Добавить снимок к фото студента»: right after a verified admission (a card checked 1:1, or documents by hand), the camera
// takes a new frame and the server adds it to the student's photos if it matches their enrolled photo (the ticket binds it
// to this exchange; an earlier frame of whoever stood at the door is never sent).
import { api, el, HttpError } from './common.js';
import { cameraOn, capture } from './camera.js';
import { addToCard, holdFade, isCurrent, startFade } from './result-card.js';
import { settings } from './station.js';

/** Offers, on card `seq`, to add a fresh camera frame to student `id`'s photos with the answer's `ticket`. */
export function offerAddFace(id: number, ticket: string, seq: number): void {
  if (!cameraOn()) return;
  const box = el('div', null, 'add-face');
  const button = el('button', 'Добавить снимок к фото студента', 'secondary');
  button.type = 'button';
  const note = el(
    'div',
    'Камера сделает снимок сейчас — студент должен смотреть в камеру. Снимок добавится, только если совпадёт с фото студента',
    'add-face-note muted',
  );
  button.addEventListener('click', () => void addFace(id, ticket, button, note, seq));
  box.append(button, note);
  addToCard(box);
}

async function addFace(id: number, ticket: string, button: HTMLButtonElement, note: HTMLElement, seq: number): Promise<void> {
  button.disabled = true;
  // The operator waits for the answer on this card: it stays until the answer, then its full time again.
  if (isCurrent(seq)) holdFade();
  note.textContent = 'Снимок проверяется…';
  note.className = 'add-face-note muted';
  let error: string | null = null;
  try {
    const shot = await capture();
    const form = new FormData();
    const { station, token } = settings();
    if (station) form.append('station', station);
    form.append('ticket', ticket);
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
