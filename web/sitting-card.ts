// The cards of a refused sitting — the student is known, but not for this room now — each with its own colour, icon and
// one line saying what to do: not registered for the exam (check the documents; a late registration: «Допустить» with a
// reason), expected in another room (send them there), or no exam here at the moment. No pass is recorded unless the
// operator admits the student with a reason.
import type { SittingRefusal } from '../dist/contract/shapes.js';
import { api, el, HttpError } from './common.js';
import { addExamLine, renderAdmitted, type Admitted } from './admitted-card.js';
import { addStudent } from './card-student.js';
import { addToCard, holdFade, isCurrent, show, startFade } from './result-card.js';
import { todayOfRooms } from './room.js';
import { nextText, registeredText, rightRoomText, roomName } from './sitting-text.js';
import { settings } from './station.js';

/** A refusal of the schedule: the student is known, not for this room now (contract/shapes.ts). */
export type Refused = SittingRefusal;
type NotRegistered = Extract<Refused, { status: 'not_registered' }>;
type WrongRoom = Extract<Refused, { status: 'wrong_room' }>;

/** Per refusal: the card's kind (its colour and icon in style.css), the title when the server gives none, what to do. */
const KINDS: Record<Refused['status'], { kind: string; title: string; todo: (r: Refused) => string }> = {
  not_registered: {
    kind: 'notregistered',
    title: 'Студент не записан на этот экзамен',
    todo: () => 'Не пускайте, пока не проверите документы. Поздняя запись — «Допустить» с причиной',
  },
  wrong_room: {
    kind: 'wrongroom',
    title: 'Не та аудитория',
    todo: (r) => `Направьте студента в ${roomName((r as WrongRoom).right_sitting.room)}`,
  },
  no_sitting: {
    kind: 'nositting',
    title: 'В этой аудитории сейчас нет экзамена',
    todo: () => 'Вход на экзамен ещё не открыт или уже закрыт: проход не записан',
  },
};

export function isRefused(r: { status: string }): r is Refused {
  return r.status in KINDS;
}

function hintOf(r: Refused): string | null {
  if (r.status === 'not_registered') return registeredText(r.registered_today);
  if (r.status === 'wrong_room') return rightRoomText(r.right_sitting);
  return r.next ? nextText(r.next, todayOfRooms()) : null;
}

/** «Допустить» on a not-registered / wrong-room card: a required reason, then a pass of this room's sitting (source override). */
function offerOverride(r: NotRegistered | WrongRoom, seq: number): void {
  const form = el('form', null, 'override');
  const reason = el('input');
  reason.maxLength = 200;
  reason.required = true;
  reason.placeholder = 'Причина (обязательно): например, поздняя запись, распоряжение деканата';
  reason.setAttribute('aria-label', 'Причина допуска');
  const button = el('button', 'Допустить', 'secondary');
  button.type = 'submit';
  const note = el('div', null, 'override-note');
  form.append(reason, button, note);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) return reason.focus();
    button.disabled = true;
    holdFade();
    const { station, room, token } = settings();
    void api<Admitted>('/api/passes', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        student_id: r.student.id,
        override: true,
        reason: reason.value.trim(),
        ...(station ? { station } : {}),
        ...(room ? { room } : {}),
      }),
    })
      .then((a) => (isCurrent(seq) ? renderAdmitted(a, null, seq) : undefined))
      .catch((e: unknown) => {
        note.textContent = e instanceof HttpError ? e.body.message : 'Не удалось допустить';
        button.disabled = false;
        startFade();
      });
  });
  addToCard(form);
}

/** Shows the card for refusal `r` (card number `seq`); `frame`: the camera's snapshot, if any. */
export async function renderRefused(r: Refused, frame: Blob | null, seq: number): Promise<void> {
  const k = KINDS[r.status];
  show(k.kind, r.message || k.title, hintOf(r), true);
  addToCard(el('div', k.todo(r), 'result-todo'));
  addExamLine(r.status === 'no_sitting' ? null : r.sitting, true);
  const { photo } = addStudent(r.student, seq, frame);
  if (r.status !== 'no_sitting') offerOverride(r, seq);
  await photo;
}
