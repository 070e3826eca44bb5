// Checkpoint API: POST /api/recognize, manual passes (search + POST /api/passes), the enrolled photo for the
// operator, today's recent passes, the page's settings.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Guards } from './auth.js';
import { parseRoom, parseStation, readImageRequest } from './image-input.js';
import { manualPass } from '../passes/manual.js';
import { stripBidi } from '../spreadsheet-text.js';
import { searchStudents } from '../students/repository.js';
import { STATION_SEARCH_MAX, stationMatch } from '../students/station-search.js';
import { stationBudget } from './station-limits.js';
import { addVerifiedFace } from '../students/added-faces.js';
import { recognize } from '../passes/recognize.js';
import { recentPasses, studentPhoto } from '../passes/repository.js';
import { localDate, localTime } from '../time.js';
import { idParam, intParam } from './schemas/common.js';
import {
  addFaceSchema,
  manualPassSchema,
  recentPassesSchema,
  recognizeSchema,
  settingsSchema,
  stationSearchSchema,
  studentPhotoSchema,
} from './schemas/checkpoint.js';
import { InflightLimiter } from './inflight.js';
import { roomsRoutes } from './rooms.routes.js';
import { readImageHeader } from '../face/image.js';
import { stationView } from './station-view.js';
import { auditRequest } from './audit-actor.js';

/**
 * Which station asks and in which room: a paired station's own record (its name and room are the server's, whatever
 * the request says); with the shared station token or the admin token (scripts), what the request says.
 */
export function whereFrom(
  req: FastifyRequest,
  station: string | null,
  room: string | null,
): { station: string | null; room: string | null; stationId: number | null } {
  if (req.station) return { station: req.station.name, room: req.station.room, stationId: req.station.id };
  return { station, room, stationId: null };
}

export function apiRoutes(parent: FastifyInstance, ctx: AppContext, guards: Guards): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const guard = guards.station;
  roomsRoutes(app, ctx, guard);
  const maxBytes = ctx.config.maxImageBytes;

  // A raw image body (curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg') is accepted too.
  for (const type of ['image/jpeg', 'image/png', 'image/webp', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
  }

  const inflight = new InflightLimiter({ perClient: ctx.config.recognizePerClient, total: ctx.config.recognizeMaxInflight });
  app.post('/api/recognize', { schema: recognizeSchema, onRequest: [guard, inflight.hook], bodyLimit: Math.ceil(maxBytes * 1.4) + 4096 }, async (req) => {
    const input = await readImageRequest(req, req.query, req.body, maxBytes);
    // Not an image, a pixel bomb or a 1×1 dot: refused from the header, before it takes a detector's turn.
    await readImageHeader(input.bytes, ctx.config.maxImagePixels);
    const at = whereFrom(req, input.station, input.room);
    return recognize(ctx, {
      bytes: input.bytes,
      source: input.source ?? 'web',
      ...at,
      client: req.ip,
      ...(input.claim ? { claim: input.claim } : {}),
    });
  });

  // A stolen station token must not be a roster dump: search and photos are budgeted per station (station-limits.ts).
  const searches = stationBudget(app, {
    what: 'search',
    perMinute: ctx.config.stationSearchesPerMin,
    message: 'Слишком много поисков с этого пункта пропуска (не больше {n} в минуту). Повторите через {s} с',
  });
  const photos = stationBudget(app, {
    what: 'photo',
    perMinute: ctx.config.stationPhotosPerMin,
    message: 'Слишком много фото студентов с этого пункта пропуска (не больше {n} в минуту). Повторите через {s} с',
  });

  app.get('/api/students/:id/photo', { onRequest: [guard, photos], schema: studentPhotoSchema }, async (req, reply) => {
    const id = idParam(req.params);
    const photo = await studentPhoto(ctx.db, id);
    if (!photo) throw new AppError('not_found', 'Фото студента не найдено');
    return reply.type(photo.mime).header('cache-control', 'private, max-age=300').send(Buffer.from(photo.data));
  });

  app.get('/api/passes/recent', { onRequest: guard, schema: recentPassesSchema }, async (req) => {
    const q = req.query;
    const limit = intParam(q.limit, 'limit', 1, 50, 10);
    const today = localDate(ctx.clock(), ctx.config.timezone);
    const rows = await recentPasses(ctx.db, today, q.station?.trim() || null, limit);
    return {
      date: today,
      passes: rows.map((r) => ({
        id: r.id,
        student_id: r.student_id,
        lastname: r.lastname,
        firstname: r.firstname,
        group: r.group,
        matricula: r.matricula,
        station: r.station,
        source: r.source,
        time: localTime(new Date(r.timestamp), ctx.config.timezone),
      })),
    };
  });

  // Manual pass, step 1: find the student by surname / Matricula / Идентификатор (any case, ё = е); a few rows,
  // no paging, numbers whole or from 4 digits (station-search.ts).
  app.get('/api/students', { onRequest: [guard, searches], schema: stationSearchSchema }, async (req) => {
    const match = stationMatch(req.query.q);
    const limit = intParam(req.query.limit, 'limit', 1, STATION_SEARCH_MAX, STATION_SEARCH_MAX);
    const r = await searchStudents(ctx.db, match, localDate(ctx.clock(), ctx.config.timezone), limit, 0);
    return {
      total: r.total,
      students: r.students.map(({ passed_at, ...s }) => ({
        ...s,
        photo_url: `/api/students/${s.id}/photo`,
        passed_today: passed_at ? localTime(new Date(passed_at), ctx.config.timezone) : null,
      })),
    };
  });

  // Manual pass, step 2: the operator checked the documents; the same answer as a recognition, source `manual`.
  app.post('/api/passes', { onRequest: guard, schema: manualPassSchema }, async (req) => {
    const b = req.body;
    const reason = typeof b.reason === 'string' && stripBidi(b.reason).trim() !== '' ? stripBidi(b.reason).trim().slice(0, 200) : null;
    const station = parseStation(b.station);
    const r = await manualPass(ctx, {
      studentId: b.student_id,
      reason,
      ...whereFrom(req, station === null ? null : stripBidi(station) || null, parseRoom(b.room)),
      client: req.ip,
      override: b.override === true,
    });
    // A new pass is a change; a refusal or «already passed» changes nothing (the attempt is recorded in attempts).
    if (r.status === 'ok')
      await auditRequest(ctx, req, {
        action: r.pass.source === 'override' ? 'pass.override' : 'pass.manual',
        target: `pass:${r.pass.id} student:${r.student.id}`,
        detail: { sitting_id: r.sitting?.id ?? null, reason_given: reason !== null },
      });
    return r;
  });

  // «Добавить снимок к фото студента»: the frame taken right after a verified 1:1 match or a manual pass at this
  // station (its ticket) becomes one more face of the student, if it matches the enrolled photo 1:1.
  app.post(
    '/api/students/:id/faces',
    { onRequest: [guard, inflight.hook], schema: addFaceSchema, bodyLimit: Math.ceil(maxBytes * 1.4) + 4096 },
    async (req) => {
      const id = idParam(req.params);
      const input = await readImageRequest(req, req.query, req.body, maxBytes);
      await readImageHeader(input.bytes, ctx.config.maxImagePixels);
      const at = whereFrom(req, input.station, null);
      const added = await addVerifiedFace(ctx, {
        studentId: id,
        bytes: input.bytes,
        station: at.station,
        stationId: at.stationId,
        client: req.ip,
        ticket: input.ticket,
      });
      req.log.info({ student_id: id, face_id: added.id, pass_id: added.pass_id, distance: added.distance_to_own }, 'photo added to a student');
      await auditRequest(ctx, req, {
        action: 'face.add',
        target: `face:${added.id} student:${id} pass:${added.pass_id}`,
        detail: { distance: Math.round(added.distance_to_own * 1000) / 1000 },
      });
      return { status: 'added' as const, message: 'Снимок добавлен к фото студента', face: added };
    },
  );

  app.get('/api/settings', { onRequest: guard, schema: settingsSchema }, async (req) => ({
    result_fade_s: ctx.config.resultFadeS,
    ...(await stationView(ctx, req)),
  }));
}
