// Manual pass: the operator checked the student's documents and admits them by hand (no face match); the
// schedule decides as for a recognition (sitting-check.ts) — unless the operator overrides a «not registered» or
// «wrong room» with a reason (a late registration): then the pass is the room's current sitting's, source `override`.
import type { Core } from '../core.js';
import { AppError } from '../errors.js';
import { localDate } from '../time.js';
import { findStudent, recordAttempt, recordFirstPass } from './repository.js';
import { passAnswer, publicPass, publicStudent, type PassAnswer } from './public.js';
import { attemptSitting, checkSitting, refusalOf, sittingView, type SittingRefusal } from './sitting-check.js';
import { ADD_FACE_WINDOW_S, issueFaceTicket } from '../students/face-ticket.js';

export interface ManualPassRequest {
  studentId: number;
  reason: string | null;
  station: string | null;
  /** The station's room: with a sitting open there, only its registered students pass. */
  room?: string | null;
  /** The client's address: the ticket to add the next frame is given to it only. */
  client?: string;
  /** The paired station that asks (its room is `room`). */
  stationId?: number | null;
  /** «Допустить»: admit into the room's current sitting although not registered for it (reason required). */
  override?: boolean;
}

/** Records the first pass of the day or sitting with source `manual` (or finds the one already there); audited like a recognition. */
export async function manualPass(ctx: Core, req: ManualPassRequest): Promise<(PassAnswer & { mode: 'manual'; add_face_ticket: string }) | SittingRefusal> {
  const now = ctx.clock();
  const student = await findStudent(ctx.db, req.studentId);
  if (!student) throw new AppError('not_found', 'Студент не найден');
  if (req.override && !req.reason) throw new AppError('bad_request', 'Укажите причину, по которой студента допускают на экзамен, на который он не записан');
  const verdict = await checkSitting(ctx, student.id, req.room ?? null, now);
  // «Допустить»: only what a registration would have decided is overridden; «no exam now» stays a refusal.
  const overridden = req.override && (verdict.kind === 'not_registered' || verdict.kind === 'wrong_room') ? verdict.current : undefined;
  const audit = (status: string) =>
    recordAttempt(ctx.db, {
      timestamp: now.toISOString(),
      status,
      student_id: student.id,
      distance: null,
      second_distance: null,
      faces: null,
      source: 'manual',
      station: req.station,
      station_id: req.stationId ?? null,
      duration_ms: 0,
      room: req.room ?? null,
      sitting_id: attemptSitting(verdict),
    }).catch(() => undefined);
  const refusal = overridden ? undefined : refusalOf(verdict, publicStudent(student), ctx);
  if (refusal) {
    await audit(refusal.status);
    return refusal;
  }
  const sitting = overridden ?? (verdict.kind === 'sitting' ? verdict.sitting : null);
  const { created, pass } = await recordFirstPass(ctx.db, {
    student_id: student.id,
    timestamp: now.toISOString(),
    pass_date: localDate(now, ctx.config.timezone),
    source: overridden ? 'override' : 'manual',
    station: req.station,
    distance: null,
    reason: req.reason,
    sitting_id: sitting?.id ?? null,
    station_id: req.stationId ?? null,
    station_room: req.room ?? null,
  });
  const view = sitting ? sittingView(sitting, ctx.config.sittingOpenBeforeMs, ctx.config.timezone) : null;
  const okMessage = overridden ? 'Допущен на экзамен оператором (не был записан)' : 'Проход записан вручную';
  const answer = passAnswer(created, publicStudent(student), publicPass(pass, ctx.config.timezone), null, null, okMessage, view);
  await audit(overridden ? (created ? 'override' : 'override_already_passed') : created ? 'manual' : 'manual_already_passed');
  // The documents were checked: the frame the station takes next may join the student's faces, if it matches the enrolled photo.
  const add_face_ticket = await issueFaceTicket(ctx.db, {
    studentId: student.id,
    passId: pass.id,
    client: req.client ?? 'local',
    expires: now.getTime() + ADD_FACE_WINDOW_S * 1000,
  });
  return { ...answer, mode: 'manual', add_face_ticket };
}
