// The API's shapes that more than the routes need: the student, pass, sitting and answers the station is shown, the
// error body. Each is a TypeBox schema (Fastify validates and serialises with it, @fastify/swagger documents it) and,
// by the same name, its static type: passes/ builds answers of these types, web/ reads them (through the
// declarations tsc writes to dist/contract/, see tsconfig.json here) and the tests type what they check with them.
// One definition: a field added here reaches the route, the page and the test.
import { Type, type Static, type TSchema } from 'typebox';

/** One of a few strings (documented as an enum; typed as their union). */
export const Choice = <const T extends string[]>(values: [...T], options: { description?: string } = {}) => Type.Enum(values, { type: 'string', ...options });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Код ошибки (bad_request, unauthorized, no_face, …)' }),
    message: Type.String({ description: 'Сообщение для оператора, по-русски' }),
    status: Type.Optional(Type.String({ description: 'Для неудачного снимка: то же, что error (no_face, multiple_faces, face_too_small, face_unclear)' })),
  },
  { description: 'Ошибка: код и сообщение' },
);

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

export const StudentListItem = Type.Object({
  id: Type.Integer(),
  matricula: Nullable(Type.String()),
  lastname: Type.String(),
  firstname: Type.String(),
  lotin: Nullable(Type.String()),
  group: Nullable(Type.String()),
  identifier: Nullable(Type.String()),
  photo_problem: Nullable(Type.String({ description: 'Студент «без фото»: почему; пропустить можно только вручную (null — фото есть)' })),
  passed_today: Nullable(Type.String({ description: 'Время первого прохода сегодня' })),
});

/** A pass as the admin's student card lists it (cancelled ones too). */
export const PassView = Type.Object({
  id: Type.Integer(),
  student_id: Type.Integer(),
  date: Type.String(),
  time: Type.String(),
  source: Type.String(),
  source_label: Type.String(),
  station: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  distance: Nullable(Type.Number()),
  cancelled: Type.Boolean(),
  cancelled_time: Nullable(Type.String()),
  cancelled_by: Nullable(Type.String()),
  cancel_reason: Nullable(Type.String()),
  exam: Nullable(Type.String({ description: 'Экзамен прохода (по расписанию); null — проход по правилу «один в день»' })),
  room: Nullable(Type.String()),
});

/** A frame added to a student's photos at the door. */
export const AddedPhoto = Type.Object({
  id: Type.Integer(),
  student_id: Type.Integer(),
  added: Type.String(),
  added_by: Nullable(Type.String()),
  photo_url: Type.String(),
  client: Nullable(Type.String({ description: 'Адрес клиента, приславшего снимок' })),
  distance: Nullable(Type.Number({ description: 'Расстояние до основного фото студента, когда снимок добавляли' })),
  pass_id: Nullable(Type.Integer({ description: 'Проход, после которого снимок добавлен (его отмена удаляет снимок)' })),
  in_index: Type.Boolean({ description: 'Ищется камерой: той же модели и совпадает с основным фото (1:1)' }),
});

/** GET /admin/students/:id: the student, every pass (cancelled too) and the frames added at the door. */
export const StudentCard = Type.Object({ student: PublicStudent, passes: Type.Array(PassView), added_photos: Type.Array(AddedPhoto) });

/** A student found by the station's search (GET /api/students): the list item with the photo's URL. */
export const FoundStudent = Type.Object({ ...StudentListItem.properties, photo_url: Type.String() });

export type ErrorBody = Static<typeof ErrorBody>;
export type PublicStudent = Static<typeof PublicStudent>;
export type PublicPass = Static<typeof PublicPass>;
export type SittingView = Static<typeof SittingView>;
export type Mode = Static<typeof Mode>;
export type PassAnswer = Static<typeof PassAnswer>;
export type SittingRefusal = Static<typeof SittingRefusal>;
export type StudentListItem = Static<typeof StudentListItem>;
export type PassView = Static<typeof PassView>;
export type AddedPhoto = Static<typeof AddedPhoto>;
export type StudentCard = Static<typeof StudentCard>;
export type FoundStudent = Static<typeof FoundStudent>;
