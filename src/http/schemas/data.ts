// Schemas of /admin/retention, /admin/erase and /admin/loads: the data's life — what the daily sweep deletes,
// erasing one student or a cohort (with a preview and a confirmed count), the loads a cohort is chosen by.
import { Type } from '@fastify/type-provider-typebox';
import { adminOnly, Choice, Digits, errors, Nullable, Text } from './common.js';

const tags = ['Хранение и удаление данных'];

const Counts = Type.Object({
  attempts: Type.Integer({ description: 'Попыток распознавания' }),
  added_frames: Type.Integer({ description: 'Кадров, сохранённых с добавленными снимками (сам снимок лица остаётся)' }),
  passes: Type.Integer({ description: 'Проходов' }),
});

export const retentionSchema = {
  summary: 'Сроки хранения: настройки, последняя очистка и что удалит следующая (раз в сутки)',
  tags,
  security: adminOnly,
  response: {
    200: Type.Object({
      policy: Type.Object({
        attempts_days: Type.Integer({ description: 'RETENTION_DAYS_ATTEMPTS (0 — хранить всегда)' }),
        added_frames_days: Type.Integer({ description: 'RETENTION_DAYS_ADDED_FRAMES' }),
        passes_days: Type.Integer({ description: 'RETENTION_DAYS_PASSES' }),
        audit_days: Type.Integer({ description: 'RETENTION_DAYS_AUDIT: журнал действий (0 — хранить всегда)' }),
        erase_passes: Choice(['counts', 'delete'], { description: 'ERASE_PASSES: проходы удалённого студента — числом или удалить' }),
      }),
      last_sweep: Nullable(Type.Object({ at: Type.String(), ...Counts.properties })),
      next_sweep_at: Type.String({ description: 'Когда следующая очистка (ISO, UTC)' }),
      next: Counts,
    }),
    ...errors,
  },
};

const Cohort = {
  student_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  load_id: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
};

export const erasePreviewSchema = {
  summary: 'Кого удалит удаление: число студентов, их проходов и первые 20 — для подтверждения',
  tags,
  security: adminOnly,
  querystring: Type.Object({
    student_id: Type.Optional(Digits('Один студент')),
    group: Type.Optional(Text(100, 'Вся группа')),
    load_id: Type.Optional(Digits('Все студенты, впервые записанные этой загрузкой')),
  }),
  response: {
    200: Type.Object({
      count: Type.Integer(),
      passes: Type.Integer(),
      students: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), matricula: Nullable(Type.String()), group: Nullable(Type.String()) })),
    }),
    ...errors,
  },
};

export const eraseSchema = {
  summary:
    'Удалить студента или когорту (группу, загрузку) безвозвратно: фото, описания лица, добавленные снимки и кадры; проходы — числом или удалить (ERASE_PASSES). confirm — число студентов из предпросмотра',
  tags,
  security: adminOnly,
  body: Type.Object({
    ...Cohort,
    confirm: Type.Integer({ minimum: 1, description: 'Число студентов, которое подтвердил администратор' }),
    passes: Type.Optional(Choice(['counts', 'delete'])),
  }),
  response: {
    200: Type.Object({
      students: Type.Integer(),
      passes: Type.Integer(),
      passes_kept_as_counts: Type.Boolean(),
      added_photos: Type.Integer(),
      message: Type.String(),
    }),
    ...errors,
  },
};

export const loadsSchema = {
  summary: 'Загрузки таблицы студентов: файл, когда, сколько добавлено, сколько их студентов сейчас в базе',
  tags,
  security: adminOnly,
  response: {
    200: Type.Object({
      loads: Type.Array(
        Type.Object({
          id: Type.Integer(),
          file: Type.String(),
          started_at: Type.String(),
          finished_at: Nullable(Type.String()),
          added: Nullable(Type.Integer()),
          updated: Nullable(Type.Integer()),
          students: Type.Integer({ description: 'Студентов этой загрузки в базе сейчас' }),
        }),
      ),
    }),
    ...errors,
  },
};
