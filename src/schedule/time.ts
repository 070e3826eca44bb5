// The schedule's wall-clock times (the exam centre's TIMEZONE) as UTC instants, with Intl only: daylight
// saving is the zone's own rule, looked up for the very day.
import { localDate, localTime } from '../time.js';

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HH_MM = /^(\d{2}):(\d{2})$/;

/** The wall clock of an instant in `timeZone`, read as if it were UTC (ms). */
function wallClockMs(t: number, timeZone: string): number {
  const d = new Date(t);
  return Date.parse(`${localDate(d, timeZone)}T${localTime(d, timeZone)}Z`);
}

/** How far `timeZone` is ahead of UTC at the instant `t` (ms). */
function offsetMs(t: number, timeZone: string): number {
  return wallClockMs(t, timeZone) - Math.floor(t / 1000) * 1000;
}

/** A valid `YYYY-MM-DD` calendar date (no 2026-02-30). */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/**
 * The instant at which the clocks of `timeZone` show `date` (`YYYY-MM-DD`) `time` (`HH:MM`).
 * Daylight saving as the zone had it on that day. A time that occurs twice (clocks turned back) is its
 * first occurrence; a time that does not exist (clocks turned forward) is read with the offset before the
 * change, i.e. as many minutes after the jump as it lies after the old hour (02:30 → 03:30), like
 * Temporal's «compatible» rule.
 */
export function localInstant(date: string, time: string, timeZone: string): Date {
  const d = ISO_DATE.exec(date);
  const t = HH_MM.exec(time);
  if (!d || !t || !isIsoDate(date) || Number(t[1]) > 23 || Number(t[2]) > 59) throw new RangeError(`not a local date and time: ${date} ${time}`);
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  // A zone changes its offset at most once within a day or so: the offsets a day before and a day after cover it.
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  const candidates = [...new Set([wall - before, wall - after])].filter((c) => wallClockMs(c, timeZone) === wall).sort((a, b) => a - b);
  return new Date(candidates[0] ?? wall - before);
}

/** `HH:MM` from minutes after midnight. */
export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
