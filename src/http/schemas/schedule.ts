// Schemas of the schedule routes (/admin/*, admin token): loading the exam sittings, the template, the
// sittings of a day and the per-sitting report.
import { Type } from '@fastify/type-provider-typebox';
import { adminOnly, Binary, Choice, DOC_BODY, errors, IdParams, Nullable, Text } from './common.js';

const tags = ['Расписание'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const xlsxFile = (description: string) => ({ description, content: { [XLSX]: { schema: Binary(description) } } });

const RowReport = Type.Object({
  row: Type.Integer({ description: 'Номер строки в Excel' }),
  status: Choice(['failed', 'skipped', 'warning']),
  reason: Type.String({
    description:
      'Код причины: missing_exam, missing_room, bad_date, bad_time, cell_too_long (слишком длинная ячейка: экзамен > 200, аудитория > 64, группа или Matricula > 64 символов, больше 50 групп или 2000 Matricula), no_students, unknown_group, unknown_matricula, overlap (ошибки), duplicate (пропуск); unknown_group, unknown_matricula (предупреждение: строка загружена без них)',
  }),
  message: Type.String({ description: 'Подробности, по-русски' }),
});

const ScheduleSummary = Type.Object({
  file: Type.String(),
  total_rows: Type.Integer({ description: 'Непустых строк в таблице' }),
  added: Type.Integer({ description: 'Новых экзаменов' }),
  updated: Type.Integer({ description: 'Найдено по аудитории и началу и изменено (название, конец, список)' }),
  unchanged: Type.Integer({ description: 'Найдено по аудитории и началу, без изменений' }),
  failed: Type.Integer(),
  skipped: Type.Integer(),
  warnings: Type.Integer(),
  sittings: Type.Integer({ description: 'Экзаменов этого файла в базе после загрузки (added + updated + unchanged)' }),
  registrations: Type.Integer({ description: 'Записей студент × экзамен у этих экзаменов' }),
  rows: Type.Array(RowReport, { description: 'Строки с замечаниями' }),
  by_reason: Type.Record(Type.String(), Type.Integer(), { description: 'Сколько строк закончилось каждой причиной' }),
  reason_text: Type.Record(Type.String(), Type.String(), { description: 'Каждая причина из by_reason по-русски' }),
});

export const loadScheduleSchema = {
  summary: 'Загрузить расписание экзаменов из Excel (приложенный .xlsx)',
  tags,
  security: adminOnly,
  [DOC_BODY]: {
    description: 'multipart/form-data: file — таблица .xlsx (столбцы Экзамен, Дата, Начало, Конец, Аудитория, Группа, Matricula)',
    content: {
      'multipart/form-data': {
        schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
      },
    },
  },
  response: { 200: ScheduleSummary, ...errors },
};

export const scheduleTemplateSchema = {
  summary: 'Шаблон таблицы расписания (.xlsx)',
  tags,
  security: adminOnly,
  response: { 200: xlsxFile('Лист «Расписание» с семью столбцами и двумя строками-примерами, лист «Пояснения»'), ...errors },
};

const Sitting = {
  id: Type.Integer(),
  exam: Type.String(),
  room: Type.String(),
  date: Type.String({ description: 'Местная дата (TIMEZONE), ГГГГ-ММ-ДД' }),
  start: Type.String({ description: 'Начало, ЧЧ:ММ местного времени' }),
  end: Type.String({ description: 'Конец, ЧЧ:ММ местного времени' }),
};

export const sittingsSchema = {
  summary: 'Экзамены дня со счётчиками: записано, пришли, не пришли, пытались пройти без записи',
  tags,
  security: adminOnly,
  querystring: Type.Object({ date: Type.Optional(Text(20, 'ГГГГ-ММ-ДД (по умолчанию сегодня по TIMEZONE)')) }),
  response: {
    200: Type.Object({
      date: Type.String(),
      sittings: Type.Array(
        Type.Object({
          ...Sitting,
          starts_at: Type.String({ description: 'Начало, ISO 8601 UTC' }),
          ends_at: Type.String({ description: 'Конец, ISO 8601 UTC' }),
          registered: Type.Integer({ description: 'Записано студентов' }),
          came: Type.Integer({ description: 'Пришли (действующие проходы этого экзамена)' }),
          absent: Type.Integer({ description: 'Записаны и не пришли' }),
          unregistered: Type.Integer({ description: 'Студентов, которым отказано: нет в списке или другая аудитория' }),
        }),
      ),
    }),
    ...errors,
  },
};

const Person = {
  student_id: Type.Integer(),
  lastname: Type.String(),
  firstname: Type.String(),
  group: Nullable(Type.String()),
  matricula: Nullable(Type.String()),
};

export const sittingSchema = {
  summary: 'Отчёт по экзамену: пришли, не пришли, без регистрации',
  tags,
  security: adminOnly,
  params: IdParams,
  response: {
    200: Type.Object({
      sitting: Type.Object(Sitting),
      came: Type.Array(
        Type.Object({
          ...Person,
          time: Type.String({ description: 'Время прохода, ЧЧ:ММ:СС местного времени' }),
          source: Type.String({ description: 'camera, web или manual' }),
          station: Nullable(Type.String()),
        }),
      ),
      absent: Type.Array(Type.Object(Person)),
      unregistered: Type.Array(
        Type.Object({
          ...Person,
          time: Type.String({ description: 'Первая попытка, ЧЧ:ММ:СС местного времени' }),
          status: Type.String({ description: 'not_registered (нет в списке) или wrong_room (записан в другую аудиторию)' }),
        }),
      ),
    }),
    ...errors,
  },
};

export const sittingReportSchema = {
  summary: 'Отчёт по экзамену в Excel (.xlsx)',
  tags,
  security: adminOnly,
  params: IdParams,
  response: { 200: xlsxFile('Листы «Пришли», «Не пришли», «Без регистрации»'), ...errors },
};
