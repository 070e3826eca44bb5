// What the operator at the door is shown of a student and a pass: never the passport number, the date
// of birth or where the photo lies on the server.
import type { PassAnswer, PublicPass, PublicStudent, SittingView } from '../contract/shapes.js';
import type { PassRow } from '../db/schema.js';
import { maskPassport } from '../privacy.js';
import { localDate, localTime } from '../time.js';
import type { findStudent } from './repository.js';

export type { PassAnswer, PublicPass, PublicStudent, SittingView } from '../contract/shapes.js';

export function publicPass(p: PassRow, timeZone: string): PublicPass {
  const ts = new Date(p.timestamp);
  return {
    id: p.id,
    timestamp: ts.toISOString(),
    date: localDate(ts, timeZone),
    time: localTime(ts, timeZone),
    source: p.source,
    station: p.station,
    reason: p.reason ?? null,
  };
}

export function publicStudent(s: NonNullable<Awaited<ReturnType<typeof findStudent>>>): PublicStudent {
  return {
    id: s.id,
    matricula: s.matricula,
    lastname: s.lastname,
    firstname: s.firstname,
    lotin: s.lotin,
    group: s.group,
    identifier: s.identifier,
    passport_masked: s.passport_number ? maskPassport(s.passport_number) : null,
    photo_url: `/api/students/${s.id}/photo`,
    photo_problem: s.photo_problem ?? null,
  };
}

/** The answer for a recorded (created) or found (already there) first pass of the day or of the sitting. */
export function passAnswer(
  created: boolean,
  student: PublicStudent,
  pass: PublicPass,
  distance: number | null,
  quality: PassAnswer['match_quality'],
  okMessage: string,
  sitting: SittingView | null = null,
): PassAnswer {
  const common = { student, pass, sitting, distance: distance === null ? null : Math.round(distance * 1000) / 1000, match_quality: quality };
  if (created) return { status: 'ok', message: okMessage, ...common };
  const already = sitting ? 'Студент уже прошёл на этот экзамен' : 'Студент уже проходил сегодня';
  return { status: 'already_passed', message: `${already} (первый проход в ${pass.time.slice(0, 5)})`, first_pass_time: pass.time, ...common };
}
