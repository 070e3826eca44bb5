// Passes and attempts SQL: the race-free "first pass of the local day", the audit log, report pages.
import type { Db } from '../db/index.js';
import type { NewAttempt, PassRow, StudentRow, StudentSummary } from '../db/schema.js';

export type PassInsert = { student_id: number; timestamp: string; pass_date: string; source: string; station: string | null; distance: number };

/**
 * Records the first pass of the day, or returns the one already there. The unique key
 * (student_id, pass_date) decides; two checkpoints at the same moment cannot both win.
 */
export async function recordFirstPass(db: Db, pass: PassInsert): Promise<{ created: boolean; pass: PassRow }> {
  const inserted = await db
    .insertInto('passes')
    .values(pass)
    .onConflict((oc) => oc.columns(['student_id', 'pass_date']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { created: true, pass: inserted };
  const first = await db
    .selectFrom('passes')
    .selectAll()
    .where('student_id', '=', pass.student_id)
    .where('pass_date', '=', pass.pass_date)
    .executeTakeFirstOrThrow();
  return { created: false, pass: first };
}

export async function recordAttempt(db: Db, attempt: NewAttempt): Promise<void> {
  await db.insertInto('attempts').values(attempt).execute();
}

export async function findStudent(db: Db, id: number): Promise<Omit<StudentRow, 'embedding' | 'search_text' | 'embedding_model' | 'face_quality'> | undefined> {
  return db
    .selectFrom('students')
    .select(['id', 'matricula', 'lastname', 'firstname', 'lotin', 'short', 'group', 'identifier', 'date_of_birth', 'passport_number', 'file_path', 'face_score', 'face_width', 'created_at', 'updated_at'])
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
  passport_number: string | null;
}

/** Report rows in pages (keyset on passes.id), so a 50,000-pass report never sits in memory at once. */
export async function* reportRows(db: Db, f: ReportFilter, pageSize = 1000): AsyncGenerator<ReportRow> {
  let after = 0;
  for (;;) {
    let q = db
      .selectFrom('passes')
      .innerJoin('students', 'students.id', 'passes.student_id')
      .select([
        'passes.id as pass_id', 'passes.timestamp', 'passes.pass_date', 'passes.source', 'passes.station', 'passes.distance',
        'students.matricula', 'students.lastname', 'students.firstname', 'students.lotin', 'students.group', 'students.identifier', 'students.passport_number',
      ])
      .where('passes.pass_date', '>=', f.from)
      .where('passes.pass_date', '<=', f.to)
      .where('passes.id', '>', after);
    if (f.group) q = q.where('students.group', '=', f.group);
    const rows = await q.orderBy('passes.id').limit(pageSize).execute();
    for (const r of rows) yield r;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.pass_id;
  }
}

export async function recentPasses(db: Db, passDate: string, station: string | null, limit: number) {
  let q = db
    .selectFrom('passes')
    .innerJoin('students', 'students.id', 'passes.student_id')
    .select(['passes.id', 'passes.timestamp', 'passes.station', 'passes.source', 'students.id as student_id', 'students.lastname', 'students.firstname', 'students.group', 'students.matricula'])
    .where('passes.pass_date', '=', passDate);
  if (station) q = q.where('passes.station', '=', station);
  return q.orderBy('passes.id', 'desc').limit(limit).execute();
}
