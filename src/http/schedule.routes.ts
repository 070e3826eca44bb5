// Schedule routes (/admin/*, admin token): POST /admin/load_schedule (an uploaded .xlsx), its template,
// the sittings of a day, and the per-sitting report (JSON and .xlsx).
import fs from 'node:fs';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext, LoadJobs } from '../context.js';
import { AppError } from '../errors.js';
import { localDate } from '../time.js';
import { listSittings, sittingFileName, sittingReport, sittingWorkbook } from '../passes/sitting-report.js';
import { SCHEDULE_TEMPLATE_FILE_NAME, scheduleTemplateWorkbook } from '../schedule/template.js';
import { isIsoDate } from '../schedule/time.js';
import { auditRequest } from './audit-actor.js';
import { receiveUpload } from './upload.js';
import { scheduleLoadEntry } from '../audit/log.js';
import { idParam } from './schemas/common.js';
import { loadScheduleSchema, scheduleTemplateSchema, sittingReportSchema, sittingSchema, sittingsSchema } from './schemas/schedule.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A schedule is a few hundred rows: far below the photo uploads' limit. */
const MAX_SCHEDULE_BYTES = 32 * 1024 * 1024;

/** `attachment` with an ASCII fallback and the UTF-8 name (rooms and dates). */
const attachment = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export function scheduleRoutes(parent: FastifyInstance, ctx: AppContext, jobs: LoadJobs, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tz = ctx.config.timezone;
  const noFile = () => new AppError('bad_request', 'Не приложен файл Excel с расписанием: отправьте .xlsx в поле file (multipart/form-data)');

  app.post('/admin/load_schedule', { onRequest: guard, schema: loadScheduleSchema }, async (req) => {
    if (jobs.schedule.running) throw new AppError('conflict', 'Загрузка расписания уже выполняется: дождитесь её окончания');
    if (!req.isMultipart()) throw noFile();
    const upload = await receiveUpload(req, {
      files: { file: 'schedule.xlsx' },
      maxBytes: Math.min(ctx.config.maxUploadBytes, MAX_SCHEDULE_BYTES),
      dataDir: ctx.config.dataDir,
    });
    try {
      if (!upload.files.file) throw noFile();
      const summary = await jobs.schedule.run(upload.files.file, upload.names.file);
      req.log.info(
        { added: summary.added, updated: summary.updated, unchanged: summary.unchanged, failed: summary.failed, by_reason: summary.by_reason },
        'schedule loaded',
      );
      await auditRequest(ctx, req, scheduleLoadEntry(summary));
      return summary;
    } finally {
      fs.rmSync(upload.dir, { recursive: true, force: true });
    }
  });

  app.get('/admin/schedule-template.xlsx', { onRequest: guard, schema: scheduleTemplateSchema }, async (_req, reply) => {
    return reply
      .type(XLSX)
      .header('content-disposition', attachment(SCHEDULE_TEMPLATE_FILE_NAME))
      .send(await scheduleTemplateWorkbook());
  });

  app.get('/admin/sittings', { onRequest: guard, schema: sittingsSchema }, async (req, reply) => {
    const given = req.query.date?.trim();
    const date = given || localDate(ctx.clock(), tz);
    if (!isIsoDate(date)) throw new AppError('bad_request', `Неверная дата date=${JSON.stringify(date).slice(0, 30)}: нужен формат ГГГГ-ММ-ДД`);
    void reply.header('cache-control', 'no-store');
    return { date, sittings: await listSittings(ctx.db, date) };
  });

  app.get('/admin/sittings/:id', { onRequest: guard, schema: sittingSchema }, async (req, reply) => {
    const report = await sittingReport(ctx.db, idParam(req.params), tz);
    if (!report) throw new AppError('not_found', 'Экзамен не найден');
    void reply.header('cache-control', 'no-store');
    return report;
  });

  app.get('/admin/sittings/:id/report.xlsx', { onRequest: guard, schema: sittingReportSchema }, async (req, reply) => {
    const report = await sittingReport(ctx.db, idParam(req.params), tz);
    if (!report) throw new AppError('not_found', 'Экзамен не найден');
    return reply
      .type(XLSX)
      .header('content-disposition', attachment(sittingFileName(report.sitting)))
      .header('cache-control', 'no-store')
      .send(await sittingWorkbook(report));
  });
}
