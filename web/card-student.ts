// The student on a result card: the enrolled photo beside the camera frame, name and ids — on the admitted
// card and on the amber cards of a refused sitting alike.
import type { PublicStudent } from '../dist/contract/shapes.js';
import { el, protectedImage } from './common.js';
import { addToCard, isCurrent, keepUrl } from './result-card.js';
import { settings } from './station.js';

/** A student on a card: as a recognition or a manual pass answers (contract/shapes.ts), or as the search found them
 *  (no masked passport there). */
export type Student = Omit<PublicStudent, 'passport_masked'> & Partial<Pick<PublicStudent, 'passport_masked'>>;

/** A «label value» row of the card's fields. */
export function field(label: string, value: string | null, cls?: string): HTMLElement {
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

/**
 * Appends student `s` to card `seq`: photos (with `frame`, the camera's snapshot, under `frameCaption`), name, group and ids,
 * then `extra` fields. Returns at once; the promise it gives settles when the enrolled photo is on the card (or not needed).
 */
export function addStudent(s: Student, seq: number, frame: Blob | null, frameCaption = 'Снимок с камеры', extra: HTMLElement[] = []): { photo: Promise<void> } {
  const body = el('div', null, 'student');
  const photos = el('div', null, 'photos');
  const enrolled = figure('Фото из базы');
  if (s.photo_problem) {
    // Nothing to compare with: a plain «Без фото» box in its place, so the operator does not wait for a picture.
    enrolled.img.remove();
    enrolled.fig.classList.add('no-photo');
    enrolled.fig.prepend(el('div', 'Без фото — сверьте документы', 'no-photo-box'));
  }
  photos.append(enrolled.fig);
  if (frame) {
    const live = figure(frameCaption);
    const url = URL.createObjectURL(frame);
    keepUrl(url);
    live.img.src = url;
    photos.append(live.fig);
  }
  const info = el('div', null, 'info');
  const fields = el('div', null, 'fields');
  fields.append(field('Группа', s.group), field('Matricula (зачётка)', s.matricula), field('Идентификатор', s.identifier));
  if (s.passport_masked) fields.append(field('Паспорт', s.passport_masked));
  fields.append(...extra);
  info.append(el('div', `${s.lastname} ${s.firstname}`, 'name'), el('div', s.lotin, 'lotin'), fields);
  body.append(photos, info);
  addToCard(body);
  return { photo: s.photo_problem ? Promise.resolve() : showEnrolled(enrolled.img, s, seq) };
}

async function showEnrolled(img: HTMLImageElement, s: Student, seq: number): Promise<void> {
  const url = await protectedImage(s.photo_url, settings().token);
  if (!url) return;
  if (!isCurrent(seq)) return URL.revokeObjectURL(url); // a newer card is on screen
  keepUrl(url);
  img.src = url;
}
