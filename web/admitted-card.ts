// The green (admitted) or amber (already passed) card: who it is, the exam it is for, the enrolled photo, the camera frame.
import type { PassAnswer, PublicPass } from '../dist/contract/shapes.js';
import { el, SOURCE_LABELS } from './common.js';
import { offerAddFace } from './add-frame.js';
import { addStudent, field } from './card-student.js';
import { addToCard, show } from './result-card.js';
import { examLine, type Sitting } from './sitting-text.js';

type Pass = PublicPass;
/** A recorded (ok) or found (already passed) pass, as POST /api/recognize and /api/passes answer (contract/shapes.ts). */
export type Admitted = PassAnswer;

/** The operator's reading of the match (the distance itself stays in the audit log and on the admin page). */
const QUALITY: Record<string, { text: string; cls: string }> = {
  reliable: { text: 'совпадение: надёжное', cls: 'quality-reliable' },
  borderline: { text: 'совпадение: на границе — сверьте с документом', cls: 'quality-borderline' },
};

/** «камера, Ауд. 204» — how and where the pass was recorded. */
function passOrigin(p: Pass): string {
  return [p.source ? (SOURCE_LABELS[p.source] ?? p.source) : null, p.station].filter(Boolean).join(', ');
}

/** The exam's line on a card, when the pass belongs to a sitting; a refusal shows the room's exam as «Здесь сейчас». */
export function addExamLine(s: Sitting | null | undefined, refused = false): void {
  if (s) addToCard(el('div', refused ? examLine(s, 'Здесь сейчас') : examLine(s), refused ? 'exam-line exam-here' : 'exam-line'));
}

/** Shows the admitted / already-passed card for answer `r` (card number `seq`); `frame`: the camera's snapshot, if any. */
export async function renderAdmitted(r: Admitted, frame: Blob | null, seq: number): Promise<void> {
  const s = r.student;
  const manualPass = r.status === 'ok' && r.pass.source === 'manual';
  // «Допустить» on a not-registered / wrong-room card: the operator's decision, with its reason.
  const overridden = r.status === 'ok' && r.pass.source === 'override';
  const verified = r.mode === 'verify';
  const firstTime = r.status === 'already_passed' ? r.first_pass_time : r.pass.time;
  if (overridden) show('ok', 'Допущен на экзамен оператором', 'Студент не был записан на этот экзамен: проход записан с причиной', true);
  else if (r.status === 'ok')
    show(
      'ok',
      manualPass ? 'Пропущен вручную' : 'Проход разрешён',
      manualPass ? 'Проход записан оператором после проверки документов' : verified ? 'Лицо совпадает с фото студента по зачётке' : null,
      true,
    );
  else {
    show(
      'already',
      // Within a sitting the rule is one pass per exam, not per day.
      r.sitting ? 'Студент уже прошёл на этот экзамен' : 'Студент уже проходил сегодня',
      `Первый проход${r.sitting ? '' : ' сегодня'} в ${firstTime}${passOrigin(r.pass) ? ` (${passOrigin(r.pass)})` : ''}. Повторный проход не записан`,
      true,
    );
    // What to do, as on the refusal cards: the face matched someone who is already in.
    addToCard(el('div', 'Сверьте документ: тот же студент — отмечать снова не нужно; другой человек — не пускайте', 'result-todo'));
  }
  addExamLine(r.sitting);
  const quality = r.match_quality ? QUALITY[r.match_quality] : undefined;
  if (quality && r.status === 'ok') addToCard(el('div', quality.text, `quality ${quality.cls}`));
  // «Already passed» says its time in the hint above: not twice.
  const extra = r.status === 'ok' ? [field('Время прохода', r.pass.time)] : [];
  if ((manualPass || overridden) && r.pass.reason) extra.push(field('Причина', r.pass.reason));
  const { photo } = addStudent(s, seq, frame, 'Снимок с камеры', extra);
  // A verified admission (the card checked 1:1, or documents by hand) can teach the camera this face: a new frame, checked 1:1.
  if (r.status === 'ok' && r.add_face_ticket && !s.photo_problem) offerAddFace(s.id, r.add_face_ticket, seq);
  await photo;
}
