// Students SQL: embeddings for the index, lookups by id.
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { IndexEntry } from '../face/index.js';
import type { StudentFields, StudentSummary } from '../db/schema.js';
import { searchText } from '../db/migrations/0002_student_search.js';

/** Every enrolled embedding, streamed in id order (100k rows = 51 MB: fetched in pages, not at once). */
export async function* allEmbeddings(db: Db, pageSize = 20_000): AsyncGenerator<IndexEntry> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('students')
      .select(['id', 'embedding'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const r of rows) yield { id: r.id, embedding: r.embedding };
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export async function countStudents(db: Db): Promise<number> {
  const r = await db.selectFrom('students').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Ids of every enrolled student by Matricula and by Идентификатор (to skip existing rows before any face work). */
export async function existingKeys(db: Db): Promise<{ byMatricula: Map<string, number>; byIdentifier: Map<string, number> }> {
  const byMatricula = new Map<string, number>();
  const byIdentifier = new Map<string, number>();
  const rows = await db.selectFrom('students').select(['id', 'matricula', 'identifier']).execute();
  for (const r of rows) {
    if (r.matricula) byMatricula.set(r.matricula, r.id);
    if (r.identifier) byIdentifier.set(r.identifier, r.id);
  }
  return { byMatricula, byIdentifier };
}

export type StudentData = StudentFields & {
  embedding: Uint8Array;
  face_score: number;
  face_width: number;
};

/** Inserts (id undefined) or overwrites a student, with the enrolled photo, in the caller's transaction. */
export async function saveStudent(trx: Db, id: number | undefined, data: StudentData, photo: Uint8Array | undefined, now: string): Promise<number> {
  let studentId: number;
  const search_text = searchText(data);
  if (id === undefined) {
    const r = await trx.insertInto('students').values({ ...data, search_text, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    studentId = r.id;
  } else {
    await trx.updateTable('students').set({ ...data, search_text, updated_at: now }).where('id', '=', id).execute();
    studentId = id;
  }
  if (photo) {
    await trx.deleteFrom('student_photos').where('student_id', '=', studentId).execute();
    await trx.insertInto('student_photos').values({ student_id: studentId, mime: 'image/jpeg', data: photo }).execute();
  }
  return studentId;
}

export async function studentLabel(db: Db, id: number): Promise<string> {
  const r = await db.selectFrom('students').select(['matricula', 'identifier', 'lastname', 'firstname']).where('id', '=', id).executeTakeFirst();
  return r ? `${r.lastname} ${r.firstname} (${r.matricula ?? r.identifier})` : `#${id}`;
}

/** One value of the `meta` table (shared by every instance on the database). */
async function setMeta(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

async function getMeta(db: Db, key: string): Promise<string | undefined> {
  const r = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return r?.value;
}

/**
 * The face index generation: every change of enrolled faces bumps it, so every app instance sharing
 * the database can tell that its in-memory index is stale.
 */
export async function bumpIndexGeneration(db: Db): Promise<void> {
  await setMeta(db, 'index_generation', `${Date.now()}-${Math.random().toString(36).slice(2, 10)}`);
}

export async function indexGeneration(db: Db): Promise<string | undefined> {
  return getMeta(db, 'index_generation');
}

/** When the last load finished (ISO, UTC), whichever instance or CLI ran it. */
export async function recordLoadFinished(db: Db, at: Date): Promise<void> {
  await setMeta(db, 'last_load_at', at.toISOString());
}

export async function lastLoadFinished(db: Db): Promise<Date | undefined> {
  const v = await getMeta(db, 'last_load_at');
  return v ? new Date(v) : undefined;
}

export interface StudentListItem extends StudentSummary {
  id: number;
  passed_at: Date | string | null;
}

/** Students whose name, group or ids contain `query` (any case), with today's first pass if any. */
export async function searchStudents(db: Db, query: string, passDate: string, limit: number, offset: number): Promise<{ total: number; students: StudentListItem[] }> {
  const needle = `%${query.toLocaleLowerCase('ru').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const base = db.selectFrom('students').$if(query !== '', (q) => q.where(sql<boolean>`search_text like ${needle} escape '\\'`));
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const students = await base
    .leftJoin('passes', (j) => j.onRef('passes.student_id', '=', 'students.id').on('passes.pass_date', '=', passDate))
    .select(['students.id', 'students.matricula', 'students.lastname', 'students.firstname', 'students.lotin', 'students.group', 'students.identifier', 'passes.timestamp as passed_at'])
    .orderBy('students.lastname')
    .orderBy('students.firstname')
    .orderBy('students.id')
    .limit(limit)
    .offset(offset)
    .execute();
  return { total: Number(total.n), students };
}
