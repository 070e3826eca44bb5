// The audit log's writing side: who may act (actor kinds), what they did (action codes), and the one function that
// appends a row — inside the caller's transaction, or right after the change with one retry and, if the database
// still refuses, the whole row in the server log (never silently lost). No route updates or deletes a row.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LoadSummary } from '../students/loader.js';
import type { ScheduleSummary } from '../schedule/loader.js';

/** admin token; the shared station token; a paired station (its id and name); the daily sweep; a command on the server. */
export const ACTOR_KINDS = ['admin', 'station', 'paired', 'system', 'cli'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export const ACTOR_LABELS: Record<ActorKind, string> = {
  admin: 'Администратор',
  station: 'Пункт (общий токен)',
  paired: 'Пункт пропуска',
  system: 'Система',
  cli: 'Команда на сервере',
};

/** Every action the log knows, with its Russian name (the admin page and the export show it). */
export const ACTION_LABELS = {
  'students.load': 'Загрузка таблицы студентов',
  'schedule.load': 'Загрузка расписания',
  'pass.manual': 'Ручной пропуск',
  'pass.override': 'Допуск оператором («Допустить»)',
  'pass.cancel': 'Отмена прохода',
  'face.add': 'Добавлен снимок к фото студента',
  'face.remove': 'Удалён добавленный снимок',
  'student.photo': 'Фото студента загружено администратором',
  erase: 'Удаление студентов',
  'retention.sweep': 'Очистка по срокам хранения',
  'station.pair': 'Подключён пункт пропуска',
  'station.update': 'Пункт переименован или перенесён',
  'station.relink': 'Новая ссылка пункта (старый токен отключён)',
  'station.revoke': 'Пункт отключён',
  'tokens.rotate': 'Новые токены (npm run tokens)',
} as const;
export type AuditAction = keyof typeof ACTION_LABELS;
export const AUDIT_ACTIONS = Object.keys(ACTION_LABELS) as AuditAction[];

export interface Actor {
  kind: ActorKind;
  /** The paired station (kind `paired`). */
  stationId: number | null;
  /** The paired station's name; the command with `cli`. */
  name: string | null;
  /** The client address; null for `system` and `cli`. */
  ip: string | null;
}

export const SYSTEM: Actor = { kind: 'system', stationId: null, name: null, ip: null };
export const cliActor = (command: string): Actor => ({ kind: 'cli', stationId: null, name: command, ip: null });

/** A short detail: counts, flags, ids, codes. Never a face, a passport number, a date of birth, a name or free text typed by a person. */
export type AuditDetail = Record<string, string | number | boolean | null | undefined>;

export interface AuditEntry {
  action: AuditAction;
  /** Ids of whom or what, e.g. `student:12`, `pass:40 student:12` (at most 200 characters). */
  target?: string | null;
  detail?: AuditDetail;
}

/** The stored detail's largest size (characters of JSON). */
export const DETAIL_MAX = 1000;
const TARGET_MAX = 200;
/** Keys that would carry what the log must never hold, whatever a caller passes. */
const FORBIDDEN_KEY = /passport|birth|photo_bytes|image|embedding|descriptor|face_bytes|frame_bytes|lastname|firstname/i;

/** The detail as stored: forbidden keys and objects (bytes, nested data) dropped, strings cut to 100 characters, keys dropped from the end past DETAIL_MAX. */
export function detailJson(detail: AuditDetail | undefined): string | null {
  if (!detail) return null;
  const kept: Record<string, unknown> = {};
  let size = 2;
  let cut = false;
  for (const [key, value] of Object.entries(detail)) {
    if (value === undefined || FORBIDDEN_KEY.test(key) || (typeof value === 'object' && value !== null)) continue;
    const v = typeof value === 'string' ? value.slice(0, 100) : value;
    const piece = JSON.stringify({ [key]: v }).length - 1;
    if (size + piece > DETAIL_MAX - 20) {
      cut = true;
      continue;
    }
    kept[key] = v;
    size += piece;
  }
  if (cut) kept.truncated = true;
  return Object.keys(kept).length > 0 ? JSON.stringify(kept) : null;
}

/** The row as inserted (server time `at`). */
export function auditRow(actor: Actor, entry: AuditEntry, at: Date) {
  return {
    at: at.toISOString(),
    actor_kind: actor.kind,
    station_id: actor.kind === 'paired' ? actor.stationId : null,
    actor_name: actor.name === null ? null : actor.name.slice(0, 100),
    ip: actor.ip === null ? null : actor.ip.slice(0, 64),
    action: entry.action,
    target: entry.target ? entry.target.slice(0, TARGET_MAX) : null,
    detail: detailJson(entry.detail),
  };
}
export type AuditInsert = ReturnType<typeof auditRow>;

/** Appends one row with `db` — a transaction's handle when the change is in one (then it commits or rolls back with it). */
export async function writeAudit(db: Kysely<Database>, actor: Actor, entry: AuditEntry, at: Date): Promise<void> {
  await db
    .insertInto('audit_log')
    .values(auditRow(actor, entry, at))
    .execute();
}

/**
 * Appends one row right after a change that is already committed: one retry; if the database still refuses, `lost`
 * gets the row (the server writes it to its log at level error, so the record survives in the log).
 */
export async function appendAudit(
  db: Kysely<Database>,
  actor: Actor,
  entry: AuditEntry,
  at: Date,
  lost: (row: AuditInsert, error: unknown) => void,
): Promise<void> {
  const row = auditRow(actor, entry, at);
  for (let attempt = 0; ; attempt++) {
    try {
      await db.insertInto('audit_log').values(row).execute();
      return;
    } catch (e) {
      if (attempt >= 1) {
        lost(row, e);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A student sheet load (HTTP or `npm run load`): the load's id and its counts. */
export function studentsLoadEntry(s: LoadSummary, force: boolean): AuditEntry {
  return {
    action: 'students.load',
    target: s.load_id === undefined ? null : `load:${s.load_id}`,
    detail: {
      file: s.file,
      total_rows: s.total_rows,
      added: s.added,
      updated: s.updated,
      skipped: s.skipped,
      failed: s.failed,
      without_photo: s.without_photo,
      interrupted: s.interrupted,
      force,
    },
  };
}

/** A schedule import (HTTP or `npm run load-schedule`): its counts. */
export function scheduleLoadEntry(s: ScheduleSummary): AuditEntry {
  return {
    action: 'schedule.load',
    detail: {
      // The file's name is whatever the admin's computer called it (it may name a person): not in the log.
      total_rows: s.total_rows,
      added: s.added,
      updated: s.updated,
      unchanged: s.unchanged,
      failed: s.failed,
      skipped: s.skipped,
      sittings: s.sittings,
      registrations: s.registrations,
    },
  };
}

/** A command's audit row (`npm run load`, `load-schedule`, `tokens`): no request log to fall back on, so stderr gets a lost row. */
export function appendCliAudit(db: Kysely<Database>, command: string, entry: AuditEntry): Promise<void> {
  return appendAudit(db, cliActor(command), entry, new Date(), (row, error) =>
    process.stderr.write(
      `Журнал действий: запись не сохранена / audit row not written (${error instanceof Error ? error.message : String(error)}): ${JSON.stringify(row)}\n`,
    ),
  );
}
