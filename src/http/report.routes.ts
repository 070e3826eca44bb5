// The pass report (/admin/export_report, admin token): the «Проходы» and «Не прошли» sheets of a period, streamed.
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { parseReportQuery, reportFileName, writeReport } from '../passes/period-report.js';
import { localDate } from '../time.js';
import { reportSchema } from './schemas/admin.js';

export function reportRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/admin/export_report', { onRequest: guard, schema: reportSchema }, async (req, reply) => {
    const filter = parseReportQuery(req.query, localDate(ctx.clock(), ctx.config.timezone));
    const name = reportFileName(filter);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('cache-control', 'no-store')
      .send(writeReport(ctx.db, filter, ctx.config.timezone));
  });
}
