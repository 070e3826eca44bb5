// The HTTP answers as the tests read them (`res.json<T>()`): what a test checks is typed, so a misspelt field
// is a compile error rather than an `undefined` compared at run time. Where the server answers a union (a pass,
// «not found» or an error), the fields are flattened: the test's own assertions say which shape came back.
import type { AddedFace } from '../../src/students/added-faces.js';
import type { LoadSummary, LookalikeReport, RowReport } from '../../src/students/loader.js';

/** An error answer; recognition's refusals (no face, several faces…) also carry `status`. */
export interface ErrorJson {
  error: string;
  message: string;
  status?: string;
}

/** A student as the station sees it. Never the passport number or the date of birth (typed so that tests can check). */
export interface StudentJson {
  id: number;
  matricula: string | null;
  lastname: string;
  firstname: string;
  lotin: string | null;
  group: string | null;
  identifier: string | null;
  passport_masked: string | null;
  photo_url: string;
  /** Stored «без фото»: why (null with a photo). */
  photo_problem: string | null;
  passport_number?: never;
  date_of_birth?: never;
}

export interface PassJson {
  id: number;
  timestamp: string;
  date: string;
  time: string;
  source: string;
  station: string | null;
  reason: string | null;
  /** Admin views (student card, cancel). */
  cancelled?: boolean;
  cancel_reason?: string | null;
  cancelled_by?: string | null;
}

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
  students: (StudentJson & { passed_today: string | null })[];
}

/** GET /admin/students/:id */
export interface StudentCardJson {
  student: StudentJson;
  passes: (PassJson & { cancelled: boolean; source_label: string })[];
  added_photos: AddedFace[];
}

/** POST /admin/passes/:id/cancel */
export interface CancelJson {
  pass: PassJson;
  removed_photos: number;
}

/** POST /api/students/:id/faces */
export interface AddedFaceJson {
  face: AddedFace & { distance_to_own: number };
}

/** GET /admin/student-faces */
export interface AddedFacesJson {
  total: number;
  photos: (AddedFace & {
    client: string | null;
    distance: number | null;
    pass_id: number | null;
    in_index: boolean;
    student_name: string;
    matricula: string | null;
  })[];
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
