// The roster's routes (/admin/*, admin token): the students list with today's passes, and the look-alike audit
// (pairs the camera cannot tell apart).
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { searchStudents, studentLabels } from '../students/repository.js';
import { localDate, localTime } from '../time.js';
import { pageParams } from './schemas/common.js';
import { lookalikesSchema, studentsSchema } from './schemas/admin.js';

export function rosterRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/admin/students', { onRequest: guard, schema: studentsSchema }, async (req) => {
    const { limit, offset } = pageParams(req.query, 200, 50);
    const query = (req.query.q ?? '').trim().slice(0, 100);
    const r = await searchStudents(ctx.db, { kind: 'text', text: query }, localDate(ctx.clock(), ctx.config.timezone), limit, offset);
    return {
      total: r.total,
      students: r.students.map(({ passed_at, ...s }) => ({ ...s, passed_today: passed_at ? localTime(new Date(passed_at), ctx.config.timezone) : null })),
    };
  });

  // The roster look-alike audit: pairs the camera cannot tell apart (neither is named until a better photo is loaded).
  app.get('/admin/lookalikes', { onRequest: guard, schema: lookalikesSchema }, async (req) => {
    const { limit, offset } = pageParams(req.query, 500, 100);
    const all = ctx.lookalikes.pairs();
    const pairs = all.slice(offset, offset + limit);
    const who = await studentLabels(
      ctx.db,
      pairs.flatMap((p) => [p.a, p.b]),
    );
    return {
      total: all.length,
      pairs: pairs.map((p) => ({
        distance: Math.round(p.distance * 1000) / 1000,
        students: [p.a, p.b].map((id) => ({ id, ...who.get(id)!, photo_url: `/api/students/${id}/photo` })),
      })),
    };
  });
}
