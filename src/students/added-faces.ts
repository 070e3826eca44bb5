// Photos added to a student's faces after a verified admission (a card checked 1:1, or documents by hand): only the
// frame of that exchange, only if it matches the student's enrolled photo 1:1 and no other student; it then becomes
// one more face of that student in the index (and in the database, for other instances). Cancelling the pass removes it.
import sharp from 'sharp';
import type { Core } from '../core.js';
import { AppError } from '../errors.js';
import { encodeEmbedding } from '../face/embedding.js';
import { assessQuality, unusable } from '../face/quality.js';
import { localDate, localTime } from '../time.js';
import { MIN_ENROL_FACE_PX } from '../face/quality.js';
import { bumpIndexGeneration } from './repository.js';
import { euclidean } from '../face/embedding.js';
import { readFaceTicket } from './face-ticket.js';

/** Added photos a student may hold: the newest verified faces are what help; more only slows the audit. */
export const MAX_ADDED_FACES = 5;

export interface AddedFace {
  id: number;
  student_id: number;
  /** Local date and time (TIMEZONE). */
  added: string;
  added_by: string | null;
  photo_url: string;
}

export interface AddFaceRequest {
  studentId: number;
  bytes: Uint8Array;
  station: string | null;
  client: string;
  /** The exchange's ticket (face-ticket.ts): a verified 1:1 match or a manual pass of this student, here, minutes ago. */
  ticket: string | undefined;
  /** The paired station that sends it. */
  stationId?: number | null;
}

/** The face, cut from the frame with a margin, as the admin sees it (upright JPEG, 360 px). */
async function faceThumbnail(bytes: Uint8Array, box: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
  const img = sharp(bytes, { failOn: 'error' }).rotate();
  const { data, info } = await img.jpeg().toBuffer({ resolveWithObject: true });
  const m = 0.5 * Math.max(box.width, box.height);
  const left = Math.max(0, Math.floor(box.x - m));
  const top = Math.max(0, Math.floor(box.y - m));
  const width = Math.min(info.width - left, Math.ceil(box.width + 2 * m));
  const height = Math.min(info.height - top, Math.ceil(box.height + 2 * m));
  return sharp(data).extract({ left, top, width, height }).resize(360, 360, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
}

/**
 * A frame becomes one more face of a student only when (a) it belongs to this exchange: the ticket of a
 * verified 1:1 match or a manual pass of this student, given to this client minutes ago, whose pass is
 * still standing today and has no photo yet; and (b) it is the student's face: within the 1:1 threshold
 * of their enrolled photo (not of an added one: faces must not drift), and not within the match threshold
 * of any other student. Whatever the page or a token holder sends, nobody can teach the index a stranger.
 */
export async function addVerifiedFace(ctx: Core, req: AddFaceRequest): Promise<AddedFace & { distance_to_own: number; pass_id: number }> {
  const { db, config } = ctx;
  const now = ctx.clock();
  const ticket = await readFaceTicket(db, req.ticket, req.studentId, req.client, now.getTime());
  const student = await db.selectFrom('students').select(['id']).where('id', '=', req.studentId).executeTakeFirst();
  if (!student) throw new AppError('not_found', 'Студент не найден');
  const pass = await db.selectFrom('passes').select(['id', 'student_id', 'pass_date', 'cancelled_at']).where('id', '=', ticket.passId).executeTakeFirst();
  if (!pass || pass.student_id !== req.studentId) throw new AppError('conflict', 'Проход этого студента не найден — снимок не добавлен');
  if (pass.cancelled_at !== null) throw new AppError('conflict', 'Проход отменён — снимок не добавлен');
  if (pass.pass_date !== localDate(now, config.timezone)) throw new AppError('conflict', 'Проход был не сегодня — снимок не добавлен');
  const fromPass = await db.selectFrom('student_faces').select('id').where('pass_id', '=', pass.id).executeTakeFirst();
  if (fromPass) throw new AppError('conflict', 'Снимок к этому проходу уже добавлен');
  const held = await db
    .selectFrom('student_faces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('student_id', '=', req.studentId)
    .executeTakeFirstOrThrow();
  if (Number(held.n) >= MAX_ADDED_FACES)
    throw new AppError('conflict', `У студента уже ${MAX_ADDED_FACES} добавленных снимков: лишние можно удалить на странице администратора`);
  const enrolled = ctx.index.vectorOf(req.studentId);
  if (!enrolled || config.verifyThreshold === undefined)
    throw new AppError('conflict', 'Снимок не с чем сравнить: у студента нет фото в базе (или проверка 1:1 недоступна) — не добавлен');

  const described = await ctx.engine.describe(req.bytes, { purpose: 'probe' }, { client: req.client });
  const largest = described.faces[0];
  const faces = described.faces.filter((f) => largest && f.box.width >= config.multiFaceRatio * largest.box.width);
  if (!largest?.descriptor) throw new AppError('no_face');
  if (faces.length > 1) throw new AppError('multiple_faces');
  if (largest.box.width < Math.max(config.minFacePx, MIN_ENROL_FACE_PX)) throw new AppError('face_too_small');
  const bad = largest.quality && unusable(largest.quality);
  if (bad === 'not_a_face') throw new AppError('no_face');
  if (bad === 'blurry') throw new AppError('face_unclear');
  // The enrolment gate, strictly: a poor frame would become a poor face for every later recognition.
  const issues = largest.quality ? assessQuality(largest.quality, 0) : [];
  if (issues.length > 0) throw new AppError('face_unclear', `Снимок не подходит для фото студента: ${issues.map((i) => i.message).join(', ')}`);

  const descriptor = largest.descriptor;
  const own = euclidean(enrolled, descriptor);
  if (!(own <= config.verifyThreshold))
    throw new AppError(
      'conflict',
      'Лицо на снимке не совпадает с фото студента — снимок не добавлен',
      `distance ${own.toFixed(3)} > ${config.verifyThreshold}`,
    );
  // Refused when it comes within the match threshold of any other student: it must never pull their probes this way.
  const others = ctx.index.within(descriptor, config.matchThreshold).filter((m) => m.studentId !== req.studentId);
  if (others.length > 0) throw new AppError('conflict', 'Снимок слишком похож на другого студента — не добавлен');

  const photo = await faceThumbnail(req.bytes, largest.box);
  const distance = Math.round(own * 1000) / 1000;
  const row = await db
    .insertInto('student_faces')
    .values({
      student_id: req.studentId,
      embedding: encodeEmbedding(descriptor),
      embedding_model: ctx.engine.model.id,
      photo,
      source: Buffer.from(req.bytes),
      face_quality: largest.quality ? JSON.stringify(largest.quality) : null,
      added_at: now.toISOString(),
      added_by: req.station,
      pass_id: pass.id,
      client: req.client,
      distance,
      station_id: req.stationId ?? null,
    })
    // Two requests with one ticket: the unique key on pass_id keeps one.
    .onConflict((oc) => oc.column('pass_id').where('pass_id', 'is not', null).doNothing())
    .returning(['id'])
    .executeTakeFirst();
  if (!row) throw new AppError('conflict', 'Снимок к этому проходу уже добавлен');
  ctx.index.addFace(req.studentId, row.id, descriptor);
  await bumpIndexGeneration(db);
  return {
    id: row.id,
    student_id: req.studentId,
    added: `${localDate(now, config.timezone)} ${localTime(now, config.timezone)}`,
    added_by: req.station,
    photo_url: `/admin/student-faces/${row.id}/photo`,
    distance_to_own: distance,
    pass_id: pass.id,
  };
}

/** An added photo as the admin sees it: who sent it, from where, when, how near the enrolled photo, whether the camera uses it. */
export type AddedFaceView = AddedFace & { client: string | null; distance: number | null; pass_id: number | null; in_index: boolean };

type FaceRow = {
  id: number;
  student_id: number;
  added_at: Date | string;
  added_by: string | null;
  client: string | null;
  distance: number | null;
  pass_id: number | null;
};

function view(ctx: Core, r: FaceRow): AddedFaceView {
  const tz = ctx.config.timezone;
  return {
    id: r.id,
    student_id: r.student_id,
    added: `${localDate(new Date(r.added_at), tz)} ${localTime(new Date(r.added_at), tz)}`,
    added_by: r.added_by,
    photo_url: `/admin/student-faces/${r.id}/photo`,
    client: r.client,
    distance: r.distance,
    pass_id: r.pass_id,
    in_index: ctx.index.hasFace(r.id),
  };
}

const FACE_COLUMNS = ['id', 'student_id', 'added_at', 'added_by', 'client', 'distance', 'pass_id'] as const;

/** A student's added photos, oldest first (the admin's student card). */
export async function listAddedFaces(ctx: Core, studentId: number): Promise<AddedFaceView[]> {
  const rows = await ctx.db.selectFrom('student_faces').select(FACE_COLUMNS).where('student_id', '=', studentId).orderBy('id').execute();
  return rows.map((r) => view(ctx, r));
}

/** Every added photo, newest first, with its student (the admin's review list). */
export async function listAllAddedFaces(
  ctx: Core,
  limit: number,
  offset: number,
): Promise<{ total: number; photos: (AddedFaceView & { student_name: string; matricula: string | null })[] }> {
  const total = await ctx.db
    .selectFrom('student_faces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await ctx.db
    .selectFrom('student_faces')
    .innerJoin('students', 'students.id', 'student_faces.student_id')
    .select(FACE_COLUMNS.map((c) => `student_faces.${c}` as const))
    .select(['students.lastname', 'students.firstname', 'students.matricula'])
    .orderBy('student_faces.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return {
    total: Number(total.n),
    photos: rows.map((r) => ({ ...view(ctx, r), student_name: `${r.lastname} ${r.firstname}`, matricula: r.matricula })),
  };
}

/** The photos added after a pass (at most one), removed when the pass is cancelled; how many. */
export async function removeFacesOfPass(ctx: Core, passId: number): Promise<number> {
  const gone = await ctx.db.deleteFrom('student_faces').where('pass_id', '=', passId).returning(['id']).execute();
  for (const r of gone) ctx.index.removeFace(r.id);
  if (gone.length > 0) await bumpIndexGeneration(ctx.db);
  return gone.length;
}

export async function addedFacePhoto(ctx: Core, id: number): Promise<Uint8Array | undefined> {
  return (await ctx.db.selectFrom('student_faces').select('photo').where('id', '=', id).executeTakeFirst())?.photo;
}

/** Removes an added photo from the database and the index: the student it was of; undefined when there was none. */
export async function removeAddedFace(ctx: Core, id: number): Promise<{ student_id: number } | undefined> {
  const r = await ctx.db.deleteFrom('student_faces').where('id', '=', id).returning(['id', 'student_id']).executeTakeFirst();
  if (!r) return undefined;
  ctx.index.removeFace(id);
  await bumpIndexGeneration(ctx.db);
  return { student_id: r.student_id };
}
