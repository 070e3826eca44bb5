// Errors as values with a stable code and a Russian message for the UI; mapped to HTTP in http/errors.ts.

export type ErrorCode =
  | 'bad_image'
  | 'image_too_large'
  | 'image_too_small'
  | 'no_face'
  | 'multiple_faces'
  | 'face_too_small'
  | 'face_unclear'
  | 'two_faces'
  | 'bad_request'
  | 'bad_excel'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_requests'
  | 'not_found'
  | 'conflict'
  | 'engine_unavailable'
  | 'overloaded'
  | 'internal';

const defaultMessages: Record<ErrorCode, string> = {
  bad_image: 'Не удалось прочитать изображение: файл повреждён или это не фото (нужен JPEG, PNG или WebP)',
  image_too_large: 'Изображение слишком большое',
  image_too_small: 'Изображение слишком маленькое',
  // The camera's face outcomes read «what happened — what to do»: the checkpoint card shows the part
  // before « — » as its title and the rest as the hint under it (so nothing is said twice).
  no_face: 'В кадре нет лица — посмотрите в камеру',
  multiple_faces: 'В кадре несколько лиц — перед камерой должен быть один человек',
  face_too_small: 'Лицо слишком далеко — подойдите ближе к камере',
  face_unclear: 'Лицо видно нечётко — сделайте снимок ещё раз, глядя в камеру',
  two_faces: 'На фото два лица сопоставимого размера',
  bad_request: 'Некорректный запрос',
  bad_excel: 'Не удалось прочитать таблицу Excel',
  payload_too_large: 'Слишком большой запрос',
  unauthorized: 'Требуется токен доступа',
  forbidden: 'Доступ запрещён',
  too_many_requests: 'Слишком много запросов, повторите позже',
  not_found: 'Не найдено',
  conflict: 'Операция уже выполняется',
  engine_unavailable: 'Модуль распознавания недоступен, попробуйте ещё раз',
  overloaded: 'Сервер перегружен, повторите через несколько секунд',
  internal: 'Внутренняя ошибка сервера',
};

export class AppError extends Error {
  /** For 429/503: seconds after which the client may try again (the `Retry-After` header). */
  retryAfterS?: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Technical detail for logs only; never shown to the user. */
    readonly detail?: string,
  ) {
    super(message ?? defaultMessages[code]);
    this.name = 'AppError';
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function messageFor(code: ErrorCode): string {
  return defaultMessages[code];
}
