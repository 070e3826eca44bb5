// Exam sittings in the operator's words: «Математика — ауд. 101, 09:00–12:00», the next one, where the student has to go.
import type { SittingView } from '../dist/contract/shapes.js';
import { ruDate } from './common.js';

/** One exam sitting as `/api/rooms`, `/api/recognize` and `/api/passes` give it (contract/shapes.ts). */
export type Sitting = SittingView;

/** «ауд. 101» for a number, the name itself otherwise («Актовый зал»). */
export function roomName(room: string): string {
  return /^\d/.test(room) ? `ауд. ${room}` : room;
}

/** The same with a capital letter, for the start of a line or a list item. */
export function roomLabel(room: string): string {
  const n = roomName(room);
  return n[0]!.toUpperCase() + n.slice(1);
}

/** «Математика — ауд. 101, 09:00–12:00» */
export function sittingText(s: Sitting): string {
  return `${s.exam} — ${roomName(s.room)}, ${s.start}–${s.end}`;
}

/** «Экзамен: Математика — ауд. 101, 09:00–12:00» (the sitting a pass is for); a refusal names it «Здесь сейчас». */
export function examLine(s: Sitting, label = 'Экзамен'): string {
  return `${label}: ${sittingText(s)}`;
}

/** «Экзамен «Математика», 09:00–12:00» (the line under the header, beside the room). */
export function examNow(s: Sitting): string {
  return `Экзамен «${s.exam}», ${s.start}–${s.end}`;
}

/** «Следующий: Физика в 14:00, вход с 13:30»; another day's sitting names its date. `today`: `YYYY-MM-DD`, if known. */
export function nextText(s: Sitting, today: string | null): string {
  const day = today && s.date !== today ? ` ${ruDate(s.date)}` : '';
  return `Следующий: ${s.exam}${day} в ${s.start}, вход с ${s.opens}`;
}

/** «Записан сегодня: Физика — ауд. 204, 14:00–16:00» or «Сегодня у студента нет экзаменов». */
export function registeredText(list: Sitting[]): string {
  return list.length ? `Записан сегодня: ${list.map(sittingText).join('; ')}` : 'Сегодня у студента нет экзаменов';
}

/** «Студенту нужно в ауд. 204: Физика, 09:00–12:00» */
export function rightRoomText(s: Sitting): string {
  return `Студенту нужно в ${roomName(s.room)}: ${s.exam}, ${s.start}–${s.end}`;
}
