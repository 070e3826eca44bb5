// Declared query and path schemas of every route that takes one: Fastify validates them (a repeated
// parameter, a number out of range or not a number at all is a 400 before the handler runs).
const int = (minimum: number, maximum: number, dflt?: number) => ({ type: 'integer', minimum, maximum, ...(dflt === undefined ? {} : { default: dflt }) }) as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const query = (properties: Record<string, object>) => ({ type: 'object', properties, additionalProperties: true }) as const;

/** The largest offset a page of results may start at (far beyond any roster; keeps SQL integers sane). */
export const MAX_OFFSET = 1_000_000;

export const schemas = {
  recentPasses: { querystring: query({ limit: int(1, 50, 10), station: text(100) }) },
  studentPhoto: { params: { type: 'object', properties: { id: int(1, 2_147_483_647) }, required: ['id'] } },
  students: { querystring: query({ limit: int(1, 200, 50), offset: int(0, MAX_OFFSET, 0), q: text(200) }) },
  lookalikes: { querystring: query({ limit: int(1, 500, 100), offset: int(0, MAX_OFFSET, 0) }) },
  report: { querystring: query({ date: text(20), from: text(20), to: text(20), group: text(100) }) },
  loadExcel: { querystring: query({ force: text(10) }) },
} as const;

export interface PageQuery {
  limit: number;
  offset: number;
}
