// Manual pass: the operator checked the student's documents and admits them by hand (no face match).
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { localDate } from '../time.js';
import { findStudent, recordAttempt, recordFirstPass } from './repository.js';
import { passAnswer, publicPass, publicStudent, type PassAnswer } from './public.js';

export interface ManualPassRequest {
  studentId: number;
  reason: string | null;
  station: string | null;
}

/** Records the day's first pass with source `manual` (or finds the one already there); audited like a recognition. */
export async function manualPass(ctx: AppContext, req: ManualPassRequest): Promise<PassAnswer> {
  const now = ctx.clock();
  const student = await findStudent(ctx.db, req.studentId);
  if (!student) throw new AppError('not_found', 'Студент не найден');
  const { created, pass } = await recordFirstPass(ctx.db, {
    student_id: student.id,
    timestamp: now.toISOString(),
    pass_date: localDate(now, ctx.config.timezone),
    source: 'manual',
    station: req.station,
    distance: null,
    reason: req.reason,
  });
  const answer = passAnswer(created, publicStudent(student), publicPass(pass, ctx.config.timezone), null, null, 'Проход записан вручную');
  await recordAttempt(ctx.db, {
    timestamp: now.toISOString(),
    status: created ? 'manual' : 'manual_already_passed',
    student_id: student.id,
    distance: null,
    second_distance: null,
    faces: null,
    source: 'manual',
    station: req.station,
    duration_ms: 0,
  }).catch(() => undefined);
  return answer;
}
