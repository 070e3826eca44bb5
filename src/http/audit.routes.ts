// GET /admin/audit (JSON, paged) and /admin/audit.xlsx: the audit log for the admin. Read only: no route updates or
// deletes an audit row (only RETENTION_DAYS_AUDIT's sweep removes old ones).
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { auditWorkbook } from '../audit/export.js';
import { listAudit, type AuditFilter } from '../audit/query.js';
import { isIsoDate } from '../schedule/time.js';
import { stripBidi } from '../spreadsheet-text.js';
import { refuseControlChars } from './control-chars.js';
import { intParam, MAX_ID, pageParams } from './schemas/common.js';
import { auditSchema, auditXlsxSchema } from './schemas/audit.js';
import { localDate } from '../time.js';

type FilterQuery = Static<typeof auditXlsxSchema.querystring>;

/** The query's filters, checked: dates as ГГГГ-ММ-ДД with from ≤ to, a station id, a one-line text. */
export function auditFilter(q: FilterQuery): AuditFilter {
  const f: AuditFilter = {};
  if (q.action) f.action = q.action;
  if (q.actor) f.actor = q.actor;
  if (q.station_id !== undefined) f.stationId = intParam(q.station_id, 'station_id', 1, MAX_ID);
  for (const key of ['from', 'to'] as const) {
    const v = q[key]?.trim();
    if (!v) continue;
    if (!isIsoDate(v)) throw new AppError('bad_request', `Неверная дата ${key}=${JSON.stringify(v).slice(0, 20)}: нужен формат ГГГГ-ММ-ДД`);
    const year = Number(v.slice(0, 4));
    if (year < 2000 || year > 2100) throw new AppError('bad_request', `Неверная дата ${key}=${v}: год от 2000 до 2100`);
    f[key] = v;
  }
  if (f.from && f.to && f.from > f.to) throw new AppError('bad_request', 'Дата «с» позже даты «по»: поменяйте их местами');
  if (q.q !== undefined) {
    const text = stripBidi(q.q).trim();
    refuseControlChars(text, 'q');
    if (text) f.q = text;
  }
  return f;
}

export function auditRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tz = ctx.config.timezone;

  app.get('/admin/audit', { onRequest: guard, schema: auditSchema }, async (req, reply) => {
    const f = auditFilter(req.query);
    const { limit, offset } = pageParams(req.query, 200, 50);
    void reply.header('cache-control', 'no-store');
    return listAudit(ctx.db, f, tz, limit, offset);
  });

  app.get('/admin/audit.xlsx', { onRequest: guard, schema: auditXlsxSchema }, async (req, reply) => {
    const f = auditFilter(req.query);
    const name = `audit_${localDate(ctx.clock(), tz)}.xlsx`;
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(await auditWorkbook(ctx.db, f, tz));
  });
}
