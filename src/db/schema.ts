// Table types (the seed's models): students, their enrolled photos, passes and recognition attempts.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Timestamps are written as ISO-8601 UTC strings; PostgreSQL reads them back as Date, SQLite as text. */
export type Timestamp = ColumnType<Date | string, string, string>;

export interface StudentsTable {
  id: Generated<number>;
  /** Identifiers and passport numbers are text so leading zeros survive. */
  matricula: string | null;
  lastname: string;
  firstname: string;
  lotin: string | null;
  short: string | null;
  group: string | null;
  /** The sheet's `Идентификатор` column. */
  identifier: string | null;
  /** ISO date `YYYY-MM-DD`. */
  date_of_birth: string | null;
  passport_number: string | null;
  file_path: string | null;
  /** Lower-cased lastname, firstname, lotin, group, matricula, identifier (migration 0002). */
  search_text: Generated<string>;
  /** The model's descriptor as little-endian float32 values (128 for face-api's, 512 for ArcFace-layout models). */
  embedding: Uint8Array;
  /** Id of the model that made `embedding` (face/models.ts); never compared with another model's. */
  embedding_model: Generated<string>;
  /** JSON: the enrolment photo's FaceQuality and the gate's issues (face/quality.ts), if measured. */
  face_quality: string | null;
  /** Detector confidence of the enrolled face, 0..1. */
  face_score: number;
  /** Width of the enrolled face box in the photo's pixels. */
  face_width: number;
  /**
   * Why the student has no face to recognise (migration 0008): the sheet's photo was missing or unusable. Set
   * together with `embedding_model` 'none' and an empty embedding; null once a usable photo is enrolled.
   */
  photo_problem: string | null;
  /** The load that first stored the student (migration 0010): a finished cohort is erased by it. */
  load_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The enrolled photo, kept apart from `students` so that loading the index never reads images. */
export interface StudentPhotosTable {
  student_id: number;
  mime: string;
  /** What the operator sees: upright JPEG, at most 360 px. */
  data: Uint8Array;
  /** The photo as loaded (re-encoded only above 1.5 MB or 2048 px): re-described after a model switch. */
  source: Uint8Array | null;
}

/**
 * Pairs of enrolled students whose photos are closer than the match rule can tell apart (the roster
 * look-alike audit): neither is named by the camera until a better photo is loaded. Stored once per
 * pair, student_id < other_id, for the model that measured them.
 */
export interface LookalikesTable {
  student_id: number;
  other_id: number;
  distance: number;
  model: string;
}

export interface PassesTable {
  id: Generated<number>;
  student_id: number;
  /** UTC instant of the pass. */
  timestamp: Timestamp;
  /** The exam centre's local date `YYYY-MM-DD`; unique with student_id: one first pass a day. */
  pass_date: string;
  /** `camera` (checkpoint page) or `web` (upload / API). */
  source: string;
  station: string | null;
  distance: number | null;
  /** Why the operator admitted the student by hand (`manual` passes), if given. */
  reason: string | null;
  /** Set when the pass was cancelled (kept for the audit; no longer the day's first pass, not in the report). */
  cancelled_at: Timestamp | null;
  cancel_reason: string | null;
  /** Who cancelled it (`admin`). */
  cancelled_by: string | null;
  /** The exam sitting the pass was made for (migration 0005); null: a pass under the day rule. */
  sitting_id: number | null;
  /** The paired station that made it (migration 0007); null: the shared station token, the admin or a script. */
  station_id: number | null;
  /** That station's room when the pass was made (null: none set). */
  station_room: string | null;
}

/** A paired door (migration 0007): its own token (stored as a hash), a name and a room set by the admin. */
export interface StationsTable {
  id: Generated<number>;
  name: string;
  room: string | null;
  token_hash: string;
  created_at: Timestamp;
  last_seen_at: Timestamp | null;
  last_address: string | null;
  revoked_at: Timestamp | null;
}

/** One exam sitting of the schedule (migration 0005): exam, room, local date and times, the same as UTC instants. */
export interface SittingsTable {
  id: Generated<number>;
  exam: string;
  room: string;
  /** Local date `YYYY-MM-DD` and wall-clock `HH:MM` times in TIMEZONE. */
  sitting_date: string;
  start_time: string;
  end_time: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Who may sit a sitting. */
export interface SittingStudentsTable {
  sitting_id: number;
  student_id: number;
}

/** Extra enrolment photos of a student, added after the operator checked documents (migration 0004). */
export interface StudentFacesTable {
  id: Generated<number>;
  student_id: number;
  embedding: Uint8Array;
  embedding_model: string;
  /** The face as the operator sees it: upright JPEG, at most 360 px. */
  photo: Uint8Array;
  /** The frame as captured (to re-describe it after a model switch). */
  source: Uint8Array | null;
  face_quality: string | null;
  added_at: Timestamp;
  /** The station that added it. */
  added_by: string | null;
  /** The pass (a verified 1:1 match or a manual pass) it was added after: one photo per pass; cancelling the pass removes it. */
  pass_id: number | null;
  /** The client address that sent it (migration 0006). */
  client: string | null;
  /** Its distance to the student's enrolled face when it was added (within the 1:1 threshold). */
  distance: number | null;
  /** The paired station that added it (migration 0007). */
  station_id: number | null;
}

/** Audit log: every recognition attempt, whatever its outcome (never the image). */
export interface AttemptsTable {
  id: Generated<number>;
  timestamp: Timestamp;
  status: string;
  student_id: number | null;
  distance: number | null;
  second_distance: number | null;
  faces: number | null;
  source: string | null;
  station: string | null;
  duration_ms: number | null;
  /** The station's room and its current sitting, if any (migration 0005). */
  room: string | null;
  sitting_id: number | null;
  /** How the student was sought (migration 0006): `identify` (1:N), `verify` (a card's Matricula, 1:1), `roster` (the sitting's roster). */
  mode: string | null;
  /** With `verify`: the student the card claimed (student_id is set only when the face matched). */
  claimed_student_id: number | null;
  /** The paired station that asked (migration 0007). */
  station_id: number | null;
}

/** Small key/value table for cross-instance state (e.g. the face index generation). */
export interface MetaTable {
  key: string;
  value: string;
}

/** One load of the student sheet (migration 0010): HTTP or `npm run load`. */
export interface LoadsTable {
  id: Generated<number>;
  file: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  added: number | null;
  updated: number | null;
}

/** Passes of erased students kept as anonymous counts (ERASE_PASSES=counts): no student, only the day, sitting and source. */
export interface ErasedPassesTable {
  id: Generated<number>;
  pass_date: string;
  sitting_id: number | null;
  source: string;
  n: number;
  erased_at: Timestamp;
}

/**
 * The audit log (migration 0011): append-only, one row per action that changed data (src/audit/log.ts). Never a face,
 * a passport number or a date of birth; students by id, not by name.
 */
export interface AuditLogTable {
  id: Generated<number>;
  /** Server time of the action (UTC). */
  at: Timestamp;
  /** `admin`, `station` (the shared station token), `paired` (a paired station), `system` (the daily sweep), `cli` (a command on the server). */
  actor_kind: string;
  /** The paired station (with `paired`). */
  station_id: number | null;
  /** The paired station's name at the time; the command's name with `cli`. */
  actor_name: string | null;
  /** The client address (TRUST_PROXY: the real client behind the proxy); null for `system` and `cli`. */
  ip: string | null;
  /** What was done: an action code (audit/log.ts AUDIT_ACTIONS). */
  action: string;
  /** Whom or what: ids, e.g. `student:12`, `pass:40 student:12`, `station:3`, `group:ЭК-22`. */
  target: string | null;
  /** A short JSON object (counts, flags; at most 1000 characters). */
  detail: string | null;
}

export interface Database {
  students: StudentsTable;
  student_photos: StudentPhotosTable;
  lookalikes: LookalikesTable;
  passes: PassesTable;
  student_faces: StudentFacesTable;
  attempts: AttemptsTable;
  meta: MetaTable;
  sittings: SittingsTable;
  sitting_students: SittingStudentsTable;
  stations: StationsTable;
  loads: LoadsTable;
  erased_passes: ErasedPassesTable;
  audit_log: AuditLogTable;
}

export type StudentRow = Selectable<StudentsTable>;
/** The sheet's ten columns as stored (identifiers as text, date of birth as ISO text). */
export type StudentFields = Pick<
  StudentRow,
  'matricula' | 'lastname' | 'firstname' | 'lotin' | 'short' | 'group' | 'identifier' | 'date_of_birth' | 'passport_number' | 'file_path'
>;
/** Who a student is, as lists and the report show it. */
export type StudentSummary = Pick<StudentRow, 'matricula' | 'lastname' | 'firstname' | 'lotin' | 'group' | 'identifier'>;
export type NewStudent = Insertable<StudentsTable>;
export type StudentUpdate = Updateable<StudentsTable>;
export type PassRow = Selectable<PassesTable>;
export type NewPass = Insertable<PassesTable>;
export type StudentFaceRow = Selectable<StudentFacesTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type NewAttempt = Insertable<AttemptsTable>;
export type SittingRow = Selectable<SittingsTable>;
export type StationRow = Selectable<StationsTable>;
export type AuditRow = Selectable<AuditLogTable>;
