// The shapes of a schedule load's outcome: one row's report and the summary.

export type ScheduleRowStatus = 'failed' | 'skipped' | 'warning';

export interface ScheduleRowReport {
  /** 1-based row number as Excel shows it. */
  row: number;
  status: ScheduleRowStatus;
  /**
   * failed: missing_exam, missing_room, bad_date, bad_time, cell_too_long, no_students, unknown_group, unknown_matricula, overlap;
   * skipped: duplicate; warning (the row is loaded without them): unknown_group, unknown_matricula.
   */
  reason: string;
  message: string;
}

export interface ScheduleSummary {
  file: string;
  /** Non-empty data rows of the sheet. */
  total_rows: number;
  /** Sittings new to the database / found again by room and start and changed / found again as they were. */
  added: number;
  updated: number;
  unchanged: number;
  /** Rows not loaded (`failed`), repeats of an earlier row (`skipped`), rows loaded with a remark (`warnings`). */
  failed: number;
  skipped: number;
  warnings: number;
  /** Sittings of this file now in the database (added + updated + unchanged). */
  sittings: number;
  /** Registrations (student × sitting) of those sittings. */
  registrations: number;
  rows: ScheduleRowReport[];
  /** How many rows ended with each reason. */
  by_reason: Record<string, number>;
  /** Each reason of `by_reason` in Russian (the page says it in these words). */
  reason_text: Record<string, string>;
}
