// One enrolment photo → the face to enrol (largest, big enough, with its quality verdict); admitting it to the roster.
import type { Db } from '../db/index.js';
import type { FaceEngine } from '../face/engine.js';
import { FaceIndex } from '../face/index.js';
import { auditAll, Lookalikes, pairsNear, type LookalikePair } from '../face/lookalikes.js';
import { assessQuality, MIN_ENROL_FACE_PX, TWO_FACES_RATIO, unusable, type FaceQuality, type QualityVerdict } from '../face/quality.js';
import { AppError } from '../errors.js';
import { rebuildIndex, type Roster } from './rebuild.js';
import { auditKey, lookalikeAuditKey, saveLookalikes } from './repository.js';

export interface EnrolledFace {
  descriptor: Float32Array;
  score: number;
  /** Face box width, pixels of the photo. */
  width: number;
  /** Faces in the photo (the largest is enrolled). */
  faces: number;
  quality: FaceQuality | undefined;
  issues: QualityVerdict[];
  /** What students.face_quality stores. */
  qualityJson: string | null;
  /** With `keepPhoto`: the 360 px thumbnail the operator sees and the photo to keep for re-description. */
  photo: { thumbnail: Uint8Array; source: Uint8Array } | undefined;
}

/** Describes an enrolment photo; no face → AppError no_face, a tiny face → face_too_small. */
export async function enrolFace(engine: FaceEngine, bytes: Uint8Array, keepPhoto = false): Promise<EnrolledFace> {
  const result = await engine.describe(bytes, { purpose: 'enrol', thumbnail: keepPhoto });
  const face = result.faces[0];
  if (!face?.descriptor) throw new AppError('no_face', 'на фото не найдено лицо');
  const rival = result.faces[1];
  if (rival && rival.box.width >= TWO_FACES_RATIO * face.box.width) {
    throw new AppError(
      'two_faces',
      `на фото два лица сопоставимого размера (${Math.round(face.box.width)} и ${Math.round(rival.box.width)} пикс.): кто из них студент, не определить`,
    );
  }
  if (face.box.width < MIN_ENROL_FACE_PX) throw new AppError('face_too_small', `лицо слишком маленькое (${Math.round(face.box.width)} пикс.)`);
  // Refused whatever ENROL_QUALITY says: such a descriptor would draw probes of other people to itself.
  const bad = face.quality && unusable(face.quality);
  if (bad === 'not_a_face') throw new AppError('no_face', 'на фото не найдено чёткое лицо');
  if (bad === 'blurry') throw new AppError('face_unclear', 'лицо на фото неразличимо (размыто)');
  // Faces under half the enrolled one's width are background (posters, passers-by), as at the door.
  const others = result.faces.slice(1).filter((f) => f.box.width >= 0.5 * face.box.width).length;
  const issues = face.quality ? assessQuality(face.quality, others) : [];
  return {
    descriptor: face.descriptor,
    score: face.score,
    width: Math.round(face.box.width),
    faces: result.faces.length,
    quality: face.quality,
    issues,
    qualityJson: face.quality ? JSON.stringify({ ...roundAll(face.quality), issues: issues.map((i) => i.issue) }) : null,
    photo: result.thumbnail ? { thumbnail: result.thumbnail, source: result.source ?? bytes } : undefined,
  };
}

function roundAll(q: FaceQuality): FaceQuality {
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return {
    faceWidth: r(q.faceWidth),
    eyeDistance: r(q.eyeDistance),
    yaw: r(q.yaw),
    pitch: r(q.pitch),
    sharpness: r(q.sharpness),
    brightness: r(q.brightness),
    clipped: r(q.clipped),
  };
}

/**
 * Makes a student's (new) face searchable: first its look-alikes among the enrolled faces are found,
 * stored and flagged, and only then the face enters the index, so no search ever sees it unaudited.
 */
export async function admitFace(db: Db, roster: Roster, studentId: number, descriptor: Float32Array, radius: number): Promise<void> {
  const pairs = pairsNear(roster.index, studentId, descriptor, radius);
  await saveLookalikes(db, roster.modelId, [studentId], pairs, radius);
  roster.lookalikes.drop(studentId);
  for (const p of pairs) roster.lookalikes.link(p);
  roster.index.upsert(studentId, descriptor);
}

/**
 * The look-alike pairs of students whose faces a load wrote, measured against every enrolled face
 * (a fresh index read from the database, so the live one is swapped only once they are stored).
 */
export async function auditChanged(db: Db, roster: Roster, changed: number[], radius: number): Promise<LookalikePair[]> {
  const fresh: Roster = { ...roster, index: new FaceIndex(1024, { dim: roster.index.dim }), lookalikes: new Lookalikes() };
  await rebuildIndex(db, fresh);
  const pairs = new Map<string, LookalikePair>();
  for (const id of changed) {
    for (const v of fresh.index.vectorsOf(id)) {
      for (const p of pairsNear(fresh.index, id, v, radius)) {
        const had = pairs.get(`${p.a}:${p.b}`);
        if (!had || p.distance < had.distance) pairs.set(`${p.a}:${p.b}`, p);
      }
    }
  }
  const list = [...pairs.values()].sort((x, y) => x.distance - y.distance);
  await saveLookalikes(db, roster.modelId, changed, list, radius);
  return list;
}

/**
 * At start-up: when the stored pairs were measured with another model or radius (or a load stopped
 * before its audit), every pair is measured again before the server answers. 2,500 faces ≈ 0.1 s.
 */
export async function auditRosterIfStale(db: Db, roster: Roster, radius: number): Promise<{ audited: boolean; pairs: number; ms: number }> {
  const t0 = performance.now();
  if ((await lookalikeAuditKey(db)) === auditKey(roster.modelId, radius)) return { audited: false, pairs: roster.lookalikes.pairs().length, ms: 0 };
  const pairs = await auditAll(roster.index, radius);
  await saveLookalikes(db, roster.modelId, 'all', pairs, radius);
  roster.lookalikes.replaceAll(pairs);
  return { audited: true, pairs: pairs.length, ms: performance.now() - t0 };
}
