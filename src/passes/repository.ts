// Passes and attempts SQL: the race-free "first pass of the local day", cancellations, the audit log, report pages.
import type { Db } from '../db/index.js';
import type { NewAttempt, PassRow, StudentRow, StudentSummary } from '../db/schema.js';

export type PassSource = 'camera' | 'web' | 'manual' | 'verified' | 'override';

export type PassInsert = {
  student_id: number;
  timestamp: string;
  pass_date: string;
  source: PassSource;
  station: string | null;
  distance: number | null;
  reason?: string | null;
  /** The exam sitting the pass is for; absent: the day rule. */
  sitting_id?: number | null;
  /** The paired station that made it, and its room then (absent: the shared token, the admin or a script). */
  station_id?: number | null;
  station_room?: string | null;
};

/**
 * Records the student's first pass of the day (no sitting) or of the sitting, or returns the one already
 * there. A unique key over the passes that are not cancelled decides — (student_id, pass_date) outside
 * sittings, (student_id, sitting_id) within one — so two checkpoints at the same moment cannot both win.
 */
export async function recordFirstPass(db: Db, pass: PassInsert): Promise<{ created: boolean; pass: PassRow }> {
  const sittingId = pass.sitting_id ?? null;
  for (let attempt = 0; ; attempt++) {
    const inserted = await db
      .insertInto('passes')
      .values({ ...pass, reason: pass.reason ?? null, sitting_id: sittingId, station_id: pass.station_id ?? null, station_room: pass.station_room ?? null })
      .onConflict((oc) =>
        sittingId === null
          ? oc.columns(['student_id', 'pass_date']).where('cancelled_at', 'is', null).where('sitting_id', 'is', null).doNothing()
          : oc.columns(['student_id', 'sitting_id']).where('cancelled_at', 'is', null).where('sitting_id', 'is not', null).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { created: true, pass: inserted };
    const first = await db
      .selectFrom('passes')
      .selectAll()
      .where('student_id', '=', pass.student_id)
      .where('cancelled_at', 'is', null)
      .$if(sittingId === null, (q) => q.where('pass_date', '=', pass.pass_date).where('sitting_id', 'is', null))
      .$if(sittingId !== null, (q) => q.where('sitting_id', '=', sittingId))
      .executeTakeFirst();
    if (first) return { created: false, pass: first };
    // The standing pass was cancelled between the two statements: try the insert once more.
    if (attempt >= 3) throw new Error('first pass: conflict without a standing pass');
  }
}

/** A pass with the exam and room of its sitting (null under the day rule), as the admin's student card lists it. */
export type PassWithSitting = PassRow & { exam: string | null; room: string | null };

const withSitting = (db: Db) =>
  db.selectFrom('passes').leftJoin('sittings', 'sittings.id', 'passes.sitting_id').selectAll('passes').select(['sittings.exam', 'sittings.room']);

/** Cancels a pass (kept with who/when/why). Undefined: no such pass; `already`: it was cancelled before. */
export async function cancelPass(db: Db, id: number, reason: string, by: string, at: string): Promise<{ pass: PassWithSitting; already: boolean } | undefined> {
  const updated = await db
    .updateTable('passes')
    .set({ cancelled_at: at, cancel_reason: reason, cancelled_by: by })
    .where('id', '=', id)
    .where('cancelled_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  const row = await withSitting(db).where('passes.id', '=', id).executeTakeFirst();
  return row ? { pass: row, already: !updated } : undefined;
}

/** A student's passes, newest first, cancelled ones included (the admin's student card). */
export async function studentPasses(db: Db, studentId: number, limit = 50): Promise<PassWithSitting[]> {
  return withSitting(db).where('passes.student_id', '=', studentId).orderBy('passes.id', 'desc').limit(limit).execute();
}

export async function recordAttempt(db: Db, attempt: NewAttempt): Promise<void> {
  await db.insertInto('attempts').values(attempt).execute();
}

export async function findStudent(
  db: Db,
  id: number,
): Promise<Omit<StudentRow, 'embedding' | 'search_text' | 'embedding_model' | 'face_quality' | 'load_id'> | undefined> {
  return db
    .selectFrom('students')
    .select([
      'id',
      'matricula',
      'lastname',
      'firstname',
      'lotin',
      'short',
      'group',
      'identifier',
      'date_of_birth',
      'passport_number',
      'file_path',
      'face_score',
      'face_width',
      'photo_problem',
      'created_at',
      'updated_at',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function studentPhoto(db: Db, id: number): Promise<{ mime: string; data: Uint8Array } | undefined> {
  return db.selectFrom('student_photos').select(['mime', 'data']).where('student_id', '=', id).executeTakeFirst();
}

export interface ReportFilter {
  from: string;
  to: string;
  group?: string;
}

export interface ReportRow extends StudentSummary {
  pass_id: number;
  timestamp: Date | string;
  pass_date: string;
  source: string;
  station: string | null;
  distance: number | null;
  reason: string | null;
  passport_number: string | null;
  /** The exam sitting of the pass (schedule), null under the day rule. */
  exam: string | null;
  room: string | null;
  /** The room of the paired station that made it, when it had one. */
  station_room: string | null;
}

/**
 * The stored spellings of the filter's group, matched case-insensitively (Russian rules) in JS: SQLite's
 * lower() knows only ASCII. Undefined: no group filter.
 */
async function groupSpellings(db: Db, group: string | undefined): Promise<string[] | undefined> {
  if (!group) return undefined;
  const want = group.trim().toLocaleLowerCase('ru');
  const all = await db.selectFrom('students').select('group').distinct().where('group', 'is not', null).execute();
  return all.map((r) => r.group!).filter((g) => g.trim().toLocaleLowerCase('ru') === want);
}

/** Report rows in pages (keyset on passes.id), so a 50,000-pass report never sits in memory at once. Cancelled passes are left out. */
export async function* reportRows(db: Db, f: ReportFilter, pageSize = 1000): AsyncGenerator<ReportRow> {
  const groups = await groupSpellings(db, f.group);
  if (groups && groups.length === 0) return;
  let after = 0;
  for (;;) {
    let q = db
      .selectFrom('passes')
      .innerJoin('students', 'students.id', 'passes.student_id')
      .leftJoin('sittings', 'sittings.id', 'passes.sitting_id')
      .select([
        'sittings.exam',
        'sittings.room',
        'passes.id as pass_id',
        'passes.timestamp',
        'passes.pass_date',
        'passes.source',
        'passes.station',
        'passes.station_room',
        'passes.distance',
        'passes.reason',
        'students.matricula',
        'students.lastname',
        'students.firstname',
        'students.lotin',
        'students.group',
        'students.identifier',
        'students.passport_number',
      ])
      .where('passes.pass_date', '>=', f.from)
      .where('passes.pass_date', '<=', f.to)
      .where('passes.cancelled_at', 'is', null)
      .where('passes.id', '>', after);
    if (groups) q = q.where('students.group', 'in', groups);
    const rows = await q.orderBy('passes.id').limit(pageSize).execute();
    for (const r of rows) yield r;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.pass_id;
  }
}

export interface AbsentRow extends StudentSummary {
  id: number;
}

/** Students (of the filter's group) without a standing pass in the date range, by group and name, in pages. */
export async function* absentRows(db: Db, f: ReportFilter, pageSize = 1000): AsyncGenerator<AbsentRow> {
  const groups = await groupSpellings(db, f.group);
  if (groups && groups.length === 0) return;
  let after = 0;
  for (;;) {
    let q = db
      .selectFrom('students')
      .select(['students.id', 'students.matricula', 'students.lastname', 'students.firstname', 'students.lotin', 'students.group', 'students.identifier'])
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('passes')
              .select('passes.id')
              .whereRef('passes.student_id', '=', 'students.id')
              .where('passes.pass_date', '>=', f.from)
              .where('passes.pass_date', '<=', f.to)
              .where('passes.cancelled_at', 'is', null),
          ),
        ),
      )
      .where('students.id', '>', after);
    if (groups) q = q.where('students.group', 'in', groups);
    const rows = await q.orderBy('students.id').limit(pageSize).execute();
    for (const r of rows) yield r;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export async function recentPasses(db: Db, passDate: string, station: string | null, limit: number) {
  let q = db
    .selectFrom('passes')
    .innerJoin('students', 'students.id', 'passes.student_id')
    .select([
      'passes.id',
      'passes.timestamp',
      'passes.station',
      'passes.source',
      'students.id as student_id',
      'students.lastname',
      'students.firstname',
      'students.group',
      'students.matricula',
    ])
    .where('passes.pass_date', '=', passDate)
    .where('passes.cancelled_at', 'is', null);
  if (station) q = q.where('passes.station', '=', station);
  return q.orderBy('passes.id', 'desc').limit(limit).execute();
}

/** The student a card names: by Matricula (leading zeros kept, as stored) or by id. */
export async function findClaimedStudent(db: Db, claim: { matricula: string } | { studentId: number }): ReturnType<typeof findStudent> {
  if ('studentId' in claim) return findStudent(db, claim.studentId);
  const row = await db.selectFrom('students').select('id').where('matricula', '=', claim.matricula).executeTakeFirst();
  return row ? findStudent(db, row.id) : undefined;
}

/** Ids of the students registered for a sitting (its roster). */
export async function sittingRoster(db: Db, sittingId: number): Promise<number[]> {
  return (await db.selectFrom('sitting_students').select('student_id').where('sitting_id', '=', sittingId).execute()).map((r) => r.student_id);
}

/** The local dates within [from, to] that have sittings (a pass outside any sitting on such a day came from a station without a room). */
export async function sittingDates(db: Db, from: string, to: string): Promise<Set<string>> {
  const rows = await db.selectFrom('sittings').select('sitting_date').distinct().where('sitting_date', '>=', from).where('sitting_date', '<=', to).execute();
  return new Set(rows.map((r) => r.sitting_date));
}
