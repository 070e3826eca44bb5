// The shapes of a student-sheet load's outcome: one row's report, the summary, the actions it asks of the office, progress.

/** `no_photo`: the student is stored, but without a face (the camera cannot name them; a manual pass can). */
export type RowStatus = 'skipped' | 'failed' | 'warning' | 'no_photo';

export interface RowReport {
  row: number;
  matricula: string | null;
  status: RowStatus;
  /** skipped: exists, duplicate | failed: missing_id, missing_name, conflict | no_photo (stored without a face) or warning
   *  (a student who keeps the face they had): no_file_path, file_not_found, path_outside_docs, bad_image, image_too_large,
   *  image_too_small, no_face, face_too_small, face_unclear, two_faces, poor_photo (ENROL_QUALITY=refuse) | warning:
   *  bad_date, bad_cell (an optional cell dropped), multiple_faces, poor_photo, similar_face (a look-alike: see
   *  `lookalikes`), duplicate_passport */
  reason: string;
  message: string;
}

export interface LoadSummary {
  file: string;
  /** The load's record (table loads): its students are erased as a cohort by it. */
  load_id?: number;
  total_rows: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
  warnings: number;
  /** Students of this file stored (or left) without a face: the camera cannot name them, a manual pass can. */
  without_photo: number;
  /** What needs the office's action, by kind, most important first: students without photo, then the warnings, each with advice. */
  actions: LoadAction[];
  interrupted: boolean;
  duration_ms: number;
  /** Rows that went to the photo stage (not skipped, not refused by the sheet check): the speed is measured over these. */
  processed_rows: number;
  /** Of them, photos read and given to the face engine. */
  photos_described: number;
  /** Photos described per second of photo work (0 when nothing needed it, e.g. a re-run that skips every row). */
  photos_per_second: number;
  index_size: number;
  rows: RowReport[];
  /** How many rows ended with each reason (all of them, also where `rows` is cut short for HTTP). */
  by_reason: Record<string, number>;
  /** Each reason of `by_reason` in Russian (the page and the CLI say it in these words). */
  reason_text: Record<string, string>;
  /** Pairs of enrolled students (at least one loaded now) the camera cannot tell apart: neither is named until a better photo is loaded (the nearest MAX_LISTED_PAIRS). */
  lookalikes: LookalikeReport[];
  lookalikes_total: number;
  /** Set when not one photo of the sheet was found: the layout expected, what is there, a few File path values (Russian). */
  hint?: string;
}

export interface LookalikeReport {
  distance: number;
  students: { id: number; row: number | null; matricula: string | null; name: string; photo_url: string }[];
}

export interface LoadProgress {
  done: number;
  total: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows that need photo work (known once the sheet is checked; 0 before) and how many of them are finished: the speed is theirs. */
  queued: number;
  processed: number;
}

export interface LoadLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** One kind of row that needs the office: how many, in words, the advice, and the first rows. */
export interface LoadAction {
  reason: string;
  status: RowReport['status'];
  count: number;
  text: string;
  advice: string | null;
  /** The first row numbers (up to 20). */
  rows: number[];
}
