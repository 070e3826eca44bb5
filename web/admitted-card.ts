// The green (admitted) or amber (already passed today) card: who it is, the enrolled photo, the camera frame.
import { el, protectedImage, SOURCE_LABELS } from './common.js';
import { offerAddFace } from './add-frame.js';
import { addToCard, isCurrent, keepUrl, show } from './result-card.js';
import { settings } from './station.js';

export interface Student {
  id: number;
  matricula: string | null;
  lastname: string;
  firstname: string;
  lotin: string | null;
  group: string | null;
  identifier: string | null;
  photo_url: string;
  passport_masked?: string | null;
}
interface Pass {
  id: number;
  date: string;
  time: string;
  station: string | null;
  source?: string;
  reason?: string | null;
}
type MatchQuality = 'reliable' | 'borderline' | null;
export type Admitted = {
  status: 'ok' | 'already_passed';
  message: string;
  student: Student;
  pass: Pass;
  first_pass_time?: string;
  distance: number | null;
  match_quality?: MatchQuality;
};

/** The operator's reading of the match (the distance itself stays in the audit log and on the admin page). */
const QUALITY: Record<string, { text: string; cls: string }> = {
  reliable: { text: 'совпадение: надёжное', cls: 'quality-reliable' },
  borderline: { text: 'совпадение: на границе — сверьте с документом', cls: 'quality-borderline' },
};

function field(label: string, value: string | null, cls?: string): HTMLElement {
  const row = el('div', null, `field${cls ? ` ${cls}` : ''}`);
  row.append(el('span', label, 'field-label'), el('span', value ?? '—', 'field-value'));
  return row;
}

function figure(caption: string): { fig: HTMLElement; img: HTMLImageElement } {
  const fig = el('figure');
  const img = el('img');
  img.alt = caption;
  fig.append(img, el('figcaption', caption));
  return { fig, img };
}

/** «камера, Ауд. 204» — how and where the pass was recorded. */
function passOrigin(p: Pass): string {
  return [p.source ? (SOURCE_LABELS[p.source] ?? p.source) : null, p.station].filter(Boolean).join(', ');
}

/** Shows the admitted / already-passed card for answer `r` (card number `seq`); `frame`: the camera's snapshot, if any. */
export async function renderAdmitted(r: Admitted, frame: Blob | null, seq: number): Promise<void> {
  const s = r.student;
  const manualPass = r.status === 'ok' && r.pass.source === 'manual';
  const firstTime = r.first_pass_time ?? r.pass.time;
  if (r.status === 'ok')
    show('ok', manualPass ? 'Пропущен вручную' : 'Проход разрешён', manualPass ? 'Проход записан оператором после проверки документов' : null, true);
  else
    show(
      'already',
      'Студент уже проходил сегодня',
      `Первый проход сегодня в ${firstTime}${passOrigin(r.pass) ? ` (${passOrigin(r.pass)})` : ''}. Повторный проход не записан`,
      true,
    );
  const quality = r.match_quality ? QUALITY[r.match_quality] : undefined;
  if (quality && r.status === 'ok') addToCard(el('div', quality.text, `quality ${quality.cls}`));
  const body = el('div', null, 'student');
  const photos = el('div', null, 'photos');
  const enrolled = figure('Фото из базы');
  photos.append(enrolled.fig);
  if (frame) {
    const live = figure(manualPass ? 'Снимок, который камера не узнала' : 'Снимок с камеры');
    const url = URL.createObjectURL(frame);
    keepUrl(url);
    live.img.src = url;
    photos.append(live.fig);
  }
  const info = el('div', null, 'info');
  const fields = el('div', null, 'fields');
  fields.append(field('Группа', s.group), field('Matricula (зачётка)', s.matricula), field('Идентификатор', s.identifier));
  if (s.passport_masked) fields.append(field('Паспорт', s.passport_masked));
  // «Already passed» says its time in the hint above: not twice.
  if (r.status === 'ok') fields.append(field('Время прохода', r.pass.time));
  if (manualPass && r.pass.reason) fields.append(field('Причина', r.pass.reason));
  info.append(el('div', `${s.lastname} ${s.firstname}`, 'name'), el('div', s.lotin, 'lotin'), fields);
  body.append(photos, info);
  addToCard(body);
  // A verified admission (by documents, or a borderline match the operator checked) can teach the camera this face.
  if (r.status === 'ok' && (manualPass || r.match_quality === 'borderline')) offerAddFace(s.id, frame, seq);
  const url = await protectedImage(s.photo_url, settings().token);
  if (!url) return;
  if (!isCurrent(seq)) return URL.revokeObjectURL(url); // a newer card is on screen
  keepUrl(url);
  enrolled.img.src = url;
}
