// What a station's manual search may ask and get: a name from 2 characters, a number whole or from 4 digits, at most 10 rows.
import { AppError } from '../errors.js';

/** Rows per station search: enough to pick the student in front of the door, too few to page through the roster. */
export const STATION_SEARCH_MAX = 10;

/** From this many digits a number matches the Matriculas and Идентификаторы that contain it; shorter: only a whole one. */
export const PARTIAL_NUMBER_DIGITS = 4;

/**
 * How the students table is searched: `text` — name, Lotin, group and both ids (the admin's search and a
 * station's name search); `number` — only Matricula and Идентификатор, equal to it or (`partial`) containing it.
 */
export type StudentMatch = { kind: 'text'; text: string } | { kind: 'number'; number: string; partial: boolean };

/**
 * A station's query as a match, or a 400. A query with a letter is a name (from 2 characters). One without
 * is a number from the card: a whole Matricula / Идентификатор of any length, and, from 4 digits, part of one
 * (a number typed as far as it goes). So the number on the card always finds its student, while the digit
 * prefixes «00», «01», … — the cheap way to walk the roster — find nobody.
 */
export function stationMatch(raw: string): StudentMatch {
  const q = raw.trim();
  if ([...q].length < 2) throw new AppError('bad_request', 'Введите хотя бы 2 символа для поиска');
  if (/\p{L}/u.test(q)) return { kind: 'text', text: q };
  return { kind: 'number', number: q, partial: (q.match(/\d/g) ?? []).length >= PARTIAL_NUMBER_DIGITS };
}
