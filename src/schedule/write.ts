// The write of a schedule import: planned against the stored schedule before the write lock (reads in chunks,
// the database free in between), then, in one transaction under the lock, the plan is kept only if the schedule
// is still the one it was made from (else made again there) and written in bulk.
import { randomUUID } from 'node:crypto';
import type { Db, DbKind } from '../db/index.js';
import { planSittings, valuesOf, type Candidate, type Plan } from './plan.js';
import { addRegistrations, insertSittings, removeRegistrations, scheduleGeneration, setScheduleGeneration, updateSitting } from './store.js';
import { inScheduleTransaction } from './write-lock.js';

export type { Candidate } from './plan.js';

export interface WriteOutcome extends Plan {
  added: number;
  updated: number;
}

/** Writes a plan: changed sittings and their lists' differences, then new sittings and every new registration in bulk. */
async function apply(trx: Db, kind: DbKind, plan: Plan, now: string): Promise<void> {
  const pairs: { sitting_id: number; student_id: number }[] = [];
  for (const u of plan.updates) {
    await updateSitting(trx, u.id, u.values, now);
    if (u.gone.length > 0) await removeRegistrations(trx, u.id, u.gone);
    for (const student of u.joined) pairs.push({ sitting_id: u.id, student_id: student });
  }
  const ids = await insertSittings(trx, kind, plan.fresh.map(valuesOf), now);
  for (const c of plan.fresh) {
    const id = ids.get(c.key);
    if (id === undefined) throw new Error(`schedule: no id returned for the new sitting of row ${c.row.row}`);
    for (const student of c.students) pairs.push({ sitting_id: id, student_id: student });
  }
  await addRegistrations(trx, kind, pairs);
}

/**
 * Plans outside the lock, writes inside it. Every import that writes gives the schedule a new generation in
 * the same transaction, so an unchanged generation under the lock proves the plan's overlap check and
 * differences still hold; otherwise they are worked out again inside the transaction, before anything is written.
 */
export async function writeSchedule(db: Db, kind: DbKind, candidates: Candidate[], now: string): Promise<WriteOutcome> {
  const seen = await scheduleGeneration(db);
  const early = await planSittings(db, candidates);
  return inScheduleTransaction(db, kind, async (trx) => {
    const plan = (await scheduleGeneration(trx)) === seen ? early : await planSittings(trx, candidates);
    if (plan.fresh.length > 0 || plan.updates.length > 0) {
      await apply(trx, kind, plan, now);
      await setScheduleGeneration(trx, randomUUID());
    }
    return { ...plan, added: plan.fresh.length, updated: plan.updates.length };
  });
}
