// How long a schedule cell may be: a room or an exam name of thousands of characters cannot be picked at a
// station or read in a report, so such a row is refused (reason `cell_too_long`) instead of stored.

export const SCHEDULE_LIMITS = {
  /** Characters of an exam name, a room, one group, one Matricula. */
  exam: 200,
  room: 64,
  group: 64,
  matricula: 64,
  /** Entries of one row's lists (a whole faculty is a list of groups, not of 5,000 Matricula). */
  groupsPerRow: 50,
  matriculasPerRow: 2000,
  /** Characters of any cell before it is split: Excel itself stores no more in a cell. */
  cell: 32_767,
} as const;

/** The start of an over-long value, for the message. */
const preview = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** «Аудитория» longer than its limit → the row's message; undefined when it fits. */
export function tooLongText(column: string, value: string | undefined, max: number): string | undefined {
  if (value === undefined || value.length <= max) return undefined;
  return `слишком длинное значение в столбце «${column}»: ${value.length} символов, допустимо не больше ${max} («${preview(value)}»)`;
}

/** The first entry of a list longer than its limit, or a list with too many entries → the row's message. */
export function tooLongList(column: string, entries: string[], maxEach: number, maxCount: number): string | undefined {
  const long = entries.find((e) => e.length > maxEach);
  if (long !== undefined) return `слишком длинное значение в столбце «${column}»: «${preview(long)}» — ${long.length} символов, допустимо не больше ${maxEach}`;
  if (entries.length > maxCount) return `слишком много значений в столбце «${column}»: ${entries.length}, допустимо не больше ${maxCount} в одной строке`;
  return undefined;
}
