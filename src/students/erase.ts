// Erasure on request or of a finished cohort: a student's row, enrolled photo, descriptors, photos added at the door
// and their frames, look-alike pairs and registrations go (the foreign keys cascade); their passes go too, or stay
// only as anonymous counts (day, sitting, source) — ERASE_PASSES; attempts keep no student. Every instance's index follows.
import type { Db, DbKind } from '../db/index.js';
import { flushDeleted } from '../db/index.js';
import { AppError } from '../errors.js';
import { loadInProgress } from './loader.js';
import type { Roster } from './rebuild.js';
import { bumpIndexGeneration } from './repository.js';

/** Whom an erasure names: one student, a group, or the students a load first stored. */
export type Cohort = { student_id: number } | { group: string } | { load_id: number };

export interface ErasePreview {
  count: number;
  /** Standing passes of these students (kept as counts or deleted, by setting). */
  passes: number;
  /** The first few, so the admin sees whom the number means. */
  students: { id: number; name: string; matricula: string | null; group: string | null }[];
}

export interface EraseResult {
  students: number;
  passes: number;
  passes_kept_as_counts: boolean;
  added_photos: number;
}

const CHUNK = 500;

const whereCohort = (db: Db, c: Cohort) => {
  const q = db.selectFrom('students');
  if ('student_id' in c) return q.where('students.id', '=', c.student_id);
  if ('group' in c) return q.where('students.group', '=', c.group);
  return q.where('students.load_id', '=', c.load_id);
};

async function idsOf(db: Db, c: Cohort): Promise<number[]> {
  return (await whereCohort(db, c).select('students.id').orderBy('students.id').execute()).map((r) => r.id);
}

/** Whom `c` names and how many passes they have: what the confirmation shows. */
export async function previewErase(db: Db, c: Cohort): Promise<ErasePreview> {
  const ids = await idsOf(db, c);
  let passes = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const r = await db
      .selectFrom('passes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('student_id', 'in', ids.slice(i, i + CHUNK))
      .where('cancelled_at', 'is', null)
      .executeTakeFirstOrThrow();
    passes += Number(r.n);
  }
  const first = await whereCohort(db, c)
    .select(['students.id', 'students.lastname', 'students.firstname', 'students.matricula', 'students.identifier', 'students.group'])
    .orderBy('students.search_text')
    .limit(20)
    .execute();
  return {
    count: ids.length,
    passes,
    students: first.map((s) => ({ id: s.id, name: `${s.lastname} ${s.firstname}`.trim(), matricula: s.matricula ?? s.identifier, group: s.group })),
  };
}

export interface EraseOptions {
  db: Db;
  kind: DbKind;
  roster: Roster;
  cohort: Cohort;
  /** The number the admin confirmed: the erasure runs only if it is still the number of students named. */
  confirm: number;
  passes: 'counts' | 'delete';
  now: Date;
  /** Writes the audit row inside the erasure's transaction (audit/log.ts writeAudit): erased and logged, or neither. */
  audit?: (trx: Db, result: EraseResult) => Promise<void>;
}

/**
 * Erases the students `cohort` names, in one transaction, if their number is still `confirm` (a list that changed
 * since the preview is refused, not half-erased). Then the live index drops them and other instances reload.
 */
export async function eraseStudents(o: EraseOptions): Promise<EraseResult> {
  if (loadInProgress()) throw new AppError('conflict', 'Идёт загрузка таблицы студентов: удалите после её окончания');
  const ids = await idsOf(o.db, o.cohort);
  if (ids.length === 0) throw new AppError('not_found', 'Таких студентов нет');
  if (ids.length !== o.confirm)
    throw new AppError('conflict', `Подтвердите число студентов: сейчас их ${ids.length}, подтверждено ${o.confirm} — откройте предпросмотр заново`);
  const result = await o.db.transaction().execute(async (trx) => {
    const out: EraseResult = { students: 0, passes: 0, passes_kept_as_counts: o.passes === 'counts', added_photos: 0 };
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      if (o.passes === 'counts') {
        const groups = await trx
          .selectFrom('passes')
          .select(['pass_date', 'sitting_id', 'source', (eb) => eb.fn.countAll<number>().as('n')])
          .where('student_id', 'in', chunk)
          .where('cancelled_at', 'is', null)
          .groupBy(['pass_date', 'sitting_id', 'source'])
          .execute();
        if (groups.length)
          await trx
            .insertInto('erased_passes')
            .values(groups.map((g) => ({ pass_date: g.pass_date, sitting_id: g.sitting_id, source: g.source, n: Number(g.n), erased_at: o.now.toISOString() })))
            .execute();
      }
      const passes = await trx
        .selectFrom('passes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('student_id', 'in', chunk)
        .where('cancelled_at', 'is', null)
        .executeTakeFirstOrThrow();
      out.passes += Number(passes.n);
      const faces = await trx
        .selectFrom('student_faces')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('student_id', 'in', chunk)
        .executeTakeFirstOrThrow();
      out.added_photos += Number(faces.n);
      // Attempts stay (the door's own record, never an image), without the student.
      await trx.updateTable('attempts').set({ student_id: null }).where('student_id', 'in', chunk).execute();
      await trx.updateTable('attempts').set({ claimed_student_id: null }).where('claimed_student_id', 'in', chunk).execute();
      // The rest cascades: enrolled photo, added photos and frames, passes, look-alike pairs, registrations.
      await trx.deleteFrom('student_faces').where('student_id', 'in', chunk).execute();
      await trx.deleteFrom('student_photos').where('student_id', 'in', chunk).execute();
      await trx.deleteFrom('passes').where('student_id', 'in', chunk).execute();
      out.students += Number((await trx.deleteFrom('students').where('id', 'in', chunk).executeTakeFirst()).numDeletedRows);
    }
    if (o.audit) await o.audit(trx, out);
    return out;
  });
  for (const id of ids) {
    o.roster.index.remove(id);
    o.roster.lookalikes.drop(id);
  }
  await bumpIndexGeneration(o.db);
  await flushDeleted(o.db, o.kind);
  return result;
}
