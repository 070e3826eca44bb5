// The amber cards of a refused sitting: the student is known, but not for this room now — not registered for its exam,
// expected in another room, or no exam here at the moment. No pass is recorded; the hint says where the student belongs.
import { addExamLine } from './admitted-card.js';
import { addStudent, type Student } from './card-student.js';
import { show } from './result-card.js';
import { todayOfRooms } from './room.js';
import { nextText, registeredText, rightRoomText, type Sitting } from './sitting-text.js';

type NotRegistered = { status: 'not_registered'; message: string; student: Student; sitting: Sitting; registered_today: Sitting[] };
type WrongRoom = { status: 'wrong_room'; message: string; student: Student; sitting: Sitting; right_sitting: Sitting };
type NoSitting = { status: 'no_sitting'; message: string; student: Student; next: Sitting | null };
export type Refused = NotRegistered | WrongRoom | NoSitting;

/** The title when the server gives no message. */
const TITLES: Record<Refused['status'], string> = {
  not_registered: 'Студент не записан на этот экзамен',
  wrong_room: 'Не та аудитория',
  no_sitting: 'В этой аудитории сейчас нет экзамена',
};

export function isRefused(r: { status: string }): r is Refused {
  return r.status in TITLES;
}

function hintOf(r: Refused): string | null {
  if (r.status === 'not_registered') return registeredText(r.registered_today);
  if (r.status === 'wrong_room') return rightRoomText(r.right_sitting);
  return r.next ? nextText(r.next, todayOfRooms()) : null;
}

/** Shows the amber card for refusal `r` (card number `seq`); `frame`: the camera's snapshot, if any. */
export async function renderRefused(r: Refused, frame: Blob | null, seq: number): Promise<void> {
  show('refused', r.message || TITLES[r.status], hintOf(r), true);
  addExamLine(r.status === 'no_sitting' ? null : r.sitting, true);
  await addStudent(r.student, seq, frame).photo;
}
