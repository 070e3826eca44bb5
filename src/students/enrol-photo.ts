// One student's enrolment photo from the admin (the student card's «Загрузить фото»): described as a sheet's photo
// is, written with the photo, audited for look-alikes before any search can see it, the «без фото» mark cleared.
import type { Db } from '../db/index.js';
import type { FaceEngine } from '../face/engine.js';
import { encodeEmbedding } from '../face/embedding.js';
import { AppError } from '../errors.js';
import { auditChanged, enrolFace } from './enrol.js';
import { loadInProgress } from './loader.js';
import { rebuildIndex, type Roster } from './rebuild.js';
import { bumpIndexGeneration, markAuditPending, NO_FACE_MODEL, replaceFace } from './repository.js';
import type { LookalikePair } from '../face/lookalikes.js';

export interface PhotoUpload {
  db: Db;
  engine: FaceEngine;
  roster: Roster;
  /** Faces closer than this are look-alikes (the match threshold). */
  lookalikeRadius: number;
  /** The enrolment-photo gate (ENROL_QUALITY): `refuse` turns its issues into a 422. */
  quality: 'warn' | 'refuse' | 'off';
  studentId: number;
  bytes: Uint8Array;
  /** A student who has a face already keeps it unless the admin said «replace» (one click must not lose a photo). */
  replace: boolean;
}

export interface PhotoEnrolled {
  face_width: number;
  /** The quality gate's remarks (ENROL_QUALITY=warn): the photo is enrolled, a better one is advised. */
  warnings: string[];
  /** Look-alike pairs of this student after the change: neither of a pair is named by the camera. */
  lookalikes: LookalikePair[];
  replaced: boolean;
}

/** One photo at a time: each one swaps the whole index after its audit. */
let queue: Promise<unknown> = Promise.resolve();

export function enrolStudentPhoto(u: PhotoUpload): Promise<PhotoEnrolled> {
  const run = queue.then(() => enrol(u));
  queue = run.catch(() => undefined);
  return run;
}

async function enrol(u: PhotoUpload): Promise<PhotoEnrolled> {
  if (loadInProgress()) throw new AppError('conflict', 'Идёт загрузка таблицы студентов: загрузите фото после её окончания');
  const student = await u.db.selectFrom('students').select(['id', 'embedding_model']).where('id', '=', u.studentId).executeTakeFirst();
  if (!student) throw new AppError('not_found', 'Студент не найден');
  const had = student.embedding_model !== NO_FACE_MODEL;
  if (had && !u.replace) throw new AppError('conflict', 'У студента уже есть фото в базе: чтобы заменить его, подтвердите замену («Заменить фото»)');
  // The same refusals as a sheet's photo: no face, two faces, a tiny or blurred face.
  const face = await enrolFace(u.engine, u.bytes, true);
  const issues = face.issues.filter((i) => i.issue !== 'several_faces').map((i) => i.message);
  if (u.quality === 'refuse' && face.issues.length > 0)
    throw new AppError('face_unclear', `Фото не годится для распознавания: ${face.issues.map((i) => i.message).join(', ')}`);
  // Until the audit below is stored, a restart must audit the whole roster (as after a load).
  await markAuditPending(u.db);
  await replaceFace(
    u.db,
    u.studentId,
    {
      embedding: encodeEmbedding(face.descriptor),
      embedding_model: u.roster.modelId,
      face_score: face.score,
      face_width: face.width,
      face_quality: face.qualityJson,
      photo_problem: null,
    },
    face.photo!,
    new Date().toISOString(),
  );
  const pairs = await auditChanged(u.db, u.roster, [u.studentId], u.lookalikeRadius);
  // The live index is swapped only now: photos added at the door count only within 1:1 reach of the new photo.
  await rebuildIndex(u.db, u.roster);
  await bumpIndexGeneration(u.db);
  return { face_width: face.width, warnings: issues, lookalikes: pairs, replaced: had };
}
