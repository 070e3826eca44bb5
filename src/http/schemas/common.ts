// Schema pieces shared by the routes: whole numbers in the address or query, texts, the error body, the
// student and pass as the operator sees them. TypeBox gives each a JSON schema (Fastify validates requests
// and serialises responses with it, @fastify/swagger documents it) and a static type (the handlers').
import type { Readable } from 'node:stream';
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';

/**
 * A whole number in the address or the query, as digits. Declared as a digit string and read by
 * `intParam`, because Ajv's type coercion lets "Infinity" through as an integer, past `maximum`.
 */
export const Digits = (description: string) => Type.String({ pattern: '^[0-9]{1,12}$', description });
export const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description ? { description } : {}) });
/** One of a few strings (documented as an enum; typed as their union). */
export const Choice = <const T extends string[]>(values: [...T], options: { description?: string } = {}) => Type.Enum(values, { type: 'string', ...options });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
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

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Код ошибки (bad_request, unauthorized, no_face, …)' }),
    message: Type.String({ description: 'Сообщение для оператора, по-русски' }),
    status: Type.Optional(Type.String({ description: 'Для неудачного снимка: то же, что error (no_face, multiple_faces, face_too_small, face_unclear)' })),
  },
  { description: 'Ошибка: код и сообщение' },
);

/** Every refusal of a route has the one error body (4xx: the request; 5xx: the server or its load). */
export const errors = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const PublicStudent = Type.Object(
  {
    id: Type.Integer(),
    matricula: Nullable(Type.String()),
    lastname: Type.String(),
    firstname: Type.String(),
    lotin: Nullable(Type.String()),
    group: Nullable(Type.String()),
    identifier: Nullable(Type.String()),
    passport_masked: Nullable(Type.String({ description: 'Только первые и последние символы паспорта, для сверки с документом' })),
    photo_url: Type.String(),
    photo_problem: Nullable(
      Type.String({ description: 'Студент «без фото»: почему (фото не найдено, лицо слишком маленькое…) — пропустить можно только вручную; null — фото есть' }),
    ),
  },
  { description: 'Студент, как его видит оператор (без паспорта, даты рождения и пути к фото)' },
);

export const PublicPass = Type.Object({
  id: Type.Integer(),
  timestamp: Type.String({ description: 'Момент прохода, ISO 8601 UTC' }),
  date: Type.String({ description: 'Местная дата (TIMEZONE), ГГГГ-ММ-ДД' }),
  time: Type.String({ description: 'Местное время, ЧЧ:ММ:СС' }),
  source: Type.String({ description: 'camera, web, manual или verified (зачётка + лицо)' }),
  station: Nullable(Type.String()),
  reason: Nullable(Type.String({ description: 'Причина ручного пропуска' })),
});

export const SittingView = Type.Object(
  {
    id: Type.Integer(),
    exam: Type.String(),
    room: Type.String(),
    date: Type.String({ description: 'Местная дата, ГГГГ-ММ-ДД' }),
    start: Type.String({ description: 'ЧЧ:ММ' }),
    end: Type.String({ description: 'ЧЧ:ММ' }),
    opens: Type.String({ description: 'Вход открывается (SITTING_OPEN_BEFORE_MIN до начала), ЧЧ:ММ' }),
    registered: Type.Integer({ description: 'Сколько студентов записано' }),
  },
  { description: 'Экзамен по расписанию' },
);

/** How the student was sought: the whole roster (1:N), the card's student only (1:1), the sitting's roster; or by hand. */
export const Mode = Choice(['identify', 'verify', 'roster', 'manual'], {
  description:
    'identify — среди всех студентов; verify — сравнение с одним студентом по зачётке; roster — среди записанных на экзамен в этой аудитории; manual — вручную',
});

const passAnswerFields = {
  message: Type.String(),
  student: PublicStudent,
  pass: PublicPass,
  sitting: Nullable(SittingView),
  distance: Nullable(Type.Number({ description: 'Расстояние до фото студента (0.001); null для ручного пропуска' })),
  match_quality: Nullable(Choice(['reliable', 'borderline'])),
  mode: Type.Optional(Mode),
  add_face_ticket: Type.Optional(
    Type.String({
      description: 'После проверки по зачётке или ручного пропуска: разрешение добавить следующий снимок к фото студента (несколько минут, этот пункт)',
    }),
  ),
};

export const PassAnswer = Type.Union([
  Type.Object({ status: Type.Literal('ok'), ...passAnswerFields }),
  Type.Object({ status: Type.Literal('already_passed'), first_pass_time: Type.String({ description: 'Время первого прохода сегодня' }), ...passAnswerFields }),
]);

/** The schedule's refusals (no pass recorded): the room has a sitting now and the student is not for it. */
export const SittingRefusal = Type.Union([
  Type.Object({
    status: Type.Literal('not_registered'),
    message: Type.String(),
    student: PublicStudent,
    sitting: SittingView,
    registered_today: Type.Array(SittingView, { description: 'На какие экзамены студент записан сегодня' }),
    mode: Type.Optional(Mode),
  }),
  Type.Object({
    status: Type.Literal('wrong_room'),
    message: Type.String(),
    student: PublicStudent,
    sitting: SittingView,
    right_sitting: SittingView,
    mode: Type.Optional(Mode),
  }),
  Type.Object({ status: Type.Literal('no_sitting'), message: Type.String(), student: PublicStudent, next: Nullable(SittingView), mode: Type.Optional(Mode) }),
]);

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
