// The retention rule (RETENTION_DAYS_*): recognition attempts, the full frames kept with photos added at the door,
// and passes older than their setting are deleted by a daily sweep; what the next sweep will delete can be shown
// before it runs. 0 days: kept for ever. The audit log has its own, long setting (RETENTION_DAYS_AUDIT); each sweep
// writes its own audit row (who: the system).
import type { Db } from '../db/index.js';
import { SYSTEM, writeAudit } from '../audit/log.js';

export interface RetentionPolicy {
  attemptsDays: number;
  addedFramesDays: number;
  passesDays: number;
  /** The audit log's own, long retention (RETENTION_DAYS_AUDIT; absent or 0: kept for ever). */
  auditDays?: number;
}

/** What one sweep removes (or would remove): attempts deleted, added photos' frames cleared, passes deleted. */
export interface RetentionCounts {
  attempts: number;
  added_frames: number;
  passes: number;
}

/** The instant before which a record of `days` is due (undefined: kept for ever). */
export function cutoff(now: Date, days: number): Date | undefined {
  return days > 0 ? new Date(now.getTime() - days * 86_400_000) : undefined;
}

/** How many records the sweep at `at` would remove. */
export async function retentionDue(db: Db, policy: RetentionPolicy, at: Date): Promise<RetentionCounts> {
  const count = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
  const a = cutoff(at, policy.attemptsDays);
  const f = cutoff(at, policy.addedFramesDays);
  const p = cutoff(at, policy.passesDays);
  return {
    attempts: a
      ? await count(
          db
            .selectFrom('attempts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('timestamp', '<', a.toISOString())
            .executeTakeFirst(),
        )
      : 0,
    added_frames: f
      ? await count(
          db
            .selectFrom('student_faces')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('added_at', '<', f.toISOString())
            .where('source', 'is not', null)
            .executeTakeFirst(),
        )
      : 0,
    passes: p
      ? await count(
          db
            .selectFrom('passes')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('timestamp', '<', p.toISOString())
            .executeTakeFirst(),
        )
      : 0,
  };
}

/**
 * Deletes what is older than the policy at `now`, in one transaction: attempts; the full frame of each photo added
 * at the door (the face itself, its thumbnail and descriptor stay: the student is still recognised by it); passes
 * (and the anonymous counts of erased students' passes of those days).
 */
export async function sweepRetention(db: Db, policy: RetentionPolicy, now: Date): Promise<RetentionCounts> {
  const a = cutoff(now, policy.attemptsDays);
  const f = cutoff(now, policy.addedFramesDays);
  const p = cutoff(now, policy.passesDays);
  return db.transaction().execute(async (trx) => {
    const out: RetentionCounts = { attempts: 0, added_frames: 0, passes: 0 };
    if (a) out.attempts = Number((await trx.deleteFrom('attempts').where('timestamp', '<', a.toISOString()).executeTakeFirst()).numDeletedRows);
    if (f)
      out.added_frames = Number(
        (
          await trx
            .updateTable('student_faces')
            .set({ source: null })
            .where('added_at', '<', f.toISOString())
            .where('source', 'is not', null)
            .executeTakeFirst()
        ).numUpdatedRows,
      );
    if (p) {
      // A photo added after a pass outlives it (it is the student's face), without the pass it came from.
      await trx
        .updateTable('student_faces')
        .set({ pass_id: null })
        .where('pass_id', 'in', (eb) => eb.selectFrom('passes').select('id').where('timestamp', '<', p.toISOString()))
        .execute();
      out.passes = Number((await trx.deleteFrom('passes').where('timestamp', '<', p.toISOString()).executeTakeFirst()).numDeletedRows);
      await trx.deleteFrom('erased_passes').where('pass_date', '<', p.toISOString().slice(0, 10)).execute();
    }
    // The audit log is append-only for everyone else: only its own long retention removes rows, here.
    const l = cutoff(now, policy.auditDays ?? 0);
    const auditRows = l ? Number((await trx.deleteFrom('audit_log').where('at', '<', l.toISOString()).executeTakeFirst()).numDeletedRows) : 0;
    // Who: the system; in the sweep's transaction (deleted and logged, or neither).
    await writeAudit(trx, SYSTEM, { action: 'retention.sweep', detail: { ...out, audit_rows: auditRows } }, now);
    return out;
  });
}

/** The last sweep (meta `retention_last`), as the admin page shows it. */
export interface SweepRecord extends RetentionCounts {
  at: string;
}

export async function lastSweep(db: Db): Promise<SweepRecord | undefined> {
  const r = await db.selectFrom('meta').select('value').where('key', '=', 'retention_last').executeTakeFirst();
  if (!r) return undefined;
  try {
    return JSON.parse(r.value) as SweepRecord;
  } catch {
    return undefined;
  }
}

export async function recordSweep(db: Db, rec: SweepRecord): Promise<void> {
  const value = JSON.stringify(rec);
  await db
    .insertInto('meta')
    .values({ key: 'retention_last', value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
