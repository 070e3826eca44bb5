// Reading the audit log for the admin: filters (action, actor kind, paired station, local dates, text in the target),
// newest first, paged; each row as the page, the API and the export show it (local time, Russian labels).
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { AuditRow } from '../db/schema.js';
import { localInstant } from '../schedule/time.js';
import { localDate, localTime } from '../time.js';
import { ACTION_LABELS, ACTOR_LABELS, type ActorKind, type AuditAction } from './log.js';

export interface AuditFilter {
  action?: AuditAction;
  actor?: ActorKind;
  stationId?: number;
  /** Local dates (TIMEZONE) `YYYY-MM-DD`, both included. */
  from?: string;
  to?: string;
  /** Text in the target (`student:12`, `station:3`, a group's name); Latin letters in any case (PostgreSQL: any letters). */
  q?: string;
}

export type DetailValue = string | number | boolean | null;

export interface AuditView {
  id: number;
  /** ISO 8601 UTC. */
  at: string;
  /** The exam centre's clock: `YYYY-MM-DD HH:MM:SS`. */
  time: string;
  actor_kind: string;
  actor_label: string;
  station_id: number | null;
  actor_name: string | null;
  ip: string | null;
  action: string;
  action_label: string;
  target: string | null;
  detail: Record<string, DetailValue> | null;
}

/** The day after a `YYYY-MM-DD` date. */
function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** `%`, `_` and `\` of the admin's text match themselves. */
const likeText = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered(db: Db, f: AuditFilter, timeZone: string) {
  let q = db.selectFrom('audit_log');
  if (f.action) q = q.where('action', '=', f.action);
  if (f.actor) q = q.where('actor_kind', '=', f.actor);
  if (f.stationId !== undefined) q = q.where('station_id', '=', f.stationId);
  if (f.from) q = q.where('at', '>=', localInstant(f.from, '00:00', timeZone).toISOString());
  if (f.to) q = q.where('at', '<', localInstant(nextDay(f.to), '00:00', timeZone).toISOString());
  if (f.q) q = q.where(sql<string>`lower(coalesce(target, ''))`, 'like', sql<string>`lower(${likeText(f.q)}) escape '\\'`);
  return q;
}

function parseDetail(s: string | null): Record<string, DetailValue> | null {
  if (s === null) return null;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, DetailValue>) : null;
  } catch {
    return null;
  }
}

export function auditView(r: AuditRow, timeZone: string): AuditView {
  const at = new Date(r.at);
  return {
    id: r.id,
    at: at.toISOString(),
    time: `${localDate(at, timeZone)} ${localTime(at, timeZone)}`,
    actor_kind: r.actor_kind,
    actor_label: ACTOR_LABELS[r.actor_kind as ActorKind] ?? r.actor_kind,
    station_id: r.station_id,
    actor_name: r.actor_name,
    ip: r.ip,
    action: r.action,
    action_label: ACTION_LABELS[r.action as AuditAction] ?? r.action,
    target: r.target,
    detail: parseDetail(r.detail),
  };
}

/** One page, newest first, and how many rows the filter matches. */
export async function listAudit(db: Db, f: AuditFilter, timeZone: string, limit: number, offset: number): Promise<{ total: number; entries: AuditView[] }> {
  const total = await filtered(db, f, timeZone)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await filtered(db, f, timeZone).selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
  return { total: Number(total.n), entries: rows.map((r) => auditView(r, timeZone)) };
}
