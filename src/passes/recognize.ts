// Recognition: photo → one face → who it is → the schedule's say (sitting-check.ts) → first pass of the local day or
// of the sitting; every attempt audited. Who it is: the student a card names, compared 1:1 (`verify`); else the
// whole roster (1:N, `identify`); else, with a sitting open in the station's room, that sitting's students (`roster`).
import type { Core } from '../core.js';
import { AppError, isAppError } from '../errors.js';
import { localDate } from '../time.js';
import { decide, matchQuality, offRosterRival, verifyQuality, type MatchRule } from './decision.js';
import { unusable } from '../face/quality.js';
import { findClaimedStudent, findStudent, recordAttempt, recordFirstPass, sittingRoster, type PassSource } from './repository.js';
import { passAnswer, publicPass, publicStudent, type PassAnswer } from './public.js';
import { attemptSitting, checkSitting, openSittings, refusalOf, sittingView, type SittingRefusal } from './sitting-check.js';
import { ADD_FACE_WINDOW_S, issueFaceTicket } from '../students/face-ticket.js';

export type Source = 'camera' | 'web';

/** The student a station says is at the door: the Matricula from the card (typed or scanned), or their id. */
export type Claim = { matricula: string } | { studentId: number };

export interface RecognizeRequest {
  bytes: Uint8Array;
  source: Source;
  station: string | null;
  /** The station's room (its settings): with a sitting open there, only its registered students pass. */
  room?: string | null;
  /** The client's address: its recognitions take turns with other clients' in the engine. */
  client?: string;
  /** Card + face: compare the frame with this student only (1:1). */
  claim?: Claim;
  /** The paired station that asks (its room is `room`); absent: the shared token, the admin or a script. */
  stationId?: number | null;
}

export type Mode = 'identify' | 'verify' | 'roster';

export type RecognizeResult =
  | (PassAnswer & { mode: Mode; add_face_ticket?: string })
  | (SittingRefusal & { mode: Mode })
  | { status: 'not_found'; message: string; mode: Mode }
  | { status: 'mismatch'; message: string; mode: 'verify' }
  | { status: 'no_photo'; message: string; mode: 'verify' };

export const NOT_FOUND_MESSAGE = 'Лицо не найдено';
export const MISMATCH_MESSAGE = 'Лицо не совпадает с фото студента — проверьте документ';
export const NO_PHOTO_MESSAGE = 'У студента нет фото для сравнения — проверьте документ и пропустите вручную';

interface Audit {
  status: string;
  student_id: number | null;
  distance: number | null;
  second_distance: number | null;
  faces: number | null;
  sitting_id: number | null;
  mode: Mode | null;
  claimed_student_id: number | null;
}

export async function recognize(ctx: Core, req: RecognizeRequest): Promise<RecognizeResult> {
  const t0 = performance.now();
  const now = ctx.clock();
  const audit: Audit = {
    status: 'error',
    student_id: null,
    distance: null,
    second_distance: null,
    faces: null,
    sitting_id: null,
    mode: req.claim ? 'verify' : 'identify',
    claimed_student_id: null,
  };
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
      station_id: req.stationId ?? null,
      room: req.room ?? null,
      duration_ms: Math.round(performance.now() - t0),
    }).catch(() => undefined); // the audit log must never turn an answer into an error
  }
}

/** The frame's one face and its descriptor, refused as the door refuses (no face, several, too small, unclear). */
async function probeDescriptor(ctx: Core, req: RecognizeRequest, audit: Audit): Promise<Float32Array> {
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
  return largest.descriptor;
}

/** Who the frame shows, by one of the three ways, or the answer that names nobody. */
type Found = { studentId: number; distance: number; quality: 'reliable' | 'borderline'; mode: Mode } | Exclude<RecognizeResult, PassAnswer | SittingRefusal>;

async function identify(ctx: Core, req: RecognizeRequest, now: Date, audit: Audit): Promise<RecognizeResult> {
  const { config } = ctx;
  // The card's student first: an unknown Matricula costs no face work.
  let claimedId: number | undefined;
  if (req.claim) {
    if (config.verifyThreshold === undefined)
      throw new AppError('bad_request', 'Проверка по зачётке недоступна: для этой модели распознавания не задан порог 1:1 (VERIFY_THRESHOLD)');
    const claimed = await findClaimedStudent(ctx.db, req.claim);
    if (!claimed)
      throw new AppError(
        'not_found',
        'matricula' in req.claim ? `Студент с номером зачётки «${req.claim.matricula}» не найден — проверьте номер` : 'Студент не найден',
      );
    claimedId = claimed.id;
    audit.claimed_student_id = claimed.id;
  }
  const descriptor = await probeDescriptor(ctx, req, audit);
  const found = claimedId !== undefined ? verifyClaim(ctx, claimedId, descriptor, audit) : await searchFor(ctx, req, descriptor, now, audit);
  if (!('studentId' in found)) return found;
  audit.student_id = found.studentId;
  audit.mode = found.mode;

  const student = await findStudent(ctx.db, found.studentId);
  // Deleted since the index was built: never name a student the database does not hold.
  if (!student) return { status: 'not_found', message: NOT_FOUND_MESSAGE, mode: found.mode };
  const verdict = await checkSitting(ctx, student.id, req.room ?? null, now);
  audit.sitting_id = attemptSitting(verdict);
  const refusal = refusalOf(verdict, publicStudent(student), ctx);
  if (refusal) return { ...refusal, mode: found.mode };
  const sitting = verdict.kind === 'sitting' ? verdict.sitting : null;
  const source: PassSource = found.mode === 'verify' ? 'verified' : req.source;
  const { created, pass } = await recordFirstPass(ctx.db, {
    student_id: student.id,
    timestamp: now.toISOString(),
    pass_date: localDate(now, config.timezone),
    source,
    station: req.station,
    distance: found.distance,
    sitting_id: sitting?.id ?? null,
    station_id: req.stationId ?? null,
    station_room: req.room ?? null,
  });
  const view = sitting ? sittingView(sitting, config.sittingOpenBeforeMs, config.timezone) : null;
  const message = found.mode === 'verify' ? 'Лицо совпадает с фото студента, проход записан' : 'Студент найден, проход записан';
  const answer = passAnswer(created, publicStudent(student), publicPass(pass, config.timezone), found.distance, found.quality, message, view);
  // The frame the station takes next may join this student's faces (students/added-faces.ts): only after a card was verified.
  const ticket =
    found.mode === 'verify'
      ? await issueFaceTicket(ctx.db, {
          studentId: student.id,
          passId: pass.id,
          client: req.client ?? 'local',
          expires: now.getTime() + ADD_FACE_WINDOW_S * 1000,
        })
      : undefined;
  return { ...answer, mode: found.mode, ...(ticket ? { add_face_ticket: ticket } : {}) };
}

/**
 * 1:1: the claimed student's nearest face within VERIFY_THRESHOLD, and nobody else nearer. The second half
 * keeps a look-alike student out who shows a classmate's card: their own enrolled face is nearer
 * (calibration: it cost 0.2 % of genuine claims and refused a quarter of the look-alike claims that the
 * threshold alone let through).
 */
function verifyClaim(ctx: Core, claimedId: number, descriptor: Float32Array, audit: Audit): Found {
  const threshold = ctx.config.verifyThreshold!;
  const own = ctx.index.distanceTo(claimedId, descriptor);
  if (own === undefined) return { status: 'no_photo', message: NO_PHOTO_MESSAGE, mode: 'verify' };
  audit.distance = own;
  const nearest = ctx.index.search(descriptor);
  const other = nearest && nearest.best.studentId !== claimedId ? nearest.best.distance : nearest?.secondDistance;
  audit.second_distance = other !== undefined && Number.isFinite(other) ? other : null;
  if (!(own <= threshold) || (nearest && nearest.best.studentId !== claimedId && nearest.best.distance < own)) {
    return { status: 'mismatch', message: MISMATCH_MESSAGE, mode: 'verify' };
  }
  return { studentId: claimedId, distance: own, quality: verifyQuality(own, threshold), mode: 'verify' };
}

/** 1:N over everyone; when that is not sure and the station's room has a sitting open now, its roster only. */
async function searchFor(ctx: Core, req: RecognizeRequest, descriptor: Float32Array, now: Date, audit: Audit): Promise<Found> {
  const { config } = ctx;
  const rule: MatchRule = { threshold: config.matchThreshold, margin: config.matchMargin };
  const result = ctx.index.search(descriptor);
  const decision = decide(result, rule, (id) => ctx.lookalikes.has(id));
  audit.distance = decision.distance ?? null;
  const second = decision.secondDistance;
  audit.second_distance = second !== undefined && Number.isFinite(second) ? second : null;
  if (decision.match)
    return {
      studentId: decision.studentId,
      distance: decision.distance,
      quality: matchQuality(decision.distance, decision.secondDistance, rule),
      mode: 'identify',
    };
  const roster = await rosterSearch(ctx, req.room ?? null, descriptor, result, now);
  if (roster) {
    audit.distance = roster.distance;
    audit.second_distance = Number.isFinite(roster.secondDistance) ? roster.secondDistance : null;
    return {
      studentId: roster.studentId,
      distance: roster.distance,
      quality: matchQuality(roster.distance, roster.secondDistance, roster.rule),
      mode: 'roster',
    };
  }
  return { status: 'not_found', message: NOT_FOUND_MESSAGE, mode: 'identify' };
}

/**
 * Roster-scoped search (ROSTER_SEARCH, rules from the model's calibration by roster size): the nearest of the
 * sitting's registered students under the roster's rule. Never when the frame is within the 1:N threshold of
 * someone off the roster (that person, not a roster student, is who stands there) or the named one has a
 * look-alike; never for a roster larger than the rules were calibrated for.
 */
async function rosterSearch(
  ctx: Core,
  room: string | null,
  descriptor: Float32Array,
  global: ReturnType<Core['index']['search']>,
  now: Date,
): Promise<{ studentId: number; distance: number; secondDistance: number; rule: MatchRule } | undefined> {
  const { config } = ctx;
  if (!room || config.rosterRules.length === 0) return undefined;
  const open = await openSittings(ctx, room, now);
  if (open.length === 0) return undefined;
  const members = new Set((await Promise.all(open.map((s) => sittingRoster(ctx.db, s.id)))).flat());
  const rule = config.rosterRules.find((r) => members.size <= r.size);
  if (!rule) return undefined;
  if (global && !members.has(global.best.studentId) && global.best.distance <= config.matchThreshold) return undefined;
  const d = decide(ctx.index.searchAmong(members, descriptor), rule, (id) => ctx.lookalikes.has(id));
  if (!d.match) return undefined;
  // Anyone enrolled but not registered here, as near as the margin demands, could be the face: nobody is named.
  if (offRosterRival(ctx.index.within(descriptor, d.distance + rule.margin), members)) return undefined;
  return { studentId: d.studentId, distance: d.distance, secondDistance: d.secondDistance, rule };
}
