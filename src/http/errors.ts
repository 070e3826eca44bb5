// Maps typed errors (and Fastify's own) to HTTP status + JSON {error, message}, in one place.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, isAppError, messageFor, type ErrorCode } from '../errors.js';

const statusOf: Record<ErrorCode, number> = {
  bad_image: 400,
  image_too_large: 413,
  image_too_small: 400,
  no_face: 422,
  multiple_faces: 422,
  face_too_small: 422,
  face_unclear: 422,
  two_faces: 422,
  bad_request: 400,
  bad_excel: 400,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  too_many_requests: 429,
  not_found: 404,
  conflict: 409,
  engine_unavailable: 503,
  overloaded: 503,
  internal: 500,
};

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  status?: string;
}

/** «Неверный параметр offset: …» from a schema error (which parameter, in Russian; the English detail goes to the log). */
function validationMessage(fe: FastifyError): string {
  const v = fe.validation?.[0];
  const where = fe.validationContext === 'params' ? 'в адресе' : fe.validationContext === 'querystring' ? 'запроса' : '';
  const name = (v?.instancePath ?? '').replace(/^\//, '') || String((v?.params as { missingProperty?: string } | undefined)?.missingProperty ?? '');
  const why: Record<string, string> = {
    type: 'неверный тип (параметр указан дважды?)',
    pattern: 'нужно целое число',
    minimum: 'слишком маленькое значение',
    maximum: 'слишком большое значение',
    maxLength: 'слишком длинное значение',
    required: 'не указан',
  };
  // The body itself is not a JSON object (an array, a string, null).
  if (fe.validationContext === 'body' && name === '') return 'Тело запроса должно быть объектом JSON';
  if (fe.validationContext === 'body' && v?.keyword === 'type') return `Неверный параметр ${name}: неверный тип значения`;
  return `Неверный параметр ${where} ${name}: ${why[v?.keyword ?? ''] ?? 'недопустимое значение'}`.replace(/\s+/g, ' ');
}

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const fe = err as FastifyError;
  switch (fe?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new AppError('payload_too_large', undefined, fe.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('bad_request', undefined, fe.message);
  }
  if (fe?.validation) return new AppError('bad_request', validationMessage(fe), fe.message);
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode === 413 ? 'payload_too_large' : 'bad_request', undefined, fe.message);
  }
  return new AppError('internal', undefined, String((err as Error)?.stack ?? err));
}

export function httpStatus(code: ErrorCode): number {
  return statusOf[code];
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const e = toAppError(err);
    const status = statusOf[e.code];
    if (status >= 500) req.log.error({ err, code: e.code }, 'request failed');
    else req.log.info({ code: e.code, detail: e.detail }, 'request refused');
    const body: ErrorBody = { error: e.code, message: e.message };
    // Overload and throttling say when to come back. (A refusal sent before the body was read leaves the
    // connection to drain.ts: the client reads the answer, then the rest of its body is thrown away.)
    const retry = e.retryAfterS ?? (e.code === 'overloaded' || e.code === 'engine_unavailable' ? 2 : e.code === 'too_many_requests' ? 60 : undefined);
    if (retry !== undefined) void reply.header('retry-after', String(retry));
    // Face outcomes are also statuses of the recognition flow (the UI switches on `status`).
    if (e.code === 'no_face' || e.code === 'multiple_faces' || e.code === 'face_too_small' || e.code === 'face_unclear') body.status = e.code;
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: 'not_found', message: `${messageFor('not_found')}: ${req.method} ${req.url.split('?')[0]}` });
  });
}
