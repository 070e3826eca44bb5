// /admin/retention, /admin/erase, /admin/loads: how long records are kept and what the next daily sweep deletes;
// erasing one student or a finished cohort (group or load) after a preview, by the number the admin confirmed.
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { rosterOf } from '../context.js';
import { AppError } from '../errors.js';
import { lastSweep, retentionDue } from '../retention/sweep.js';
import { eraseStudents, previewErase, type Cohort } from '../students/erase.js';
import { loadsWithCounts } from '../students/repository.js';
import { stripBidi } from '../spreadsheet-text.js';
import { refuseControlChars } from './control-chars.js';
import { actorOf } from './audit-actor.js';
import { writeAudit } from '../audit/log.js';
import { eraseSchema, erasePreviewSchema, loadsSchema, retentionSchema } from './schemas/data.js';

/** Exactly one of student_id, group, load_id names whom to erase. */
function cohortOf(q: { student_id?: string | number; group?: string; load_id?: string | number }): Cohort {
  const given = [q.student_id, q.group, q.load_id].filter((v) => v !== undefined && v !== '');
  if (given.length !== 1) throw new AppError('bad_request', 'Укажите одно: студента (student_id), группу (group) или загрузку (load_id)');
  if (q.student_id !== undefined && q.student_id !== '') return { student_id: Number(q.student_id) };
  if (q.load_id !== undefined && q.load_id !== '') return { load_id: Number(q.load_id) };
  const group = stripBidi(String(q.group)).trim();
  refuseControlChars(group, 'group');
  if (group === '') throw new AppError('bad_request', 'Укажите группу');
  return { group };
}

export function dataRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const policy = ctx.config.retention;

  app.get('/admin/retention', { onRequest: guard, schema: retentionSchema }, async (_req, reply) => {
    const next = ctx.retention?.nextAt() ?? new Date(ctx.clock().getTime() + 86_400_000);
    void reply.header('cache-control', 'no-store');
    return {
      policy: {
        attempts_days: policy.attemptsDays,
        added_frames_days: policy.addedFramesDays,
        passes_days: policy.passesDays,
        audit_days: policy.auditDays,
        erase_passes: ctx.config.erasePasses,
      },
      last_sweep: (await lastSweep(ctx.db)) ?? null,
      next_sweep_at: next.toISOString(),
      next: await retentionDue(ctx.db, policy, next),
    };
  });

  app.get('/admin/erase/preview', { onRequest: guard, schema: erasePreviewSchema }, async (req, reply) => {
    void reply.header('cache-control', 'no-store');
    return previewErase(ctx.db, cohortOf(req.query));
  });

  app.post('/admin/erase', { onRequest: guard, schema: eraseSchema }, async (req) => {
    const cohort = cohortOf(req.body);
    const passes = req.body.passes ?? ctx.config.erasePasses;
    const r = await eraseStudents({
      db: ctx.db,
      kind: ctx.config.database.kind,
      roster: rosterOf(ctx),
      cohort,
      confirm: req.body.confirm,
      passes,
      now: ctx.clock(),
      // Ids and counts only: an erased student's name, Matricula and photos are not kept in the log either.
      audit: (trx, r) =>
        writeAudit(
          trx,
          actorOf(req),
          {
            action: 'erase',
            target: 'student_id' in cohort ? `student:${cohort.student_id}` : 'load_id' in cohort ? `load:${cohort.load_id}` : `group:${cohort.group}`,
            detail: { students: r.students, passes: r.passes, passes_mode: passes, added_photos: r.added_photos },
          },
          ctx.clock(),
        ),
    });
    req.log.warn({ cohort: 'group' in cohort ? { group: '***' } : cohort, students: r.students, passes: r.passes, passes_mode: passes }, 'students erased');
    const what = r.students === 1 ? 'Студент удалён' : `Удалено студентов: ${r.students}`;
    const kept = r.passes === 0 ? '' : r.passes_kept_as_counts ? `; проходы (${r.passes}) остались только числом` : `; проходы (${r.passes}) удалены`;
    return { ...r, message: `${what}: фото, описания лица и добавленные снимки стёрты${kept}` };
  });

  app.get('/admin/loads', { onRequest: guard, schema: loadsSchema }, async (_req, reply) => {
    void reply.header('cache-control', 'no-store');
    return { loads: await loadsWithCounts(ctx.db) };
  });
}
