// Admin routes: POST /admin/load_excel (configured sheet, or an uploaded .xlsx + optional .zip of photos),
// its full row report, the pass report, students, load status, look-alikes.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { rosterOf, type AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Guards } from './auth.js';
import { multipartError } from './image-input.js';
import { loadInProgress, loadStudents, type LoadProgress } from '../students/loader.js';
import { extractPhotos } from '../students/zip.js';
import { zipPhotoLocations, type PhotoLocations } from '../students/photos.js';
import { newUploadDir } from '../students/uploads.js';
import { cappedLog, capRows, rowsWorkbook, type FullRowReport } from '../students/row-report.js';
import { parseReportQuery, reportFileName, writeReport } from '../passes/report.js';
import { localDate, localTime } from '../time.js';
import { lastLoadFinished, searchStudents, studentLabels } from '../students/repository.js';
import { pageParams } from './schemas/common.js';
import { loadExcelSchema, loadRowsSchema, loadStatusSchema, lookalikesSchema, reportSchema, studentsSchema, templateSchema } from './schemas/admin.js';
import { pairingRoutes } from './pairing.routes.js';
import { stationsRoutes } from './stations.routes.js';
import { studentCardRoutes } from './student-card.routes.js';
import { dataRoutes } from './data.routes.js';
import { scheduleRoutes } from './schedule.routes.js';
import { auditRoutes } from './audit.routes.js';
import { auditRequest } from './audit-actor.js';
import { studentsLoadEntry } from '../audit/log.js';
import { TEMPLATE_FILE_NAME, templateWorkbook } from '../students/template.js';

interface Upload {
  dir: string;
  xlsx?: string;
  zip?: string;
  force?: boolean;
}

const truthy = (v: unknown) => typeof v === 'string' && /^(1|true|yes|on|да)$/i.test(v.trim());

/** Streams the multipart parts to a private folder under DATA_DIR/uploads (never the whole upload in memory). */
async function receive(req: FastifyRequest, maxBytes: number, dataDir: string): Promise<Upload> {
  const up: Upload = { dir: newUploadDir(dataDir) };
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 2, fields: 10 } })) {
      if (part.type === 'file') {
        const kind = part.fieldname === 'photos' ? 'zip' : part.fieldname === 'file' ? 'xlsx' : undefined;
        if (!kind) {
          part.file.resume();
          continue;
        }
        const target = path.join(up.dir, kind === 'zip' ? 'photos.zip' : 'students.xlsx');
        await pipeline(part.file, fs.createWriteStream(target));
        if (part.file.truncated) throw new AppError('payload_too_large', `Файл больше ${Math.round(maxBytes / 1048576)} МБ`);
        up[kind] = target;
      } else if (part.fieldname === 'force') {
        up.force = truthy(part.value);
      }
    }
  } catch (e) {
    fs.rmSync(up.dir, { recursive: true, force: true });
    throw multipartError(e);
  }
  return up;
}

export function adminRoutes(parent: FastifyInstance, ctx: AppContext, guards: Guards): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const guard = guards.admin;
  let lastProgress: LoadProgress | undefined;
  let lastRows: FullRowReport | undefined;
  pairingRoutes(app, ctx, guard);
  stationsRoutes(app, ctx, guard);
  studentCardRoutes(app, ctx, guard);
  dataRoutes(app, ctx, guard);
  scheduleRoutes(app, ctx, guard);
  auditRoutes(app, ctx, guard);

  app.post('/admin/load_excel', { onRequest: guard, schema: loadExcelSchema }, async (req) => {
    if (loadInProgress()) throw new AppError('conflict', 'Загрузка уже выполняется: дождитесь её окончания');
    let upload: Upload | undefined;
    if (req.isMultipart()) {
      upload = await receive(req, ctx.config.maxUploadBytes, ctx.config.dataDir);
      if (!upload.xlsx) {
        fs.rmSync(upload.dir, { recursive: true, force: true });
        throw new AppError('bad_request', 'Не приложен файл Excel (поле file)');
      }
    }
    const force = truthy(req.query.force) || upload?.force === true;
    try {
      // Over HTTP a File path is read only inside FACE_ID_DOCS (or the uploaded zip's folder): path_outside_docs otherwise.
      let photos: PhotoLocations = { photosDir: path.join(ctx.config.faceIdDocs, 'photos'), faceIdDocs: ctx.config.faceIdDocs, root: ctx.config.faceIdDocs };
      if (upload?.zip) {
        const dest = path.join(upload.dir, 'photos');
        fs.mkdirSync(dest);
        const r = await extractPhotos(upload.zip, dest, {
          maxEntries: 200_000,
          maxTotalBytes: ctx.config.maxUploadBytes * 4,
          maxEntryBytes: ctx.config.maxImageBytes,
        });
        fs.rmSync(upload.zip);
        req.log.info({ written: r.written, ignored: r.ignored }, 'photos zip extracted');
        photos = await zipPhotoLocations(dest, ctx.config.faceIdDocs); // photos/…, photos at the root, or the whole Face ID docs folder
      }
      const source = upload?.xlsx ?? path.join(ctx.config.faceIdDocs, 'list of students.xlsx');
      if (!upload && !fs.existsSync(source)) {
        throw new AppError('not_found', `Файл не найден на сервере: ${path.basename(ctx.config.faceIdDocs)}/list of students.xlsx`);
      }
      // A 100,000-row sheet must not write 100,000 log lines: the first rows, then a pointer to GET /admin/load_rows.
      const log = cappedLog({ info: (m) => req.log.info(m), warn: (m) => req.log.warn(m) });
      const summary = await loadStudents({
        db: ctx.db,
        engine: ctx.engine,
        roster: rosterOf(ctx),
        lookalikeRadius: ctx.config.lookalikeDistance,
        quality: ctx.config.enrolQuality,
        maxImageBytes: ctx.config.maxImageBytes,
        source,
        fileLabel: upload ? 'upload' : path.relative(path.dirname(ctx.config.faceIdDocs), source),
        photos,
        force,
        onProgress: (p) => (lastProgress = p),
        log,
      });
      log.end();
      req.log.info(
        { added: summary.added, updated: summary.updated, skipped: summary.skipped, failed: summary.failed, by_reason: summary.by_reason },
        'load finished',
      );
      await auditRequest(ctx, req, studentsLoadEntry(summary, force));
      lastRows = {
        file: summary.file,
        finished_at: new Date().toISOString(),
        total_rows: summary.total_rows,
        by_reason: summary.by_reason,
        rows: summary.rows,
      };
      return capRows(summary);
    } finally {
      if (upload) fs.rmSync(upload.dir, { recursive: true, force: true });
    }
  });

  // The last load's (in this process) full row report: JSON, or ?format=xlsx as a download.
  app.get('/admin/load_rows', { onRequest: guard, schema: loadRowsSchema }, async (req, reply) => {
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

  app.get('/admin/export_report', { onRequest: guard, schema: reportSchema }, async (req, reply) => {
    const filter = parseReportQuery(req.query, localDate(ctx.clock(), ctx.config.timezone));
    const name = reportFileName(filter);
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('cache-control', 'no-store')
      .send(writeReport(ctx.db, filter, ctx.config.timezone));
  });

  app.get('/admin/students', { onRequest: guard, schema: studentsSchema }, async (req) => {
    const { limit, offset } = pageParams(req.query, 200, 50);
    const query = (req.query.q ?? '').trim().slice(0, 100);
    const r = await searchStudents(ctx.db, { kind: 'text', text: query }, localDate(ctx.clock(), ctx.config.timezone), limit, offset);
    return {
      total: r.total,
      students: r.students.map(({ passed_at, ...s }) => ({ ...s, passed_today: passed_at ? localTime(new Date(passed_at), ctx.config.timezone) : null })),
    };
  });

  app.get('/admin/load_status', { onRequest: guard, schema: loadStatusSchema }, async () => {
    const last = await lastLoadFinished(ctx.db);
    return {
      running: loadInProgress(),
      progress: lastProgress ?? null,
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
