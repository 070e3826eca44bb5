// Schemas of the checkpoint's routes (/api/*, station token) and of /api/health.
import { Type } from '@fastify/type-provider-typebox';
import {
  Binary,
  Digits,
  DOC_BODY,
  FoundStudent,
  errors,
  IdParams,
  Mode,
  Nullable,
  PassAnswer,
  SittingRefusal,
  SittingView,
  stationOrAdmin,
  Text,
  Choice,
} from './common.js';

const tags = ['Пункт пропуска'];

const imageQuery = Type.Object({
  source: Type.Optional(Choice(['camera', 'web', ''], { description: 'camera (снимок с камеры) или web (загруженный файл)' })),
  station: Type.Optional(Text(100, 'Название пункта пропуска (до 64 символов)')),
  room: Type.Optional(Text(100, 'Аудитория пункта (из расписания): пока в ней идёт экзамен, проходят только записанные на него')),
  matricula: Type.Optional(Text(64, 'Номер зачётки (Matricula) с карточки студента: снимок сравнивается только с этим студентом (1:1)')),
  student_id: Type.Optional(Digits('Или id студента (из поиска): сравнение 1:1')),
  ticket: Type.Optional(Text(512, 'Для добавления снимка: add_face_ticket из ответа проверки по зачётке или ручного пропуска')),
});

/**
 * A photo comes three ways: JSON with Base64 or a data URL, multipart (field `image`), or the image itself
 * as the body. Only JSON is validated by schema (the other two are read as streams and checked by
 * image-input.ts); the other two are documented (DOC_BODY, see docs.ts).
 */
const imageBody = {
  content: {
    'application/json': {
      schema: Type.Object({
        image: Type.String({ description: 'Base64 (также URL-safe) или data:image/…;base64,…' }),
        source: Type.Optional(Nullable(Type.String())),
        station: Type.Optional(Nullable(Type.String())),
        room: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
        matricula: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
        student_id: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }))),
        ticket: Type.Optional(Nullable(Type.String({ maxLength: 512 }))),
      }),
    },
  },
};

const imageDocBody = {
  description: 'Снимок лица: JSON {"image": "<base64 или data URL>"}, multipart (поле image) или само изображение',
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        properties: {
          image: { type: 'string', format: 'binary' },
          source: { type: 'string' },
          station: { type: 'string' },
          room: { type: 'string' },
          matricula: { type: 'string' },
          student_id: { type: 'string' },
          ticket: { type: 'string' },
        },
        description: 'Поле image (или file) с фото; необязательные поля source, station, room, matricula или student_id (1:1), ticket (добавление снимка)',
      },
    },
    'image/jpeg': { schema: { type: 'string', format: 'binary' } },
    'image/png': { schema: { type: 'string', format: 'binary' } },
    'image/webp': { schema: { type: 'string', format: 'binary' } },
    'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'JPEG, PNG или WebP' } },
  },
};

export const recognizeSchema = {
  summary: 'Распознать студента по снимку и записать первый проход за день',
  tags,
  security: stationOrAdmin,
  querystring: imageQuery,
  body: imageBody,
  [DOC_BODY]: imageDocBody,
  response: {
    200: Type.Union(
      [
        PassAnswer,
        SittingRefusal,
        Type.Object({ status: Type.Literal('not_found'), message: Type.String(), mode: Type.Optional(Mode) }),
        Type.Object({ status: Type.Literal('mismatch'), message: Type.String(), mode: Type.Literal('verify') }),
        Type.Object({ status: Type.Literal('no_photo'), message: Type.String(), mode: Type.Literal('verify') }),
      ],
      {
        description:
          'ok — проход записан; already_passed — повторный проход за день (или на этот экзамен); not_found — лицо не узнано (никого не называем, если не уверены); ' +
          'с matricula или student_id (1:1): mode = verify, mismatch — лицо не совпадает с фото этого студента (никого не называет, проход не записан), no_photo — у студента нет фото для сравнения; ' +
          'в аудитории с экзаменом сейчас: not_registered — не записан на него, wrong_room — записан на экзамен в другой аудитории, no_sitting — экзамен ещё не начался или уже кончился (проход не записывается)',
      },
    ),
    ...errors,
  },
};

export const studentPhotoSchema = {
  summary: 'Фото студента из базы (для сверки оператором)',
  description:
    'С одного пункта (адреса) — не больше STATION_PHOTOS_PER_MIN фото в минуту (по умолчанию 60), дальше 429 с Retry-After; с токеном администратора — без ограничения.',
  tags,
  security: stationOrAdmin,
  params: IdParams,
  response: { 200: Binary('Фото (JPEG, PNG или WebP)'), ...errors },
};

export const recentPassesSchema = {
  summary: 'Последние проходы сегодня',
  tags,
  security: stationOrAdmin,
  querystring: Type.Object({ limit: Type.Optional(Digits('Сколько (1–50, по умолчанию 10)')), station: Type.Optional(Text(100, 'Только этого пункта')) }),
  response: {
    200: Type.Object({
      date: Type.String(),
      passes: Type.Array(
        Type.Object({
          id: Type.Integer(),
          student_id: Type.Integer(),
          lastname: Type.String(),
          firstname: Type.String(),
          group: Nullable(Type.String()),
          matricula: Nullable(Type.String()),
          station: Nullable(Type.String()),
          source: Type.String(),
          time: Type.String(),
        }),
      ),
    }),
    ...errors,
  },
};

export const stationSearchSchema = {
  summary: 'Поиск студента для ручного пропуска (фамилия, имя, Matricula, Идентификатор; ё = е): не больше 10 строк, без листания',
  description:
    'Запрос с буквой — имя (от 2 символов). Без букв — номер: Matricula или Идентификатор целиком, а от 4 цифр — и часть номера. ' +
    'С одного пункта (адреса) — не больше STATION_SEARCHES_PER_MIN поисков в минуту (по умолчанию 30), дальше 429 с Retry-After.',
  tags,
  security: stationOrAdmin,
  querystring: Type.Object({
    q: Text(100, 'Фамилия или имя (от 2 символов) или номер: целиком, от 4 цифр — и часть'),
    limit: Type.Optional(Digits('1–10, по умолчанию 10')),
  }),
  response: {
    200: Type.Object({ total: Type.Integer(), students: Type.Array(FoundStudent) }),
    ...errors,
  },
};

export const manualPassSchema = {
  summary: 'Ручной пропуск: оператор проверил документы',
  tags,
  security: stationOrAdmin,
  body: Type.Object({
    student_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    override: Type.Optional(
      Type.Boolean({
        description:
          '«Допустить»: студент не записан на экзамен, идущий в аудитории пункта (или записан в другую), — допустить на него; причина обязательна; источник прохода override',
      }),
    ),
    station: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    room: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  }),
  response: { 200: Type.Union([PassAnswer, SittingRefusal]), ...errors },
};

export const addFaceSchema = {
  summary:
    'Добавить снимок к фото студента: только кадр, снятый сразу после проверки по зачётке или ручного пропуска на этом пункте (ticket), и только если он совпадает с фото студента (1:1)',
  tags,
  security: stationOrAdmin,
  params: IdParams,
  querystring: imageQuery,
  body: imageBody,
  [DOC_BODY]: imageDocBody,
  response: {
    200: Type.Object({
      status: Type.Literal('added'),
      message: Type.String(),
      face: Type.Object({
        id: Type.Integer(),
        student_id: Type.Integer(),
        added: Type.String(),
        added_by: Nullable(Type.String()),
        photo_url: Type.String(),
        distance_to_own: Nullable(Type.Number({ description: 'Расстояние до основного фото студента (не больше порога 1:1)' })),
      }),
    }),
    ...errors,
  },
};

/** The paired station as the page shows it, and a notice when something is wrong with its setup. */
const StationFields = {
  station: Nullable(
    Type.Object(
      { id: Type.Integer(), name: Type.String(), room: Nullable(Type.String()) },
      { description: 'Пункт, подключённый своей ссылкой: название и аудиторию задаёт администратор; null — общий токен или токен администратора' },
    ),
  ),
  notice: Nullable(Type.String({ description: 'Предупреждение для оператора (например, у пункта не задана аудитория, а сегодня идут экзамены)' })),
};

export const roomsSchema = {
  summary: 'Аудитории из расписания: экзамен сейчас, следующий и все экзамены сегодня',
  tags,
  security: stationOrAdmin,
  response: {
    200: Type.Object({
      ...StationFields,
      date: Type.String({ description: 'Сегодня (TIMEZONE)' }),
      time: Type.String({ description: 'Сейчас, ЧЧ:ММ' }),
      rooms: Type.Array(
        Type.Object({
          room: Type.String(),
          current: Nullable(SittingView),
          next: Nullable(SittingView),
          sittings: Type.Array(SittingView, { description: 'Экзамены в аудитории сегодня' }),
        }),
        { description: 'Аудитории, где есть экзамены сегодня или позже' },
      ),
    }),
    ...errors,
  },
};

export const settingsSchema = {
  summary: 'Настройки страницы пункта пропуска',
  tags,
  security: stationOrAdmin,
  response: {
    200: Type.Object({ result_fade_s: Type.Number({ description: 'Через сколько секунд гаснет карточка результата' }), ...StationFields }),
    ...errors,
  },
};

const HealthBody = Type.Object(
  {
    status: Choice(['ok', 'degraded']),
    index_size: Type.Integer(),
    db: Type.Optional(Type.Boolean()),
    database: Type.Optional(Choice(['sqlite', 'postgres'])),
    index_backend: Type.Optional(Type.String()),
    index_ann: Type.Optional(
      Nullable(
        Type.Object({
          state: Choice(['off', 'building', 'ready', 'failed']),
          filled: Type.Integer(),
          total: Type.Integer(),
          buildSeconds: Type.Optional(Type.Number()),
          error: Type.Optional(Type.String()),
        }),
      ),
    ),
    engine_ready: Type.Optional(Type.Boolean()),
    engine_workers: Type.Optional(Type.Integer()),
    engine_tensors: Type.Optional(Type.Array(Type.Integer())),
    engine_queued: Type.Optional(Type.Integer()),
    rss_mb: Type.Optional(Type.Integer()),
    face_model: Type.Optional(Type.Object({ id: Type.String(), label: Type.String(), licence: Type.String() })),
    match_threshold: Type.Optional(Type.Number()),
    match_margin: Type.Optional(Type.Number()),
    station_token_required: Type.Optional(Type.Boolean()),
    timezone: Type.Optional(Type.String()),
    uptime_s: Type.Optional(Type.Integer()),
  },
  { description: '200 — всё работает; 503 — база или модуль распознавания недоступны' },
);

export const healthSchema = {
  summary: 'Состояние сервера: без токена — только status и index_size; с токеном администратора — подробности',
  tags: ['Служебное'],
  response: { 200: HealthBody, 503: HealthBody, '4xx': errors['4xx'] },
};
