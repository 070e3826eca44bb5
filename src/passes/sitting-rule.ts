// Which exam sitting a recognised student is entering, from the station's room, the clock and the schedule.
// A room with no sitting today keeps the «one first pass a day» rule; a room with sittings today admits only
// the students registered for the sitting open now (from SITTING_OPEN_BEFORE_MIN before its start to its end).
import type { SittingWithCount } from '../schedule/today.js';

export type SittingVerdict =
  /** No room, or nothing scheduled in it today: the day rule. */
  | { kind: 'day' }
  /** Registered for a sitting open now in this room: its pass. */
  | { kind: 'sitting'; sitting: SittingWithCount }
  /** The room has a sitting open now, the student is not registered for it (nor for one open in another room). */
  | { kind: 'not_registered'; current: SittingWithCount; registeredToday: SittingWithCount[] }
  /** Registered for a sitting open now, in another room. */
  | { kind: 'wrong_room'; current: SittingWithCount; right: SittingWithCount }
  /** Sittings in this room today, none open now (not started yet, or over). */
  | { kind: 'no_sitting'; next: SittingWithCount | null };

const instant = (t: Date | string) => new Date(t).getTime();

/** Whether entry to the sitting is open at `now`. */
export function isOpen(s: SittingWithCount, now: Date, openBeforeMs: number): boolean {
  const t = now.getTime();
  return t >= instant(s.starts_at) - openBeforeMs && t <= instant(s.ends_at);
}

/**
 * `roomToday`: the room's sittings today; `studentToday`: the student's (any room). Among overlapping open
 * sittings of the room (the next one's entry opens before the last one ends) the student's own wins.
 */
export function sittingVerdict(roomToday: SittingWithCount[], studentToday: SittingWithCount[], now: Date, openBeforeMs: number): SittingVerdict {
  if (roomToday.length === 0) return { kind: 'day' };
  const open = roomToday.filter((s) => isOpen(s, now, openBeforeMs));
  const mine = new Set(studentToday.map((s) => s.id));
  const own = open.find((s) => mine.has(s.id));
  if (own) return { kind: 'sitting', sitting: own };
  if (open.length === 0) {
    const next = roomToday.find((s) => instant(s.starts_at) - openBeforeMs > now.getTime()) ?? null;
    return { kind: 'no_sitting', next };
  }
  // The one under way before one whose entry has only opened.
  const current = open.find((s) => instant(s.starts_at) <= now.getTime()) ?? open[0]!;
  const elsewhere = studentToday.find((s) => s.room !== current.room && isOpen(s, now, openBeforeMs));
  if (elsewhere) return { kind: 'wrong_room', current, right: elsewhere };
  return { kind: 'not_registered', current, registeredToday: studentToday };
}
