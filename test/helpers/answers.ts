// The HTTP answers as the tests read them (`res.json<T>()`): what a test checks is typed, so a misspelt field
// is a compile error rather than an `undefined` compared at run time. Where the server answers a union (a pass,
// «not found» or an error), the fields are flattened: the test's own assertions say which shape came back.
import type { AddedPhoto, ErrorBody, FoundStudent, PassView, PublicPass, PublicStudent, StudentCard } from '../../src/contract/shapes.js';
import type { AddedFace } from '../../src/students/added-faces.js';
import type { LoadSummary, LookalikeReport, RowReport } from '../../src/students/loader.js';

/** An error answer; recognition's refusals (no face, several faces…) also carry `status`. */
export type ErrorJson = ErrorBody;

/** A student as the station sees it. Never the passport number or the date of birth (typed so that tests can check). */
export type StudentJson = PublicStudent & NoSecrets;
/** Fields no answer to a station may carry (typed so that a test can check they are absent). */
type NoSecrets = { passport_number?: never; date_of_birth?: never };

/** A pass; admin views (the student card, a cancel) add whether and why it was cancelled. */
export type PassJson = PublicPass & Partial<Pick<PassView, 'cancelled' | 'cancel_reason' | 'cancelled_by'>>;

/** POST /api/recognize and POST /api/passes: ok / already_passed (with student and pass), not_found, or an error. */
export interface PassAnswerJson extends Partial<ErrorJson> {
  status: string;
  message: string;
  student: StudentJson;
  pass: PassJson;
  distance: number | null;
  match_quality: 'reliable' | 'borderline' | null;
  first_pass_time?: string;
  /** identify / verify / roster (recognize), manual (POST /api/passes). */
  mode?: string;
  /** After a verified card or a manual pass: the right to add the next frame. */
  add_face_ticket?: string;
  /** The exam sitting the pass is for (null under the day rule). */
  sitting?: { id: number; exam: string; room: string } | null;
}

/** GET /api/students?q= */
export interface StudentSearchJson {
  total: number;
  students: (FoundStudent & NoSecrets)[];
}

/** GET /admin/students/:id */
export type StudentCardJson = Omit<StudentCard, 'student'> & { student: StudentJson };

/** POST /admin/passes/:id/cancel */
export interface CancelJson {
  pass: PassView;
  removed_photos: number;
}

/** POST /api/students/:id/faces */
export interface AddedFaceJson {
  face: AddedFace & { distance_to_own: number };
}

/** GET /admin/student-faces */
export interface AddedFacesJson {
  total: number;
  photos: (AddedPhoto & { student_name: string; matricula: string | null })[];
}

/** POST /admin/load_excel: the summary with `rows` cut short. */
export type LoadJson = LoadSummary & { rows_total: number; rows_truncated: boolean; rows_url: string };

/** GET /admin/load_rows */
export interface LoadRowsJson {
  file: string;
  finished_at: string;
  total_rows: number;
  by_reason: Record<string, number>;
  rows: RowReport[];
}

/** GET /admin/load_status (the fields the tests read). */
export interface LoadStatusJson {
  running: boolean;
  index_size: number;
  last_load_at: string;
  last_load_local: string;
  lookalike_students: number;
}

/** GET /admin/lookalikes */
export interface LookalikesJson {
  total: number;
  pairs: LookalikeReport[];
}

/** GET /api/health (the fields the tests read). */
export interface HealthJson {
  face_model: { id: string };
  match_threshold: number;
}
