// The SQL of the schedule import and of the per-sitting reports (sittings, registrations, passes and
// refused attempts of a sitting). Timestamps: ISO text on SQLite, timestamptz (Date) on PostgreSQL.
import { CompiledQuery } from 'kysely';
import type { Db, DbKind } from '../db/index.js';
import { breathe } from './turns.js';
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

/** A room and start as one map key (how a re-run finds its sitting again). */
export const slotKey = (room: string, starts: number): string => `${room}\u0000${starts}`;

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
  key: string;
}

/**
 * The stored sittings of `rooms` on `dates` (a load passes its own dates and the days either side: a sitting
 * is shorter than a day, so nothing further can overlap). Chunked both ways: any number of rooms and dates.
 */
export async function sittingsOf(db: Db, rooms: string[], dates: string[]): Promise<StoredSitting[]> {
  const out: StoredSitting[] = [];
  for (const ds of chunks(dates))
    for (const rs of chunks(rooms)) {
      const rows = await db
        .selectFrom('sittings')
        .select(['id', 'exam', 'room', 'sitting_date', 'start_time', 'end_time', 'starts_at', 'ends_at'])
        .where('sitting_date', 'in', ds)
        .where('room', 'in', rs)
        .execute();
      for (const { starts_at, ends_at, ...r } of rows) out.push({ ...r, starts: ms(starts_at), ends: ms(ends_at), key: slotKey(r.room, ms(starts_at)) });
      await breathe();
    }
  return out.sort((a, b) => a.id - b.id);
}

const GENERATION_KEY = 'schedule_generation';

/** The schedule's generation (table `meta`): a new one with every import that writes; undefined before the first. */
export async function scheduleGeneration(db: Db): Promise<string | undefined> {
  const r = await db.selectFrom('meta').select('value').where('key', '=', GENERATION_KEY).executeTakeFirst();
  return r?.value;
}

export async function setScheduleGeneration(db: Db, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key: GENERATION_KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Every distinct group name of the roster (hundreds, not students): the loader matches them case and spacing aside. */
export async function groupNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('students').select('group').distinct().where('group', 'is not', null).execute();
  return rows.flatMap((r) => (r.group === null ? [] : [r.group]));
}

/** The students of the groups named exactly so, in chunks. */
export async function studentsOfGroups(db: Db, groups: string[]): Promise<{ id: number; group: string }[]> {
  const out: { id: number; group: string }[] = [];
  for (const gs of chunks(groups)) {
    const rows = await db.selectFrom('students').select(['id', 'group']).where('group', 'in', gs).execute();
    for (const r of rows) if (r.group !== null) out.push({ id: r.id, group: r.group });
    await breathe();
  }
  return out;
}

/** The students with these Matricula (a unique column), in chunks. */
export async function studentsByMatricula(db: Db, matriculas: string[]): Promise<{ id: number; matricula: string }[]> {
  const out: { id: number; matricula: string }[] = [];
  for (const part of chunks(matriculas)) {
    const rows = await db.selectFrom('students').select(['id', 'matricula']).where('matricula', 'in', part).execute();
    for (const r of rows) if (r.matricula !== null) out.push({ id: r.id, matricula: r.matricula });
    await breathe();
  }
  return out;
}

/** Who is registered for each of the sittings. */
export async function registrationsOf(db: Db, sittingIds: number[]): Promise<Map<number, Set<number>>> {
  const out = new Map<number, Set<number>>(sittingIds.map((id) => [id, new Set<number>()]));
  for (const ids of chunks(sittingIds)) {
    const rows = await db.selectFrom('sitting_students').select(['sitting_id', 'student_id']).where('sitting_id', 'in', ids).execute();
    for (const r of rows) out.get(r.sitting_id)?.add(r.student_id);
    await breathe();
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

/**
 * A multi-row INSERT as plain SQL with bound values. At 60,000 registrations the query builder's node per value
 * cost more than SQLite's own work (and on SQLite the whole import waits for the one connection meanwhile).
 * Table and column names are this file's constants, never input.
 */
function insertQuery(kind: DbKind, table: string, columns: readonly string[], rows: readonly unknown[][], returning = ''): CompiledQuery {
  let n = 0;
  const mark = kind === 'postgres' ? () => `$${++n}` : () => '?';
  const tuples = rows.map((r) => `(${r.map(mark).join(', ')})`).join(', ');
  const names = columns.map((c) => `"${c}"`).join(', ');
  return CompiledQuery.raw(`insert into "${table}" (${names}) values ${tuples}${returning ? ` returning ${returning}` : ''}`, rows.flat());
}

const SITTING_COLUMNS = ['exam', 'room', 'sitting_date', 'start_time', 'end_time', 'starts_at', 'ends_at', 'created_at', 'updated_at'] as const;

/** New sittings, a thousand per statement → their ids by room and start (RETURNING promises no order). */
export async function insertSittings(db: Db, kind: DbKind, sittings: SittingValues[], now: string): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  // 9 values a row: 9,000 a statement stays below SQLite's (32,766) and PostgreSQL's (65,535) bound-value limits.
  for (const part of chunks(sittings, 1000)) {
    const rows = part.map((s) => SITTING_COLUMNS.map((c) => (c === 'created_at' || c === 'updated_at' ? now : s[c])));
    const { rows: made } = await db.executeQuery<{ id: number; room: string; starts_at: Instant }>(
      insertQuery(kind, 'sittings', SITTING_COLUMNS, rows, 'id, room, starts_at'),
    );
    for (const r of made) ids.set(slotKey(r.room, ms(r.starts_at)), r.id);
    await breathe();
  }
  return ids;
}

/** A sitting found again by its room and start: the exam, its end and local fields are the file's now. */
export async function updateSitting(db: Db, id: number, s: SittingValues, now: string): Promise<void> {
  await db
    .updateTable('sittings')
    .set({ exam: s.exam, sitting_date: s.sitting_date, start_time: s.start_time, end_time: s.end_time, ends_at: s.ends_at, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Registrations (sitting × student) in statements of 5,000 rows. */
export async function addRegistrations(db: Db, kind: DbKind, pairs: { sitting_id: number; student_id: number }[]): Promise<void> {
  for (const part of chunks(pairs, 5000)) {
    await db.executeQuery(
      insertQuery(
        kind,
        'sitting_students',
        ['sitting_id', 'student_id'],
        part.map((p) => [p.sitting_id, p.student_id]),
      ),
    );
    await breathe();
  }
}

/** Takes students off a sitting's list (passes are not touched). */
export async function removeRegistrations(db: Db, sittingId: number, studentIds: number[]): Promise<void> {
  for (const ids of chunks(studentIds)) await db.deleteFrom('sitting_students').where('sitting_id', '=', sittingId).where('student_id', 'in', ids).execute();
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
