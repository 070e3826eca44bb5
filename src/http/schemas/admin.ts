// Schemas of the admin routes (/admin/*, admin token): loading the roster, reports, students, pairing.
import { Type } from '@fastify/type-provider-typebox';
import {
  AddedPhoto,
  adminOnly,
  Binary,
  Digits,
  DOC_BODY,
  errors,
  IdParams,
  Nullable,
  PassView,
  PublicStudent,
  StudentCard,
  StudentListItem,
  Text,
  Choice,
} from './common.js';

const tags = ['Администрирование'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const xlsxFile = (description: string) => ({ description, content: { [XLSX]: { schema: Binary(description) } } });
const page = (max: number, dflt: number) => ({
  limit: Type.Optional(Digits(`Сколько (1–${max}, по умолчанию ${dflt})`)),
  offset: Type.Optional(Digits('С какой записи (0–1000000)')),
});

const RowReport = Type.Object({
  row: Type.Integer({ description: 'Номер строки в Excel' }),
  matricula: Nullable(Type.String()),
  status: Choice(['skipped', 'failed', 'warning', 'no_photo'], {
    description: 'no_photo — студент записан без фото (камера его не узнает, пропуск только вручную)',
  }),
  reason: Type.String({ description: 'Код причины (exists, missing_id, file_not_found, no_face, similar_face, …)' }),
  message: Type.String(),
});

const ByReason = Type.Record(Type.String(), Type.Integer(), { description: 'Сколько строк закончилось каждой причиной' });

/** Each reason code of by_reason in the office's words. */
const ReasonText = Type.Record(Type.String(), Type.String(), { description: 'Каждая причина из by_reason по-русски' });

const LoadSummary = Type.Object({
  file: Type.String(),
  total_rows: Type.Integer(),
  added: Type.Integer(),
  updated: Type.Integer(),
  skipped: Type.Integer(),
  failed: Type.Integer(),
  warnings: Type.Integer(),
  without_photo: Type.Integer({ description: 'Студентов этого файла без фото: пропустить можно только вручную' }),
  actions: Type.Array(
    Type.Object({
      reason: Type.String(),
      status: Type.String(),
      count: Type.Integer(),
      text: Type.String(),
      advice: Nullable(Type.String()),
      rows: Type.Array(Type.Integer(), { description: 'Первые номера строк (до 20)' }),
    }),
    { description: 'Что требует внимания, по видам: сначала студенты без фото, затем незагруженные строки и предупреждения — с советом' },
  ),
  interrupted: Type.Boolean(),
  duration_ms: Type.Number(),
  processed_rows: Type.Integer(),
  photos_described: Type.Integer(),
  photos_per_second: Type.Number(),
  index_size: Type.Integer(),
  rows: Type.Array(RowReport, { description: 'Первые 500 строк с замечаниями; все — в GET /admin/load_rows' }),
  by_reason: ByReason,
  reason_text: ReasonText,
  lookalikes: Type.Array(
    Type.Object({
      distance: Type.Number(),
      students: Type.Array(
        Type.Object({ id: Type.Integer(), row: Nullable(Type.Integer()), matricula: Nullable(Type.String()), name: Type.String(), photo_url: Type.String() }),
      ),
    }),
  ),
  lookalikes_total: Type.Integer(),
  hint: Type.Optional(Type.String()),
  rows_total: Type.Integer(),
  rows_truncated: Type.Boolean(),
  rows_url: Type.String(),
});

export const loadExcelSchema = {
  summary: 'Загрузить студентов из Excel (файл на сервере или приложенный .xlsx и .zip с фото)',
  tags,
  security: adminOnly,
  querystring: Type.Object({ force: Type.Optional(Text(10, 'Перезаписать уже загруженных: 1 / true / да')) }),
  [DOC_BODY]: {
    description: 'Без тела — файл FACE_ID_DOCS/list of students.xlsx на сервере; иначе multipart: file (.xlsx), photos (.zip), force',
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: { file: { type: 'string', format: 'binary' }, photos: { type: 'string', format: 'binary' }, force: { type: 'string' } },
        },
      },
    },
  },
  response: { 200: LoadSummary, ...errors },
};

const FullRowReport = Type.Object({
  file: Type.String(),
  finished_at: Type.String(),
  total_rows: Type.Integer(),
  by_reason: ByReason,
  rows: Type.Array(RowReport),
});

export const loadRowsSchema = {
  summary: 'Полный построчный отчёт последней загрузки (JSON или ?format=xlsx)',
  tags,
  security: adminOnly,
  querystring: Type.Object({ format: Type.Optional(Choice(['json', 'xlsx'])) }),
  response: {
    200: { description: 'Отчёт', content: { 'application/json': { schema: FullRowReport }, [XLSX]: { schema: Binary('Отчёт в Excel') } } },
    ...errors,
  },
};

export const templateSchema = {
  summary: 'Шаблон таблицы студентов (.xlsx)',
  tags,
  security: adminOnly,
  response: { 200: xlsxFile('Пустая таблица с десятью столбцами и строкой-примером'), ...errors },
};

export const reportSchema = {
  summary: 'Отчёт о проходах (.xlsx): за день (date) или период (from, to), по группе',
  tags,
  security: adminOnly,
  querystring: Type.Object({
    date: Type.Optional(Text(20, 'ГГГГ-ММ-ДД (по умолчанию сегодня)')),
    from: Type.Optional(Text(20, 'ГГГГ-ММ-ДД')),
    to: Type.Optional(Text(20, 'ГГГГ-ММ-ДД')),
    group: Type.Optional(Text(100)),
  }),
  response: { 200: xlsxFile('Листы «Проходы» и «Не прошли»'), ...errors },
};

export const studentsSchema = {
  summary: 'Список студентов с поиском',
  tags,
  security: adminOnly,
  querystring: Type.Object({ ...page(200, 50), q: Type.Optional(Text(200, 'Фамилия, имя, группа, Matricula, Идентификатор')) }),
  response: { 200: Type.Object({ total: Type.Integer(), students: Type.Array(StudentListItem) }), ...errors },
};

const Progress = Type.Object({
  done: Type.Integer(),
  total: Type.Integer(),
  added: Type.Integer(),
  updated: Type.Integer(),
  skipped: Type.Integer(),
  failed: Type.Integer(),
  queued: Type.Integer(),
  processed: Type.Integer(),
});

export const loadStatusSchema = {
  summary: 'Ход загрузки, размер индекса, модель, пересчёт после смены модели',
  tags,
  security: adminOnly,
  response: {
    200: Type.Object({
      running: Type.Boolean(),
      progress: Nullable(Progress),
      last_load_at: Nullable(Type.String()),
      last_load_local: Nullable(Type.String({ description: 'То же время по часам экзаменационного центра (TIMEZONE)' })),
      index_size: Type.Integer(),
      face_model: Type.String(),
      reembed: Nullable(
        Type.Object({
          state: Choice(['idle', 'running', 'done', 'failed']),
          model: Type.String(),
          done: Type.Integer(),
          total: Type.Integer(),
          failed: Type.Integer(),
          error: Type.Optional(Type.String()),
        }),
      ),
      lookalike_students: Type.Integer(),
    }),
    ...errors,
  },
};

export const lookalikesSchema = {
  summary: 'Пары похожих студентов, которых камера не различает (никого из пары не называем)',
  tags,
  security: adminOnly,
  querystring: Type.Object(page(500, 100)),
  response: {
    200: Type.Object({
      total: Type.Integer(),
      pairs: Type.Array(
        Type.Object({
          distance: Type.Number(),
          students: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), matricula: Nullable(Type.String()), photo_url: Type.String() })),
        }),
      ),
    }),
    ...errors,
  },
};

const PairingLink = {
  url: Type.String({ description: 'Ссылка подключения (несёт токен: открыть один раз на пункте, никому не пересылать)' }),
  svg: Type.String({ description: 'QR-код, SVG' }),
  warning: Nullable(Type.String({ description: 'Ссылка не сработает на другом компьютере (ведёт на localhost)' })),
};

export const pairingSchema = {
  summary: 'Ссылка подключения с общим токеном пунктов (для скриптов и страниц, подключённых до учёта пунктов)',
  tags,
  security: adminOnly,
  response: { 200: Type.Object(PairingLink), ...errors },
};

const StationView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  room: Nullable(Type.String({ description: 'Аудитория пункта: по ней пункт решает, чей сейчас экзамен; null — не задана' })),
  created: Type.String({ description: 'Когда подключён, местное время' }),
  last_seen: Nullable(Type.String({ description: 'Когда последний раз обращался (с точностью до минуты)' })),
  last_address: Nullable(Type.String({ description: 'С какого адреса' })),
  revoked: Nullable(Type.String({ description: 'Когда отключён; null — действует' })),
});

const StationName = Type.String({ minLength: 1, maxLength: 64, description: 'Название пункта (например, «Вход А-101»)' });
const StationRoom = Nullable(Type.String({ maxLength: 64, description: 'Аудитория из расписания; пусто или null — без аудитории' }));

export const stationsSchema = {
  summary: 'Пункты пропуска: название, аудитория, когда подключён и последний раз был на связи, отключён ли',
  tags,
  security: adminOnly,
  response: { 200: Type.Object({ stations: Type.Array(StationView) }), ...errors },
};

export const createStationSchema = {
  summary: 'Подключить пункт: создаёт пункт со своим токеном и отдаёт ссылку подключения (токен хранится только как хеш)',
  tags,
  security: adminOnly,
  body: Type.Object({ name: StationName, room: Type.Optional(StationRoom) }),
  response: { 200: Type.Object({ station: StationView, ...PairingLink }), ...errors },
};

export const updateStationSchema = {
  summary: 'Переименовать пункт или перевести в другую аудиторию',
  tags,
  security: adminOnly,
  params: IdParams,
  body: Type.Object({ name: Type.Optional(StationName), room: Type.Optional(StationRoom) }),
  response: { 200: Type.Object({ station: StationView }), ...errors },
};

export const stationActionSchema = (summary: string) => ({
  summary,
  tags,
  security: adminOnly,
  params: IdParams,
  response: { 200: Type.Object({ station: StationView }), ...errors },
});

export const stationLinkSchema = {
  summary: 'Новая ссылка подключения пункта (прежняя перестаёт действовать)',
  tags,
  security: adminOnly,
  params: IdParams,
  response: { 200: Type.Object({ station: StationView, ...PairingLink }), ...errors },
};

export const addedPhotosSchema = {
  summary: 'Все добавленные снимки (новые сначала): студент, пункт, адрес клиента, время, расстояние до основного фото',
  tags,
  security: adminOnly,
  querystring: Type.Object(page(200, 50)),
  response: {
    200: Type.Object({
      total: Type.Integer(),
      photos: Type.Array(Type.Object({ ...AddedPhoto.properties, student_name: Type.String(), matricula: Nullable(Type.String()) })),
    }),
    ...errors,
  },
};

export const studentCardSchema = {
  summary: 'Карточка студента: все проходы (и отменённые) и добавленные снимки',
  tags,
  security: adminOnly,
  params: IdParams,
  response: { 200: StudentCard, ...errors },
};

export const studentPhotoSchema = {
  summary:
    'Загрузить фото студента из карточки (студент «без фото» или замена): лицо проверяется как фото из таблицы, затем похожие лица; у студента с фото — только с replace=1',
  tags,
  security: adminOnly,
  params: IdParams,
  querystring: Type.Object({ replace: Type.Optional(Choice(['1', 'true', '0', 'false', ''], { description: '1 — заменить имеющееся фото' })) }),
  body: {
    content: { 'application/json': { schema: Type.Object({ image: Type.String({ description: 'Base64 (также URL-safe) или data:image/…;base64,…' }) }) } },
  },
  [DOC_BODY]: {
    description: 'Фото студента: multipart (поле image), само изображение или JSON {"image": "<base64>"}',
    content: {
      'multipart/form-data': { schema: { type: 'object', properties: { image: { type: 'string', format: 'binary' } }, required: ['image'] } },
      'image/jpeg': { schema: { type: 'string', format: 'binary' } },
      'image/png': { schema: { type: 'string', format: 'binary' } },
      'application/json': { schema: { type: 'object', properties: { image: { type: 'string' } }, required: ['image'] } },
    },
  },
  response: {
    200: Type.Object({
      status: Type.Literal('enrolled'),
      message: Type.String(),
      student: PublicStudent,
      replaced: Type.Boolean({ description: 'Заменено прежнее фото' }),
      warnings: Type.Array(Type.String(), { description: 'Замечания к качеству фото (оно записано; лучше переснять)' }),
      lookalikes: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), matricula: Nullable(Type.String()), distance: Type.Number() }), {
        description: 'Студенты, на которых лицо очень похоже: камера не назовёт ни одного из пары',
      }),
    }),
    ...errors,
  },
};

export const cancelPassSchema = {
  summary: 'Отменить проход (остаётся в истории с причиной)',
  tags,
  security: adminOnly,
  params: IdParams,
  body: Type.Object({ reason: Type.String({ maxLength: 200, description: 'Причина отмены' }) }),
  response: {
    200: Type.Object({ pass: PassView, removed_photos: Type.Integer({ description: 'Сколько снимков, добавленных после этого прохода, удалено' }) }),
    ...errors,
  },
};

export const addedPhotoSchema = {
  summary: 'Добавленный снимок студента',
  tags,
  security: adminOnly,
  params: IdParams,
  response: { 200: Binary('JPEG'), ...errors },
};

export const removeAddedPhotoSchema = {
  summary: 'Удалить добавленный снимок',
  tags,
  security: adminOnly,
  params: IdParams,
  response: { 200: Type.Object({ status: Type.Literal('removed'), id: Type.Integer() }), ...errors },
};
