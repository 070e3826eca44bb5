// Text that crosses a spreadsheet boundary: bidi and other control characters stripped on the way in, formula triggers
// defused on the way out.

/** Unicode bidi controls: embeddings/overrides U+202A–U+202E, isolates U+2066–U+2069, marks U+200E, U+200F, U+061C. */
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** Removes bidi control characters (a U+202E in a name would show it reversed on every page). */
export function stripBidi(s: string): string {
  return s.replace(BIDI, '');
}

/**
 * C0 and C1 control characters except tab, line feed and carriage return (a cell's own line breaks separate
 * list entries), DEL, the zero-width space and the byte-order mark: never meant as text, and invisible, so two
 * cells that look the same (a room «101» and «101» + U+200B) would name different things.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\uFEFF]/g;

/** Removes control characters (NUL included), invisible marks and bidi controls from text read from a sheet. */
export function stripControls(s: string): string {
  return stripBidi(s).replace(CONTROL, '');
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
