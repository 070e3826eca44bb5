// Declared query and path schemas of every route that takes one: Fastify validates them (a repeated
// parameter, a number out of range or not a number at all is a 400 before the handler runs).
// Whole numbers are declared as digit strings, then read by `intParam`: Ajv's type coercion lets
// "Infinity" through as an integer, past `maximum`.
import { AppError } from '../errors.js';

const digits = { type: 'string', pattern: '^[0-9]{1,12}$' } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const query = (properties: Record<string, object>) => ({ type: 'object', properties, additionalProperties: true }) as const;

/** The largest offset a page of results may start at (far beyond any roster; keeps SQL integers sane). */
export const MAX_OFFSET = 1_000_000;

export const schemas = {
  recentPasses: { querystring: query({ limit: digits, station: text(100) }) },
  studentPhoto: { params: { type: 'object', properties: { id: digits }, required: ['id'] } },
  students: { querystring: query({ limit: digits, offset: digits, q: text(200) }) },
  lookalikes: { querystring: query({ limit: digits, offset: digits }) },
  report: { querystring: query({ date: text(20), from: text(20), to: text(20), group: text(100) }) },
  loadExcel: { querystring: query({ force: text(10) }) },
  stationSearch: { querystring: { type: 'object', properties: { q: text(100), limit: digits }, required: ['q'], additionalProperties: true } },
  manualPass: {
    body: {
      type: 'object',
      properties: { student_id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 }, reason: { type: ['string', 'null'], maxLength: 200 }, station: { type: ['string', 'null'], maxLength: 64 } },
      required: ['student_id'],
      additionalProperties: true,
    },
  },
  cancelPass: {
    params: { type: 'object', properties: { id: digits }, required: ['id'] },
    body: { type: 'object', properties: { reason: { type: 'string', maxLength: 200 } }, required: ['reason'], additionalProperties: true },
  },
  studentFaces: { params: { type: 'object', properties: { id: digits }, required: ['id'] } },
  studentCard: { params: { type: 'object', properties: { id: digits }, required: ['id'] } },
} as const;

/** A whole-number parameter (already digits by the schema) within [min, max]; `dflt` when absent. */
export function intParam(values: unknown, name: string, min: number, max: number, dflt?: number, where: 'запроса' | 'в адресе' = 'запроса'): number {
  const raw = (values as Record<string, string | undefined>)[name];
  if (raw === undefined && dflt !== undefined) return dflt;
  const n = Number(raw);
  if (raw === undefined || !Number.isSafeInteger(n)) throw new AppError('bad_request', `Неверный параметр ${where} ${name}: нужно целое число`);
  if (n < min) throw new AppError('bad_request', `Неверный параметр ${where} ${name}: слишком маленькое значение (не меньше ${min})`);
  if (n > max) throw new AppError('bad_request', `Неверный параметр ${where} ${name}: слишком большое значение (не больше ${max})`);
  return n;
}

/** `limit` and `offset` of a paged list. */
export function pageParams(values: unknown, maxLimit: number, dfltLimit: number): { limit: number; offset: number } {
  return { limit: intParam(values, 'limit', 1, maxLimit, dfltLimit), offset: intParam(values, 'offset', 0, MAX_OFFSET, 0) };
}
