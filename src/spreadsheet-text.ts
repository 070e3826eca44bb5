// Text that crosses a spreadsheet boundary: bidi controls stripped on the way in, formula triggers
// defused on the way out.

/** Unicode bidi controls: embeddings/overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E, U+200F, U+061C. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** Removes bidi control characters (a U+202E in a name would show it reversed on every page). */
export function stripBidi(s: string): string {
  return s.replace(BIDI, '');
}

/** A cell starting with one of these becomes a live formula once edited in Excel or saved as CSV (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * User-supplied text for a report cell: a leading `=`, `+`, `-`, `@`, tab or carriage return gets a
 * single quote in front (OWASP's advice), so the cell stays text. Numbers and dates written by the
 * server itself must not go through here.
 */
export function safeCellText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' && FORMULA_START.test(s) ? `'${s}` : s) as T;
}
