// What a schedule import will write, decided from the stored schedule: the sittings stored on the file's rooms
// and days, the overlap check against them, and per row new / changed (with its registrations' difference) / unchanged.
import type { Db } from '../db/index.js';
import type { ScheduleRowReport } from './load-summary.js';
import { resolveOverlaps, type Blocker, type Slot } from './overlaps.js';
import type { ScheduleRow } from './sheet.js';
import { registrationsOf, sittingsOf, type SittingValues, type StoredSitting } from './store.js';
import { breathe } from './turns.js';

/** A row ready to be written: its instants, room-and-start key, students and the warnings it loads with. */
export interface Candidate extends Slot {
  row: ScheduleRow;
  students: Set<number>;
  warnings: ScheduleRowReport[];
}

/** A stored sitting the file changes: its new values and who joins and leaves its list. */
export interface SittingUpdate {
  id: number;
  values: SittingValues;
  gone: number[];
  joined: number[];
}

export interface Plan {
  /** In file order. */
  accepted: Candidate[];
  refused: Map<Candidate, Blocker<Candidate, StoredSitting>>;
  fresh: Candidate[];
  updates: SittingUpdate[];
  unchanged: number;
  /** Registrations (student × sitting) of the accepted rows. */
  registrations: number;
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export const valuesOf = (c: Candidate): SittingValues => ({
  exam: c.row.exam,
  room: c.row.room,
  sitting_date: c.row.date,
  start_time: c.row.start,
  end_time: c.row.end,
  starts_at: new Date(c.starts).toISOString(),
  ends_at: new Date(c.ends).toISOString(),
});

/** The same sitting as stored: exam, local fields, end and the very same students. */
function sameAsStored(stored: StoredSitting, v: SittingValues, c: Candidate, had: ReadonlySet<number>): boolean {
  return (
    stored.exam === v.exam &&
    stored.sitting_date === v.sitting_date &&
    stored.start_time === v.start_time &&
    stored.end_time === v.end_time &&
    stored.ends === c.ends &&
    had.size === c.students.size &&
    [...had].every((id) => c.students.has(id))
  );
}

/** Reads the stored schedule around the rows (in chunks) and decides each row. */
export async function planSittings(db: Db, candidates: Candidate[]): Promise<Plan> {
  // A sitting is shorter than a day: one that overlaps a row is stored on the row's date or a day either side.
  const days = new Set(candidates.map((c) => c.row.date));
  const dates = new Set([...days].flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]));
  const stored = candidates.length > 0 ? await sittingsOf(db, [...new Set(candidates.map((c) => c.room))], [...dates].sort()) : [];
  const { accepted, refused } = resolveOverlaps(candidates, stored);
  const storedByKey = new Map(stored.map((s) => [s.key, s]));
  const before = await registrationsOf(
    db,
    accepted.flatMap((c) => storedByKey.get(c.key)?.id ?? []),
  );
  const plan: Plan = { accepted, refused, fresh: [], updates: [], unchanged: 0, registrations: 0 };
  for (const c of accepted) {
    plan.registrations += c.students.size;
    const s = storedByKey.get(c.key);
    if (!s) plan.fresh.push(c);
    else {
      const had = before.get(s.id) ?? new Set<number>();
      const values = valuesOf(c);
      if (sameAsStored(s, values, c, had)) plan.unchanged++;
      else
        plan.updates.push({
          id: s.id,
          values,
          gone: [...had].filter((id) => !c.students.has(id)),
          joined: [...c.students].filter((id) => !had.has(id)),
        });
    }
    await breathe();
  }
  return plan;
}
