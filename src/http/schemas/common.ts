// Schema pieces shared by the routes: whole numbers in the address or query, texts, who may call. TypeBox gives each
// a JSON schema (Fastify validates requests and serialises responses with it, @fastify/swagger documents it) and a
// static type (the handlers'). The answers' shapes (student, pass, sitting, error) come from contract/shapes.ts.
import type { Readable } from 'node:stream';
import { Type, type Static } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import { ErrorBody } from '../../contract/shapes.js';

export {
  AddedPhoto,
  Choice,
  ErrorBody,
  FoundStudent,
  Mode,
  Nullable,
  PassAnswer,
  PassView,
  PublicPass,
  PublicStudent,
  SittingRefusal,
  SittingView,
  StudentCard,
  StudentListItem,
} from '../../contract/shapes.js';

/**
 * A whole number in the address or the query, as digits. Declared as a digit string and read by
 * `intParam`, because Ajv's type coercion lets "Infinity" through as an integer, past `maximum`.
 */
export const Digits = (description: string) => Type.String({ pattern: '^[0-9]{1,12}$', description });
export const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });
/** A file in a response or a request (a photo, an Excel workbook): OpenAPI's binary string. */
export const Binary = (description: string) => Type.Unsafe<Buffer | Readable>({ type: 'string', format: 'binary', description });

export const IdParams = Type.Object({ id: Digits('Идентификатор записи (целое число ≥ 1)') });

/** The largest offset a page of results may start at (far beyond any roster; keeps SQL integers sane). */
export const MAX_OFFSET = 1_000_000;
export const MAX_ID = 2_147_483_647;

/** A whole-number parameter (already digits by the schema) within [min, max]; `dflt` when absent. */
export function intParam(raw: string | undefined, name: string, min: number, max: number, dflt?: number, where: 'запроса' | 'в адресе' = 'запроса'): number {
  if (raw === undefined && dflt !== undefined) return dflt;
  const n = Number(raw);
  if (raw === undefined || !Number.isSafeInteger(n)) throw new AppError('bad_request', `Неверный параметр ${where} ${name}: нужно целое число`);
  if (n < min) throw new AppError('bad_request', `Неверный параметр ${where} ${name}: слишком маленькое значение (не меньше ${min})`);
  if (n > max) throw new AppError('bad_request', `Неверный параметр ${where} ${name}: слишком большое значение (не больше ${max})`);
  return n;
}

/** The id in a route's address (`/…/:id`). */
export const idParam = (params: Static<typeof IdParams>): number => intParam(params.id, 'id', 1, MAX_ID, undefined, 'в адресе');

/** `limit` and `offset` of a paged list. */
export function pageParams(query: { limit?: string; offset?: string }, maxLimit: number, dfltLimit: number): { limit: number; offset: number } {
  return { limit: intParam(query.limit, 'limit', 1, maxLimit, dfltLimit), offset: intParam(query.offset, 'offset', 0, MAX_OFFSET, 0) };
}

/** Every refusal of a route has the one error body (4xx: the request; 5xx: the server or its load). */
export const errors = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

/**
 * Request bodies Fastify does not parse into `req.body` (multipart, a raw image) cannot be validated by
 * schema (Fastify would check `null` against it): they are read as streams and checked by hand, and
 * described under this key, which docs.ts moves into the OpenAPI request body.
 */
export const DOC_BODY = 'x-doc-body';

/** OpenAPI security requirements: which token a route needs. */
type Security = { [scheme: string]: string[] }[];
export const adminOnly: Security = [{ adminToken: [] }, { bearerAuth: [] }];
export const stationOrAdmin: Security = [{ stationToken: [] }, { adminToken: [] }, { bearerAuth: [] }];
