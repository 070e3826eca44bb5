// The admin's student card (who, every pass of theirs, cancelled ones included, and the photos added from
// verified admissions), pass cancellation, and the added photos themselves (view, remove).
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { cancelPass, findStudent, studentPasses, type PassWithSitting } from '../passes/repository.js';
import { publicStudent } from '../passes/public.js';
import { sourceLabel } from '../passes/period-report.js';
import { localDate, localTime } from '../time.js';
import { idParam, pageParams } from './schemas/common.js';
import { addedPhotoSchema, addedPhotosSchema, cancelPassSchema, removeAddedPhotoSchema, studentCardSchema, studentPhotoSchema } from './schemas/admin.js';
import { readImageRequest } from './image-input.js';
import { readImageHeader } from '../face/image.js';
import { enrolStudentPhoto } from '../students/enrol-photo.js';
import { studentLabels } from '../students/repository.js';
import { rosterOf } from '../context.js';
import { stripBidi } from '../spreadsheet-text.js';
import { auditRequest } from './audit-actor.js';
import { addedFacePhoto, listAddedFaces, listAllAddedFaces, removeAddedFace, removeFacesOfPass } from '../students/added-faces.js';

export function studentCardRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tz = ctx.config.timezone;
  const local = (ts: Date | string) => `${localDate(new Date(ts), tz)} ${localTime(new Date(ts), tz)}`;
  const passView = (p: PassWithSitting) => ({
    id: p.id,
    student_id: p.student_id,
    date: p.pass_date,
    time: localTime(new Date(p.timestamp), tz),
    source: p.source,
    source_label: sourceLabel(p.source),
    station: p.station,
    reason: p.reason ?? null,
    distance: p.distance === null ? null : Math.round(p.distance * 1000) / 1000,
    cancelled: p.cancelled_at !== null && p.cancelled_at !== undefined,
    cancelled_time: p.cancelled_at ? local(p.cancelled_at) : null,
    cancelled_by: p.cancelled_by ?? null,
    cancel_reason: p.cancel_reason ?? null,
    exam: p.exam,
    room: p.room,
  });

  app.get('/admin/students/:id', { onRequest: guard, schema: studentCardSchema }, async (req, reply) => {
    const id = idParam(req.params);
    const s = await findStudent(ctx.db, id);
    if (!s) throw new AppError('not_found', 'Студент не найден');
    void reply.header('cache-control', 'no-store');
    return { student: publicStudent(s), passes: (await studentPasses(ctx.db, id)).map(passView), added_photos: await listAddedFaces(ctx, id) };
  });

  // «Загрузить фото» in the card: a student stored «без фото» gets a face (or, confirmed, a better one replaces it).
  const maxBytes = ctx.config.maxImageBytes;
  app.post('/admin/students/:id/photo', { onRequest: guard, schema: studentPhotoSchema, bodyLimit: Math.ceil(maxBytes * 1.4) + 4096 }, async (req) => {
    const id = idParam(req.params);
    const input = await readImageRequest(req, {}, req.body, maxBytes);
    await readImageHeader(input.bytes, ctx.config.maxImagePixels);
    const done = await enrolStudentPhoto({
      db: ctx.db,
      engine: ctx.engine,
      roster: rosterOf(ctx),
      lookalikeRadius: ctx.config.lookalikeDistance,
      quality: ctx.config.enrolQuality,
      studentId: id,
      bytes: input.bytes,
      replace: req.query.replace === '1' || req.query.replace === 'true',
    });
    const s = await findStudent(ctx.db, id);
    if (!s) throw new AppError('not_found', 'Студент не найден');
    const others = done.lookalikes.map((p) => ({ other: p.a === id ? p.b : p.a, distance: p.distance }));
    const who = await studentLabels(
      ctx.db,
      others.map((o) => o.other),
    );
    req.log.info({ student_id: id, replaced: done.replaced, face_width: done.face_width, lookalikes: others.length }, 'student photo enrolled by the admin');
    await auditRequest(ctx, req, {
      action: 'student.photo',
      target: `student:${id}`,
      detail: { replaced: done.replaced, face_width: done.face_width, lookalikes: others.length },
    });
    return {
      status: 'enrolled' as const,
      message:
        others.length > 0
          ? 'Фото записано, но лицо очень похоже на другого студента: камера не назовёт ни одного из них — загрузите более чёткое фото'
          : done.replaced
            ? 'Фото заменено: камера узнаёт студента по новому фото'
            : 'Фото записано: камера теперь узнаёт студента',
      student: publicStudent(s),
      replaced: done.replaced,
      warnings: done.warnings,
      lookalikes: others.map((o) => ({ id: o.other, ...who.get(o.other)!, distance: Math.round(o.distance * 1000) / 1000 })),
    };
  });

  // A pass recorded for the wrong student, or by mistake: kept with who/when/why, no longer counted.
  app.post('/admin/passes/:id/cancel', { onRequest: guard, schema: cancelPassSchema }, async (req) => {
    const id = idParam(req.params);
    const reason = stripBidi(req.body.reason).trim();
    if (reason === '') throw new AppError('bad_request', 'Укажите причину отмены прохода');
    const r = await cancelPass(ctx.db, id, reason, 'admin', ctx.clock().toISOString());
    if (!r) throw new AppError('not_found', 'Проход не найден');
    if (r.already) throw new AppError('conflict', `Проход уже отменён (${r.pass.cancelled_at ? local(r.pass.cancelled_at) : ''})`);
    // A photo added after a pass that turned out wrong is not the student's to keep.
    const removed = await removeFacesOfPass(ctx, id);
    req.log.info({ pass_id: id, student_id: r.pass.student_id, removed_photos: removed }, 'pass cancelled');
    // The reason stays with the pass (cancel_reason): free text is not copied into the log.
    await auditRequest(ctx, req, {
      action: 'pass.cancel',
      target: `pass:${id} student:${r.pass.student_id}`,
      detail: { source: r.pass.source, pass_date: r.pass.pass_date, removed_photos: removed },
    });
    return { pass: passView(r.pass), removed_photos: removed };
  });

  app.get('/admin/student-faces', { onRequest: guard, schema: addedPhotosSchema }, async (req, reply) => {
    const { limit, offset } = pageParams(req.query, 200, 50);
    void reply.header('cache-control', 'no-store');
    return listAllAddedFaces(ctx, limit, offset);
  });

  app.get('/admin/student-faces/:id/photo', { onRequest: guard, schema: addedPhotoSchema }, async (req, reply) => {
    const photo = await addedFacePhoto(ctx, idParam(req.params));
    if (!photo) throw new AppError('not_found', 'Снимок не найден');
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=300').send(Buffer.from(photo));
  });

  app.delete('/admin/student-faces/:id', { onRequest: guard, schema: removeAddedPhotoSchema }, async (req) => {
    const id = idParam(req.params);
    const gone = await removeAddedFace(ctx, id);
    if (!gone) throw new AppError('not_found', 'Снимок не найден');
    req.log.info({ face_id: id }, 'added photo removed');
    await auditRequest(ctx, req, { action: 'face.remove', target: `face:${id} student:${gone.student_id}` });
    return { status: 'removed' as const, id };
  });
}
