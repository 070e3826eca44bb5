// The schedule's say on a recognised (or manually admitted) student: the day rule, the sitting's pass, or a
// refusal the operator sees in amber (not registered, wrong room, no exam in this room now). No pass is
// recorded for a refusal; the attempt is, with the room and its current sitting.
import type { Core } from '../core.js';
import { localDate, localTime } from '../time.js';
import { roomSittingsOn, studentSittingsOn, type SittingWithCount } from '../schedule/today.js';
import { isOpen, sittingVerdict, type SittingVerdict } from './sitting-rule.js';
import type { PublicStudent, SittingRefusal, SittingView } from '../contract/shapes.js';

export type { SittingRefusal } from '../contract/shapes.js';

export function sittingView(s: SittingWithCount, openBeforeMs: number, timeZone: string): SittingView {
  const opens = new Date(new Date(s.starts_at).getTime() - openBeforeMs);
  return {
    id: s.id,
    exam: s.exam,
    room: s.room,
    date: s.sitting_date,
    start: s.start_time,
    end: s.end_time,
    opens: localTime(opens, timeZone).slice(0, 5),
    registered: s.registered,
  };
}

/** The verdict for the student at the station's room now (`room` null or empty: the day rule, no queries). */
export async function checkSitting(ctx: Core, studentId: number, room: string | null, now: Date): Promise<SittingVerdict> {
  if (!room) return { kind: 'day' };
  const today = localDate(now, ctx.config.timezone);
  const roomToday = await roomSittingsOn(ctx.db, room, today);
  if (roomToday.length === 0) return { kind: 'day' };
  return sittingVerdict(roomToday, await studentSittingsOn(ctx.db, studentId, today), now, ctx.config.sittingOpenBeforeMs);
}

/** The sittings open now in `room` (entry opens SITTING_OPEN_BEFORE_MIN before the start, closes at the end): usually one. */
export async function openSittings(ctx: Core, room: string, now: Date): Promise<SittingWithCount[]> {
  const today = localDate(now, ctx.config.timezone);
  return (await roomSittingsOn(ctx.db, room, today)).filter((s) => isOpen(s, now, ctx.config.sittingOpenBeforeMs));
}

/** The refusal answer for a verdict that admits nobody; undefined when the verdict admits (day rule or the sitting). */
export function refusalOf(v: SittingVerdict, student: PublicStudent, ctx: Core): SittingRefusal | undefined {
  const view = (s: SittingWithCount) => sittingView(s, ctx.config.sittingOpenBeforeMs, ctx.config.timezone);
  switch (v.kind) {
    case 'not_registered':
      return {
        status: 'not_registered',
        message: 'Студент не записан на этот экзамен',
        student,
        sitting: view(v.current),
        registered_today: v.registeredToday.map(view),
      };
    case 'wrong_room':
      return { status: 'wrong_room', message: 'Не та аудитория', student, sitting: view(v.current), right_sitting: view(v.right) };
    case 'no_sitting':
      return { status: 'no_sitting', message: 'В этой аудитории сейчас нет экзамена', student, next: v.next ? view(v.next) : null };
    default:
      return undefined;
  }
}

/** The sitting an attempt is recorded under (the room's current one, for refusals too). */
export function attemptSitting(v: SittingVerdict): number | null {
  return v.kind === 'sitting' ? v.sitting.id : v.kind === 'not_registered' || v.kind === 'wrong_room' ? v.current.id : null;
}
