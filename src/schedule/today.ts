// What the check-in needs to know of the schedule: a room's sittings on a day, a student's sittings and
// registrations. (Loading the schedule and its reports: store.ts, loader.ts, report.ts.)
import type { Db } from '../db/index.js';
import type { SittingRow } from '../db/schema.js';

/** A sitting with the number of students registered for it. */
export type SittingWithCount = SittingRow & { registered: number };

const withCount = (db: Db) =>
  db
    .selectFrom('sittings')
    .selectAll('sittings')
    .select((eb) =>
      eb
        .selectFrom('sitting_students')
        .whereRef('sitting_students.sitting_id', '=', 'sittings.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('registered'),
    );

function normalise(r: SittingRow & { registered: number | string | null }): SittingWithCount {
  return { ...r, registered: Number(r.registered ?? 0) };
}

/** Every sitting of a local date (all rooms), by room and start. */
export async function sittingsOn(db: Db, date: string): Promise<SittingWithCount[]> {
  const rows = await withCount(db).where('sitting_date', '=', date).orderBy('room').orderBy('starts_at').execute();
  return rows.map(normalise);
}

/** The rooms that have a sitting on `date` or later (a station may be set up the day before). */
export async function scheduledRooms(db: Db, fromDate: string): Promise<string[]> {
  const rows = await db.selectFrom('sittings').select('room').distinct().where('sitting_date', '>=', fromDate).orderBy('room').execute();
  return rows.map((r) => r.room);
}

/** A room's sittings on a local date, by start. */
export async function roomSittingsOn(db: Db, room: string, date: string): Promise<SittingWithCount[]> {
  const rows = await withCount(db).where('room', '=', room).where('sitting_date', '=', date).orderBy('starts_at').execute();
  return rows.map(normalise);
}

/** The sittings of a local date that the student is registered for, by start. */
export async function studentSittingsOn(db: Db, studentId: number, date: string): Promise<SittingWithCount[]> {
  const rows = await withCount(db)
    .where('sitting_date', '=', date)
    .where('id', 'in', (eb) => eb.selectFrom('sitting_students').select('sitting_id').where('student_id', '=', studentId))
    .orderBy('starts_at')
    .execute();
  return rows.map(normalise);
}
