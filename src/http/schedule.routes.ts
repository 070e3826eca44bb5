// Schedule routes (/admin/*, admin token): POST /admin/load_schedule (an uploaded .xlsx), its template,
// the sittings of a day, and the per-sitting report (JSON and .xlsx).
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { stripBidi } from '../spreadsheet-text.js';
import { localDate } from '../time.js';
import { newUploadDir } from '../students/uploads.js';
import { loadSchedule, scheduleLoadInProgress } from '../schedule/loader.js';
import { listSittings, sittingFileName, sittingReport, sittingWorkbook } from '../passes/sitting-report.js';
import { SCHEDULE_TEMPLATE_FILE_NAME, scheduleTemplateWorkbook } from '../schedule/template.js';
import { isIsoDate } from '../schedule/time.js';
import { auditRequest } from './audit-actor.js';
import { scheduleLoadEntry } from '../audit/log.js';
import { multipartError } from './image-input.js';
import { idParam } from './schemas/common.js';
import { loadScheduleSchema, scheduleTemplateSchema, sittingReportSchema, sittingSchema, sittingsSchema } from './schemas/schedule.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A schedule is a few hundred rows: far below the photo uploads' limit. */
const MAX_SCHEDULE_BYTES = 32 * 1024 * 1024;

/** `attachment` with an ASCII fallback and the UTF-8 name (rooms and dates). */
const attachment = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

/** Streams the multipart field `file` to a private folder under DATA_DIR/uploads (removed by the caller). */
async function receiveSchedule(req: FastifyRequest, maxBytes: number, dataDir: string): Promise<{ dir: string; xlsx?: string; name?: string }> {
  const up: { dir: string; xlsx?: string; name?: string } = { dir: newUploadDir(dataDir) };
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10 } })) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== 'file') {
        part.file.resume();
        continue;
      }
      const target = path.join(up.dir, 'schedule.xlsx');
      await pipeline(part.file, fs.createWriteStream(target));
      if (part.file.truncated) throw new AppError('payload_too_large', `Файл больше ${Math.round(maxBytes / 1048576)} МБ`);
      up.xlsx = target;
      const name = stripBidi(part.filename ?? '').trim();
      if (name) up.name = name.slice(0, 200);
    }
  } catch (e) {
    fs.rmSync(up.dir, { recursive: true, force: true });
    throw multipartError(e);
  }
  return up;
}

export function scheduleRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tz = ctx.config.timezone;
  const noFile = () => new AppError('bad_request', 'Не приложен файл Excel с расписанием: отправьте .xlsx в поле file (multipart/form-data)');

  app.post('/admin/load_schedule', { onRequest: guard, schema: loadScheduleSchema }, async (req) => {
    if (scheduleLoadInProgress()) throw new AppError('conflict', 'Загрузка расписания уже выполняется: дождитесь её окончания');
    if (!req.isMultipart()) throw noFile();
    const upload = await receiveSchedule(req, Math.min(ctx.config.maxUploadBytes, MAX_SCHEDULE_BYTES), ctx.config.dataDir);
    try {
      if (!upload.xlsx) throw noFile();
      const summary = await loadSchedule({
        db: ctx.db,
        kind: ctx.config.database.kind,
        source: upload.xlsx,
        timeZone: tz,
        now: ctx.clock(),
        fileLabel: upload.name ?? 'upload',
      });
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
