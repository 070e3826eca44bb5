// The student sheet's routes (/admin/*, admin token): POST /admin/load_excel (the configured sheet, or an uploaded
// .xlsx with an optional .zip of photos), the last load's full row report, the load's status, the sheet's template.
// The load itself is a service of the context (students/load-job.ts).
import fs from 'node:fs';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext, LoadJobs } from '../context.js';
import { AppError } from '../errors.js';
import { cappedLog, capRows, rowsWorkbook } from '../students/row-report.js';
import { lastLoadFinished } from '../students/repository.js';
import { TEMPLATE_FILE_NAME, templateWorkbook } from '../students/template.js';
import { localDate, localTime } from '../time.js';
import { studentsLoadEntry } from '../audit/log.js';
import { auditRequest } from './audit-actor.js';
import { receiveUpload, truthy, type Upload } from './upload.js';
import { loadExcelSchema, loadRowsSchema, loadStatusSchema, templateSchema } from './schemas/admin.js';

export function studentLoadRoutes(parent: FastifyInstance, ctx: AppContext, jobs: LoadJobs, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const loads = jobs.students;

  app.post('/admin/load_excel', { onRequest: guard, schema: loadExcelSchema }, async (req) => {
    if (loads.running) throw new AppError('conflict', 'Загрузка уже выполняется: дождитесь её окончания');
    let upload: Upload | undefined;
    if (req.isMultipart()) {
      upload = await receiveUpload(req, {
        files: { file: 'students.xlsx', photos: 'photos.zip' },
        fields: ['force'],
        maxBytes: ctx.config.maxUploadBytes,
        dataDir: ctx.config.dataDir,
      });
      if (!upload.files.file) {
        fs.rmSync(upload.dir, { recursive: true, force: true });
        throw new AppError('bad_request', 'Не приложен файл Excel (поле file)');
      }
    }
    const force = truthy(req.query.force) || truthy(upload?.fields.force);
    try {
      // A 100,000-row sheet must not write 100,000 log lines: the first rows, then a pointer to GET /admin/load_rows.
      const log = cappedLog({ info: (m) => req.log.info(m), warn: (m) => req.log.warn(m) });
      const zip = upload?.files.photos;
      const summary = await loads.run({
        ...(upload ? { xlsx: upload.files.file } : {}),
        ...(upload && zip ? { zip: { file: zip, dir: upload.dir } } : {}),
        force,
        log,
        onZip: (r) => req.log.info(r, 'photos zip extracted'),
      });
      log.end();
      req.log.info(
        { added: summary.added, updated: summary.updated, skipped: summary.skipped, failed: summary.failed, by_reason: summary.by_reason },
        'load finished',
      );
      await auditRequest(ctx, req, studentsLoadEntry(summary, force));
      return capRows(summary);
    } finally {
      if (upload) fs.rmSync(upload.dir, { recursive: true, force: true });
    }
  });

  // The last load's (in this process) full row report: JSON, or ?format=xlsx as a download.
  app.get('/admin/load_rows', { onRequest: guard, schema: loadRowsSchema }, async (req, reply) => {
    const lastRows = loads.rows;
    if (!lastRows) throw new AppError('not_found', 'Отчёта о загрузке нет: после запуска сервера загрузок ещё не было');
    void reply.header('cache-control', 'no-store');
    if (req.query.format !== 'xlsx') return lastRows;
    const name = `load_rows_${lastRows.finished_at.slice(0, 19).replace(/[T:]/g, '-')}.xlsx`;
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(rowsWorkbook(lastRows));
  });

  // An empty sheet with the ten columns and one example row, to fill in (the README links it too).
  app.get('/admin/template.xlsx', { onRequest: guard, schema: templateSchema }, async (_req, reply) => {
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${TEMPLATE_FILE_NAME}"`)
      .send(await templateWorkbook());
  });

  app.get('/admin/load_status', { onRequest: guard, schema: loadStatusSchema }, async () => {
    const last = await lastLoadFinished(ctx.db);
    return {
      running: loads.running,
      progress: loads.progress,
      last_load_at: last?.toISOString() ?? null,
      /** The same instant on the exam centre's clock (TIMEZONE), as the page shows it. */
      last_load_local: last ? `${localDate(last, ctx.config.timezone)} ${localTime(last, ctx.config.timezone)}` : null,
      index_size: ctx.index.size,
      face_model: ctx.engine.model.label,
      /** After a model switch: students re-described from their stored photos (others get «Лицо не найдено» meanwhile). */
      reembed: ctx.reembed?.status ?? null,
      lookalike_students: ctx.lookalikes.flagged,
    };
  });
}
