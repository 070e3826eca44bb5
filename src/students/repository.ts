// Students SQL: embeddings for the index, lookups by id.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../db/index.js';
import type { IndexEntry } from '../face/index.js';
import type { LookalikePair } from '../face/lookalikes.js';
import type { StudentFields, StudentSummary } from '../db/schema.js';
import { foldForSearch, searchText } from '../db/search-text.js';
import type { StudentMatch } from './station-search.js';

/** Every embedding made by `model` (students' primary faces, then added photos), streamed in id order (100k rows = 51 MB: fetched in pages, not at once). */
export async function* allEmbeddings(db: Db, model: string, pageSize = 20_000): AsyncGenerator<IndexEntry> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('students')
      .select(['id', 'embedding'])
      .where('embedding_model', '=', model)
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const r of rows) yield { id: r.id, embedding: r.embedding };
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1]!.id;
  }
  // Photos added from verified admissions (their student's other faces).
  after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('student_faces')
      .select(['id', 'student_id', 'embedding'])
      .where('embedding_model', '=', model)
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const r of rows) yield { id: r.student_id, faceId: r.id, embedding: r.embedding };
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** The `embedding_model` of a student stored without a face (an empty embedding: never in the index, never re-described). */
export const NO_FACE_MODEL = 'none';

/** The face fields of a student whose photo was missing or unusable: `problem` says why (Russian, for the office). */
export function noFace(problem: string): FaceUpdate {
  return { embedding: new Uint8Array(0), embedding_model: NO_FACE_MODEL, face_score: 0, face_width: 0, face_quality: null, photo_problem: problem };
}

/** Students with a face of `model` (none given: with a face of any model). */
export async function countStudents(db: Db, model?: string): Promise<number> {
  const r = await db
    .selectFrom('students')
    .$if(model !== undefined, (q) => q.where('embedding_model', '=', model!))
    .$if(model === undefined, (q) => q.where('embedding_model', '<>', NO_FACE_MODEL))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Students whose embedding another model made (to re-describe from their stored photo), in id order. */
export async function staleStudents(db: Db, model: string, afterId: number, limit: number): Promise<{ id: number; photo: Uint8Array | null }[]> {
  const rows = await db
    .selectFrom('students')
    .leftJoin('student_photos', 'student_photos.student_id', 'students.id')
    // Rows loaded before the photo itself was kept have only the 360 px thumbnail.
    .select((eb) => ['students.id as id', eb.fn.coalesce('student_photos.source', 'student_photos.data').as('photo')])
    .where('students.embedding_model', '<>', model)
    .where('students.embedding_model', '<>', NO_FACE_MODEL)
    .where('students.id', '>', afterId)
    .orderBy('students.id')
    .limit(limit)
    .execute();
  return rows;
}

export interface FaceUpdate {
  embedding: Uint8Array;
  embedding_model: string;
  face_score: number;
  face_width: number;
  face_quality: string | null;
  /** Null with a face; why there is none otherwise (see noFace). */
  photo_problem: string | null;
}

/** Replaces a student's embedding while it is still another model's (a load or another instance may have been first). */
export async function replaceEmbedding(db: Db, id: number, model: string, face: FaceUpdate): Promise<boolean> {
  const r = await db.updateTable('students').set(face).where('id', '=', id).where('embedding_model', '<>', model).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Ids of every enrolled student by Matricula and by Идентификатор (to skip existing rows before any face work), and
 * which of them have no face yet (a re-run tries their photo again).
 */
export async function existingKeys(db: Db): Promise<{ byMatricula: Map<string, number>; byIdentifier: Map<string, number>; withoutFace: Set<number> }> {
  const byMatricula = new Map<string, number>();
  const byIdentifier = new Map<string, number>();
  const withoutFace = new Set<number>();
  const rows = await db.selectFrom('students').select(['id', 'matricula', 'identifier', 'embedding_model']).execute();
  for (const r of rows) {
    if (r.matricula) byMatricula.set(r.matricula, r.id);
    if (r.identifier) byIdentifier.set(r.identifier, r.id);
    if (r.embedding_model === NO_FACE_MODEL) withoutFace.add(r.id);
  }
  return { byMatricula, byIdentifier, withoutFace };
}

/** A student's sheet fields with a face (or noFace); without the face fields an existing student keeps the face it has. */
export type StudentData = StudentFields & (FaceUpdate | { embedding?: undefined }) & { load_id?: number | null };

/** A load starts: its record (the id new students carry); `finishLoad` writes its counts. */
export async function startLoad(db: Db, file: string, at: Date): Promise<number> {
  const r = await db
    .insertInto('loads')
    .values({ file: file.slice(0, 500), started_at: at.toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Every load, newest first, with how many of the students it first stored are still in the base. */
export async function loadsWithCounts(
  db: Db,
): Promise<{ id: number; file: string; started_at: string; finished_at: string | null; added: number | null; updated: number | null; students: number }[]> {
  const rows = await db
    .selectFrom('loads')
    .select((eb) => [
      'loads.id',
      'loads.file',
      'loads.started_at',
      'loads.finished_at',
      'loads.added',
      'loads.updated',
      eb
        .selectFrom('students')
        .whereRef('students.load_id', '=', 'loads.id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .as('students'),
    ])
    .orderBy('loads.id', 'desc')
    .limit(200)
    .execute();
  const iso = (t: Date | string | null) => (t === null ? null : new Date(t).toISOString());
  return rows.map((r) => ({ ...r, started_at: iso(r.started_at)!, finished_at: iso(r.finished_at), students: Number(r.students ?? 0) }));
}

export async function finishLoad(db: Db, id: number, at: Date, added: number, updated: number): Promise<void> {
  await db.updateTable('loads').set({ finished_at: at.toISOString(), added, updated }).where('id', '=', id).execute();
}

/** Inserts (id undefined) or overwrites a student, with the enrolled photo, in the caller's transaction. */
export async function saveStudent(
  trx: Db,
  id: number | undefined,
  data: StudentData,
  photo: { thumbnail: Uint8Array; source: Uint8Array } | undefined,
  now: string,
): Promise<number> {
  let studentId: number;
  const search_text = searchText(data);
  if (id === undefined) {
    if (data.embedding === undefined) throw new Error('a new student needs its face fields (or noFace)');
    const r = await trx
      .insertInto('students')
      .values({ ...data, search_text, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    studentId = r.id;
  } else {
    await trx
      .updateTable('students')
      .set({ ...data, search_text, updated_at: now })
      .where('id', '=', id)
      .execute();
    studentId = id;
  }
  if (photo) {
    await trx.deleteFrom('student_photos').where('student_id', '=', studentId).execute();
    await trx.insertInto('student_photos').values({ student_id: studentId, mime: 'image/jpeg', data: photo.thumbnail, source: photo.source }).execute();
  }
  return studentId;
}

/** A student's face and enrolled photo, replaced in one transaction (the admin's photo upload). */
export async function replaceFace(db: Db, id: number, face: FaceUpdate, photo: { thumbnail: Uint8Array; source: Uint8Array }, now: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('students')
      .set({ ...face, updated_at: now })
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('student_photos').where('student_id', '=', id).execute();
    await trx.insertInto('student_photos').values({ student_id: id, mime: 'image/jpeg', data: photo.thumbnail, source: photo.source }).execute();
  });
}

/** Name and Matricula of each student (for load summaries and the look-alike list). */
export async function studentLabels(db: Db, ids: number[]): Promise<Map<number, { name: string; matricula: string | null }>> {
  const out = new Map<number, { name: string; matricula: string | null }>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('students')
      .select(['id', 'matricula', 'identifier', 'lastname', 'firstname'])
      .where('id', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.id, { name: `${r.lastname} ${r.firstname}`, matricula: r.matricula ?? r.identifier });
  }
  for (const id of unique) if (!out.has(id)) out.set(id, { name: `#${id}`, matricula: null });
  return out;
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
  photo_problem: string | null;
  passed_at: Date | string | null;
}

/** `%…%` for LIKE, with LIKE's own characters taken literally. */
const containing = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE of a match (columns qualified: the search joins passes). */
function matching(match: StudentMatch): RawBuilder<boolean> {
  if (match.kind === 'text') return sql<boolean>`students.search_text like ${containing(foldForSearch(match.text))} escape '\\'`;
  if (!match.partial) return sql<boolean>`(students.matricula = ${match.number} or students.identifier = ${match.number})`;
  const needle = containing(match.number);
  return sql<boolean>`(students.matricula like ${needle} escape '\\' or students.identifier like ${needle} escape '\\')`;
}

/**
 * Students matching (text: name, group or ids contain it, any case, ё = е — an empty text is everybody;
 * number: Matricula or Идентификатор equal to it, or containing it when partial), with today's first pass if any.
 */
export async function searchStudents(
  db: Db,
  match: StudentMatch,
  passDate: string,
  limit: number,
  offset: number,
): Promise<{ total: number; students: StudentListItem[] }> {
  const everybody = match.kind === 'text' && match.text === '';
  const base = db.selectFrom('students').$if(!everybody, (q) => q.where(matching(match)));
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const students = await base
    .select((eb) => [
      'students.id',
      'students.matricula',
      'students.lastname',
      'students.firstname',
      'students.lotin',
      'students.group',
      'students.identifier',
      'students.photo_problem',
      // The day's first standing pass: a student with two sittings today has two passes and is still one row.
      eb
        .selectFrom('passes')
        .select((p) => p.fn.min('passes.timestamp').as('t'))
        .whereRef('passes.student_id', '=', 'students.id')
        .where('passes.pass_date', '=', passDate)
        .where('passes.cancelled_at', 'is', null)
        .as('passed_at'),
    ])
    // Russian order with ё among е («Ёлдошев» after «Абдуллаева»): the folded search text starts with the surname and name.
    .orderBy('students.search_text')
    .orderBy('students.id')
    .limit(limit)
    .offset(offset)
    .execute();
  return { total: Number(total.n), students };
}

/** The stored look-alike pairs measured with `model`. */
export async function lookalikePairs(db: Db, model: string): Promise<LookalikePair[]> {
  const rows = await db.selectFrom('lookalikes').select(['student_id', 'other_id', 'distance']).where('model', '=', model).execute();
  return rows.map((r) => ({ a: r.student_id, b: r.other_id, distance: Number(r.distance) }));
}

/**
 * Replaces the stored pairs that involve `ids` (all pairs of the model when ids is 'all') with `pairs`,
 * in one transaction, and records the radius they were measured at.
 */
export async function saveLookalikes(db: Db, model: string, ids: number[] | 'all', pairs: LookalikePair[], radius: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (ids === 'all') await trx.deleteFrom('lookalikes').execute();
    else {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        await trx
          .deleteFrom('lookalikes')
          .where((eb) => eb.or([eb('student_id', 'in', chunk), eb('other_id', 'in', chunk)]))
          .execute();
      }
      await trx.deleteFrom('lookalikes').where('model', '<>', model).execute();
    }
    for (let i = 0; i < pairs.length; i += 500) {
      const rows = pairs.slice(i, i + 500).map((p) => ({ student_id: p.a, other_id: p.b, distance: p.distance, model }));
      await trx
        .insertInto('lookalikes')
        .values(rows)
        .onConflict((oc) => oc.columns(['student_id', 'other_id']).doUpdateSet({ distance: (eb) => eb.ref('excluded.distance'), model }))
        .execute();
    }
    await setMeta(trx, 'lookalike_audit', auditKey(model, radius));
  });
}

/** What the stored look-alike pairs were measured with: a different model or radius means a full audit is due. */
export function auditKey(model: string, radius: number): string {
  return `${model}@${radius}`;
}

/** A load is writing faces: if it never finishes its audit, the next start audits everything. */
export async function markAuditPending(db: Db): Promise<void> {
  await setMeta(db, 'lookalike_audit', 'pending');
}

export async function lookalikeAuditKey(db: Db): Promise<string | undefined> {
  return getMeta(db, 'lookalike_audit');
}
