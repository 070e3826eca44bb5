// The SQL of the schedule import and of the per-sitting reports (sittings, registrations, passes and
// refused attempts of a sitting). Timestamps: ISO text on SQLite, timestamptz (Date) on PostgreSQL.
import type { Db } from '../db/index.js';
/** A timestamp as read: Date on PostgreSQL, ISO text on SQLite. */
export type Instant = Date | string;

/** Refusals the station records for a student who is not on the sitting's list (or is in another room's). */
export const UNREGISTERED_STATUSES = ['not_registered', 'wrong_room'] as const;

const CHUNK = 400;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const ms = (t: Instant): number => new Date(t).getTime();

export interface StoredSitting {
  id: number;
  exam: string;
  room: string;
  sitting_date: string;
  start_time: string;
  end_time: string;
  /** UTC instants, ms. */
  starts: number;
  ends: number;
}

/** Sittings whose local date is within [from, to] (a load looks a day around its own dates for overlaps). */
export async function sittingsBetween(db: Db, from: string, to: string): Promise<StoredSitting[]> {
  const rows = await db
    .selectFrom('sittings')
    .select(['id', 'exam', 'room', 'sitting_date', 'start_time', 'end_time', 'starts_at', 'ends_at'])
    .where('sitting_date', '>=', from)
    .where('sitting_date', '<=', to)
    .orderBy('id')
    .execute();
  return rows.map(({ starts_at, ends_at, ...r }) => ({ ...r, starts: ms(starts_at), ends: ms(ends_at) }));
}

/** Every student's group and Matricula (a roster of 100,000 is a few MB): the loader matches them in memory. */
export async function studentDirectory(db: Db): Promise<{ id: number; group: string | null; matricula: string | null }[]> {
  return db.selectFrom('students').select(['id', 'group', 'matricula']).execute();
}

/** Who is registered for each of the sittings. */
export async function registrationsOf(db: Db, sittingIds: number[]): Promise<Map<number, Set<number>>> {
  const out = new Map<number, Set<number>>(sittingIds.map((id) => [id, new Set<number>()]));
  for (const ids of chunks(sittingIds)) {
    const rows = await db.selectFrom('sitting_students').select(['sitting_id', 'student_id']).where('sitting_id', 'in', ids).execute();
    for (const r of rows) out.get(r.sitting_id)?.add(r.student_id);
  }
  return out;
}

export interface SittingValues {
  exam: string;
  room: string;
  sitting_date: string;
  start_time: string;
  end_time: string;
  /** ISO-8601 UTC. */
  starts_at: string;
  ends_at: string;
}

export async function insertSitting(db: Db, s: SittingValues, now: string): Promise<number> {
  const r = await db
    .insertInto('sittings')
    .values({ ...s, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** A sitting found again by its room and start: the exam, its end and local fields are the file's now. */
export async function updateSitting(db: Db, id: number, s: SittingValues, now: string): Promise<void> {
  await db
    .updateTable('sittings')
    .set({ exam: s.exam, sitting_date: s.sitting_date, start_time: s.start_time, end_time: s.end_time, ends_at: s.ends_at, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Makes the sitting's list exactly `wanted` (only the difference is written; passes are not touched). */
export async function replaceRegistrations(db: Db, sittingId: number, before: ReadonlySet<number>, wanted: ReadonlySet<number>): Promise<void> {
  const gone = [...before].filter((id) => !wanted.has(id));
  const added = [...wanted].filter((id) => !before.has(id));
  for (const ids of chunks(gone)) await db.deleteFrom('sitting_students').where('sitting_id', '=', sittingId).where('student_id', 'in', ids).execute();
  for (const ids of chunks(added))
    await db
      .insertInto('sitting_students')
      .values(ids.map((student_id) => ({ sitting_id: sittingId, student_id })))
      .execute();
}

export interface SittingRow {
  id: number;
  exam: string;
  room: string;
  sitting_date: string;
  start_time: string;
  end_time: string;
  starts_at: Instant;
  ends_at: Instant;
}

export async function findSitting(db: Db, id: number): Promise<SittingRow | undefined> {
  return db
    .selectFrom('sittings')
    .select(['id', 'exam', 'room', 'sitting_date', 'start_time', 'end_time', 'starts_at', 'ends_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface SittingCounts extends SittingRow {
  /** Students on the sitting's list. */
  registered: number;
  /** Students with a standing (not cancelled) pass for the sitting. */
  came: number;
  /** Registered students without a standing pass. */
  absent: number;
  /** Distinct students refused at the sitting's room as not registered for it (not_registered, wrong_room). */
  unregistered: number;
}

/** The sittings of a local date with their counts, by start and room. */
export async function sittingsOfDate(db: Db, date: string): Promise<SittingCounts[]> {
  const rows = await db
    .selectFrom('sittings as s')
    .select(['s.id', 's.exam', 's.room', 's.sitting_date', 's.start_time', 's.end_time', 's.starts_at', 's.ends_at'])
    .select((eb) => [
      eb.selectFrom('sitting_students as r').whereRef('r.sitting_id', '=', 's.id').select(eb.fn.countAll<number>().as('n')).as('registered'),
      eb
        .selectFrom('passes as p')
        .whereRef('p.sitting_id', '=', 's.id')
        .where('p.cancelled_at', 'is', null)
        .select((e) => e.fn.count<number>('p.student_id').distinct().as('n'))
        .as('came'),
      eb
        .selectFrom('sitting_students as r')
        .whereRef('r.sitting_id', '=', 's.id')
        .where((e) =>
          e.not(
            e.exists(
              e
                .selectFrom('passes as p')
                .select('p.id')
                .whereRef('p.sitting_id', '=', 'r.sitting_id')
                .whereRef('p.student_id', '=', 'r.student_id')
                .where('p.cancelled_at', 'is', null),
            ),
          ),
        )
        .select(eb.fn.countAll<number>().as('n'))
        .as('absent'),
      eb
        .selectFrom('attempts as a')
        .whereRef('a.sitting_id', '=', 's.id')
        .where('a.status', 'in', [...UNREGISTERED_STATUSES])
        .where('a.student_id', 'is not', null)
        .select((e) => e.fn.count<number>('a.student_id').distinct().as('n'))
        .as('unregistered'),
    ])
    .where('s.sitting_date', '=', date)
    .orderBy('s.starts_at')
    .orderBy('s.room')
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    ...r,
    registered: Number(r.registered ?? 0),
    came: Number(r.came ?? 0),
    absent: Number(r.absent ?? 0),
    unregistered: Number(r.unregistered ?? 0),
  }));
}

export interface ReportStudent {
  student_id: number;
  lastname: string;
  firstname: string;
  group: string | null;
  matricula: string | null;
}

/** Standing passes made for the sitting, by time. */
export async function sittingCame(db: Db, sittingId: number): Promise<(ReportStudent & { timestamp: Instant; source: string; station: string | null })[]> {
  return db
    .selectFrom('passes as p')
    .innerJoin('students as st', 'st.id', 'p.student_id')
    .select(['st.id as student_id', 'st.lastname', 'st.firstname', 'st.group', 'st.matricula', 'p.timestamp', 'p.source', 'p.station'])
    .where('p.sitting_id', '=', sittingId)
    .where('p.cancelled_at', 'is', null)
    .orderBy('p.timestamp')
    .orderBy('p.id')
    .execute();
}

/** Registered students without a standing pass for the sitting. */
export async function sittingAbsent(db: Db, sittingId: number): Promise<ReportStudent[]> {
  return db
    .selectFrom('sitting_students as r')
    .innerJoin('students as st', 'st.id', 'r.student_id')
    .select(['st.id as student_id', 'st.lastname', 'st.firstname', 'st.group', 'st.matricula'])
    .where('r.sitting_id', '=', sittingId)
    .where((e) =>
      e.not(
        e.exists(
          e
            .selectFrom('passes as p')
            .select('p.id')
            .whereRef('p.student_id', '=', 'r.student_id')
            .where('p.sitting_id', '=', sittingId)
            .where('p.cancelled_at', 'is', null),
        ),
      ),
    )
    .execute();
}

/** The refused attempts (not registered / wrong room) of named students at the sitting, oldest first. */
export async function sittingRefusals(db: Db, sittingId: number): Promise<(ReportStudent & { timestamp: Instant; status: string })[]> {
  return db
    .selectFrom('attempts as a')
    .innerJoin('students as st', 'st.id', 'a.student_id')
    .select(['st.id as student_id', 'st.lastname', 'st.firstname', 'st.group', 'st.matricula', 'a.timestamp', 'a.status'])
    .where('a.sitting_id', '=', sittingId)
    .where('a.status', 'in', [...UNREGISTERED_STATUSES])
    .orderBy('a.timestamp')
    .orderBy('a.id')
    .execute();
}
