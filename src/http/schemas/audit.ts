// Schemas of GET /admin/audit and /admin/audit.xlsx: the audit log (who, from where, when, what), filtered and paged.
import { Type } from '@fastify/type-provider-typebox';
import { ACTOR_KINDS, AUDIT_ACTIONS } from '../../audit/log.js';
import { adminOnly, Binary, Choice, Digits, errors, Nullable, Text } from './common.js';

const tags = ['Журнал действий'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const Filter = {
  action: Type.Optional(Choice([...AUDIT_ACTIONS], { description: 'Только это действие' })),
  actor: Type.Optional(Choice([...ACTOR_KINDS], { description: 'Кто: admin, station (общий токен), paired (пункт), system, cli' })),
  station_id: Type.Optional(Digits('Только этот подключённый пункт')),
  from: Type.Optional(Text(10, 'С этой местной даты (ГГГГ-ММ-ДД, включительно)')),
  to: Type.Optional(Text(10, 'По эту местную дату (ГГГГ-ММ-ДД, включительно)')),
  q: Type.Optional(Text(100, 'Текст в цели: student:12, station:3, load:5, название группы')),
};

const Entry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ description: 'Время сервера, ISO 8601 UTC' }),
  time: Type.String({ description: 'Местное время (TIMEZONE), ГГГГ-ММ-ДД ЧЧ:ММ:СС' }),
  actor_kind: Type.String({ description: 'admin, station, paired, system или cli' }),
  actor_label: Type.String(),
  station_id: Nullable(Type.Integer()),
  actor_name: Nullable(Type.String({ description: 'Название пункта (paired) или команда (cli)' })),
  ip: Nullable(Type.String({ description: 'Адрес клиента' })),
  action: Type.String(),
  action_label: Type.String(),
  target: Nullable(Type.String({ description: 'Кого или что: идентификаторы (student:12, pass:40, station:3…)' })),
  detail: Nullable(
    Type.Record(Type.String(), Nullable(Type.Union([Type.String(), Type.Number(), Type.Boolean()])), {
      description: 'Короткие подробности: числа и признаки (никаких лиц, паспортов, дат рождения, имён)',
    }),
  ),
});

export const auditSchema = {
  summary: 'Журнал действий: кто, откуда, когда и что изменил (новые сверху, постранично)',
  tags,
  security: adminOnly,
  querystring: Type.Object({
    ...Filter,
    limit: Type.Optional(Digits('Сколько записей (1–200, по умолчанию 50)')),
    offset: Type.Optional(Digits('Сколько пропустить')),
  }),
  response: { 200: Type.Object({ total: Type.Integer(), entries: Type.Array(Entry) }), ...errors },
};

export const auditXlsxSchema = {
  summary: 'Журнал действий в Excel (.xlsx) с теми же фильтрами (не больше 50 000 записей)',
  tags,
  security: adminOnly,
  querystring: Type.Object(Filter),
  response: { 200: { description: 'Лист «Журнал действий»', content: { [XLSX]: { schema: Binary('Лист «Журнал действий»') } } }, ...errors },
};
