// Recognition: photo → one face → index → decision → the schedule's say (sitting-check.ts) → first pass of
// the local day or of the sitting; every attempt audited.
import type { AppContext } from '../context.js';
import { AppError, isAppError } from '../errors.js';
import { localDate } from '../time.js';
import { decide, matchQuality } from './decision.js';
import { unusable } from '../face/quality.js';
import { findStudent, recordAttempt, recordFirstPass } from './repository.js';
import { passAnswer, publicPass, publicStudent, type PassAnswer } from './public.js';
import { attemptSitting, checkSitting, refusalOf, sittingView, type SittingRefusal } from './sitting-check.js';

export type Source = 'camera' | 'web';

export interface RecognizeRequest {
  bytes: Uint8Array;
  source: Source;
  station: string | null;
  /** The station's room (its settings): with a sitting open there, only its registered students pass. */
  room?: string | null;
  /** The client's address: its recognitions take turns with other clients' in the engine. */
  client?: string;
}

export type RecognizeResult = PassAnswer | SittingRefusal | { status: 'not_found'; message: string };

export const NOT_FOUND_MESSAGE = 'Лицо не найдено';

interface Audit {
  status: string;
  student_id: number | null;
  distance: number | null;
  second_distance: number | null;
  faces: number | null;
  sitting_id: number | null;
}

export async function recognize(ctx: AppContext, req: RecognizeRequest): Promise<RecognizeResult> {
  const t0 = performance.now();
  const now = ctx.clock();
  const audit: Audit = { status: 'error', student_id: null, distance: null, second_distance: null, faces: null, sitting_id: null };
  try {
    const result = await identify(ctx, req, now, audit);
    audit.status = result.status;
    return result;
  } catch (e) {
    audit.status = isAppError(e) ? e.code : 'internal';
    throw e;
  } finally {
    await recordAttempt(ctx.db, {
      timestamp: now.toISOString(),
      ...audit,
      source: req.source,
      station: req.station,
      room: req.room ?? null,
      duration_ms: Math.round(performance.now() - t0),
    }).catch(() => undefined); // the audit log must never turn an answer into an error
  }
}

async function identify(ctx: AppContext, req: RecognizeRequest, now: Date, audit: Audit): Promise<RecognizeResult> {
  const { config } = ctx;
  const described = await ctx.engine.describe(req.bytes, { purpose: 'probe' }, { client: req.client ?? 'local' });
  const largest = described.faces[0];
  // People further back in the queue are much smaller than the student at the camera: not "another face".
  const faces = described.faces.filter((f) => largest && f.box.width >= config.multiFaceRatio * largest.box.width);
  audit.faces = faces.length;
  if (!largest?.descriptor) throw new AppError('no_face');
  if (faces.length > 1) throw new AppError('multiple_faces');
  if (largest.box.width < config.minFacePx) throw new AppError('face_too_small');
  // A detection whose landmarks make no face, or a chip without detail: its descriptor is noise that lands near other noise.
  const bad = largest.quality && unusable(largest.quality);
  if (bad === 'not_a_face') throw new AppError('no_face');
  if (bad === 'blurry') throw new AppError('face_unclear');

  const decision = decide(ctx.index.search(largest.descriptor), { threshold: config.matchThreshold, margin: config.matchMargin }, (id) =>
    ctx.lookalikes.has(id),
  );
  audit.distance = decision.distance ?? null;
  const second = decision.secondDistance;
  audit.second_distance = second !== undefined && Number.isFinite(second) ? second : null;
  if (!decision.match) return { status: 'not_found', message: NOT_FOUND_MESSAGE };
  audit.student_id = decision.studentId;

  const student = await findStudent(ctx.db, decision.studentId);
  // Deleted since the index was built: never name a student the database does not hold.
  if (!student) return { status: 'not_found', message: NOT_FOUND_MESSAGE };
  const verdict = await checkSitting(ctx, student.id, req.room ?? null, now);
  audit.sitting_id = attemptSitting(verdict);
  const refusal = refusalOf(verdict, publicStudent(student), ctx);
  if (refusal) return refusal;
  const sitting = verdict.kind === 'sitting' ? verdict.sitting : null;
  const { created, pass } = await recordFirstPass(ctx.db, {
    student_id: student.id,
    timestamp: now.toISOString(),
    pass_date: localDate(now, config.timezone),
    source: req.source,
    station: req.station,
    distance: decision.distance,
    sitting_id: sitting?.id ?? null,
  });
  const quality = matchQuality(decision.distance, decision.secondDistance, { threshold: config.matchThreshold, margin: config.matchMargin });
  const view = sitting ? sittingView(sitting, config.sittingOpenBeforeMs, config.timezone) : null;
  return passAnswer(created, publicStudent(student), publicPass(pass, config.timezone), decision.distance, quality, 'Студент найден, проход записан', view);
}
