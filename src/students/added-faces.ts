// Photos added to a student's faces from a verified admission: the operator checked the documents, the
// captured frame passes the enrolment quality gate and a look-alike check against every other student,
// then it becomes one more face of that student in the index (and in the database, for other instances).
import sharp from 'sharp';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { encodeEmbedding } from '../face/embedding.js';
import { assessQuality, unusable } from '../face/quality.js';
import { localDate, localTime } from '../time.js';
import { MIN_ENROL_FACE_PX } from './enrol.js';
import { bumpIndexGeneration } from './repository.js';

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

export async function addVerifiedFace(ctx: AppContext, req: AddFaceRequest): Promise<AddedFace & { distance_to_own: number | null }> {
  const { db, config } = ctx;
  const now = ctx.clock();
  const student = await db.selectFrom('students').select(['id']).where('id', '=', req.studentId).executeTakeFirst();
  if (!student) throw new AppError('not_found', 'Студент не найден');
  // Only after a verified admission today (a manual pass, or a recognition the operator confirmed).
  const pass = await db
    .selectFrom('passes')
    .select(['id'])
    .where('student_id', '=', req.studentId)
    .where('pass_date', '=', localDate(now, config.timezone))
    .where('cancelled_at', 'is', null)
    .executeTakeFirst();
  if (!pass) throw new AppError('conflict', 'Снимок добавляется только после прохода студента сегодня (вручную, по документам)');
  const held = await db
    .selectFrom('student_faces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('student_id', '=', req.studentId)
    .executeTakeFirstOrThrow();
  if (Number(held.n) >= MAX_ADDED_FACES)
    throw new AppError('conflict', `У студента уже ${MAX_ADDED_FACES} добавленных снимков: лишние можно удалить на странице администратора`);

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
  // Refused when it comes within the match threshold of any other student: it must never pull their probes this way.
  const others = ctx.index.within(descriptor, config.matchThreshold).filter((m) => m.studentId !== req.studentId);
  if (others.length > 0) throw new AppError('conflict', 'Снимок слишком похож на другого студента — не добавлен');
  const own = ctx.index.distanceTo(req.studentId, descriptor);

  const photo = await faceThumbnail(req.bytes, largest.box);
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
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  ctx.index.addFace(req.studentId, row.id, descriptor);
  await bumpIndexGeneration(db);
  return {
    id: row.id,
    student_id: req.studentId,
    added: `${localDate(now, config.timezone)} ${localTime(now, config.timezone)}`,
    added_by: req.station,
    photo_url: `/admin/student-faces/${row.id}/photo`,
    distance_to_own: own === undefined ? null : Math.round(own * 1000) / 1000,
  };
}

/** A student's added photos, oldest first (the admin's student card). */
export async function listAddedFaces(ctx: AppContext, studentId: number): Promise<AddedFace[]> {
  const rows = await ctx.db
    .selectFrom('student_faces')
    .select(['id', 'student_id', 'added_at', 'added_by'])
    .where('student_id', '=', studentId)
    .orderBy('id')
    .execute();
  const tz = ctx.config.timezone;
  return rows.map((r) => ({
    id: r.id,
    student_id: r.student_id,
    added: `${localDate(new Date(r.added_at), tz)} ${localTime(new Date(r.added_at), tz)}`,
    added_by: r.added_by,
    photo_url: `/admin/student-faces/${r.id}/photo`,
  }));
}

export async function addedFacePhoto(ctx: AppContext, id: number): Promise<Uint8Array | undefined> {
  return (await ctx.db.selectFrom('student_faces').select('photo').where('id', '=', id).executeTakeFirst())?.photo;
}

/** Removes an added photo from the database and the index; false when there was none. */
export async function removeAddedFace(ctx: AppContext, id: number): Promise<boolean> {
  const r = await ctx.db.deleteFrom('student_faces').where('id', '=', id).returning(['id']).executeTakeFirst();
  if (!r) return false;
  ctx.index.removeFace(id);
  await bumpIndexGeneration(ctx.db);
  return true;
}
