// The image of a /api/recognize request: multipart field `image`, JSON Base64 / data URL, or a raw image body.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { stripBidi } from '../spreadsheet-text.js';
import { refuseControlChars } from './control-chars.js';
import type { Claim, Source } from '../passes/recognize.js';

export interface ImageRequest {
  bytes: Buffer;
  source: Source | undefined;
  station: string | null;
  /** The station's room (schedule), null when it has none. */
  room: string | null;
  /** Card + face: the Matricula (or id) of the student the frame is compared with, 1:1. */
  claim: Claim | undefined;
  /** For an added photo: the ticket of the exchange it belongs to (students/face-ticket.ts). */
  ticket: string | undefined;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes plain Base64 (also URL-safe) or a `data:image/…;base64,` URL; refuses anything else. */
export function decodeBase64Image(value: unknown, maxBytes: number): Buffer {
  if (typeof value !== 'string' || value.trim() === '') throw new AppError('bad_request', 'Нет изображения: поле image пустое или отсутствует');
  let b64 = value.trim();
  const m = /^data:([^;,]*)(;[^,]*)?,/i.exec(b64);
  if (m) {
    if (!/;base64/i.test(m[2] ?? '')) throw new AppError('bad_request', 'Изображение в data URL должно быть в Base64');
    b64 = b64.slice(m[0].length);
  }
  b64 = b64.replace(/\s+/g, '');
  if (!BASE64.test(b64) || b64.length % 4 === 1) throw new AppError('bad_request', 'Изображение в неверном формате Base64');
  if ((b64.length * 3) / 4 > maxBytes) throw new AppError('payload_too_large', `Изображение больше ${Math.round(maxBytes / 1048576)} МБ`);
  const bytes = Buffer.from(b64, b64.includes('-') || b64.includes('_') ? 'base64url' : 'base64');
  if (bytes.length === 0) throw new AppError('bad_request', 'Изображение в Base64 пустое');
  return bytes;
}

function parseSource(v: unknown): Source | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'camera' || v === 'web') return v;
  throw new AppError('bad_request', 'Поле source должно быть camera или web');
}

/** The station's room as the schedule names it (direction marks stripped, at most 100 characters); null for none. */
export function parseRoom(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new AppError('bad_request', 'Поле room должно быть строкой');
  refuseControlChars(v, 'room');
  const s = stripBidi(v).trim().slice(0, 100);
  return s === '' ? null : s;
}

export function parseStation(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new AppError('bad_request', 'Поле station должно быть строкой');
  refuseControlChars(v, 'station');
  const s = v.trim().slice(0, 64);
  return s === '' ? null : s;
}

/**
 * The claimed student: `matricula` (as the card or a scanner gives it: direction marks and spaces around
 * dropped, leading zeros kept) or `student_id`; neither → undefined; both → 400.
 */
export function parseClaim(matricula: unknown, studentId: unknown): Claim | undefined {
  let m: string | undefined;
  if (matricula !== undefined && matricula !== null) {
    if (typeof matricula !== 'string') throw new AppError('bad_request', 'Поле matricula должно быть строкой');
    m = stripBidi(matricula).trim();
    if (m === '') m = undefined;
    else {
      refuseControlChars(m, 'matricula');
      if (m.length > 64) throw new AppError('bad_request', 'Неверный номер зачётки (Matricula): не больше 64 символов');
    }
  }
  let id: number | undefined;
  if (studentId !== undefined && studentId !== null && studentId !== '') {
    id = typeof studentId === 'number' ? studentId : typeof studentId === 'string' && /^[0-9]{1,10}$/.test(studentId) ? Number(studentId) : NaN;
    if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw new AppError('bad_request', 'Поле student_id должно быть целым числом ≥ 1');
  }
  if (m !== undefined && id !== undefined) throw new AppError('bad_request', 'Укажите что-то одно: matricula или student_id');
  return m !== undefined ? { matricula: m } : id !== undefined ? { studentId: id } : undefined;
}

function parseTicket(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > 512) throw new AppError('bad_request', 'Поле ticket должно быть строкой');
  return v;
}

/** The query of a route that takes a photo (validated by its schema). */
export interface ImageQuery {
  source?: string;
  station?: string;
  room?: string;
  matricula?: string;
  student_id?: string;
  ticket?: string;
}

/** A field of a parsed JSON body (the schema checked only `application/json` bodies; others are Buffers). */
function field(body: object, name: string): unknown {
  return Object.hasOwn(body, name) ? Reflect.get(body, name) : undefined;
}

/** The photo of a request, whichever of the three ways it came: `body` is what Fastify parsed (a Buffer, a JSON object or nothing). */
export async function readImageRequest(req: FastifyRequest, query: ImageQuery, body: unknown, maxBytes: number): Promise<ImageRequest> {
  if (req.isMultipart()) {
    let bytes: Buffer | undefined;
    const fields: Record<string, unknown> = {};
    try {
      for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'image' && part.fieldname !== 'file') {
            part.file.resume();
            continue;
          }
          bytes = await part.toBuffer();
          if (part.file.truncated) throw new AppError('payload_too_large', `Изображение больше ${Math.round(maxBytes / 1048576)} МБ`);
        } else {
          fields[part.fieldname] = part.value;
        }
      }
    } catch (e) {
      throw multipartError(e);
    }
    if (!bytes) throw new AppError('bad_request', 'Нет изображения: приложите файл в поле image');
    return {
      bytes,
      source: parseSource(fields.source ?? query.source),
      station: parseStation(fields.station ?? query.station),
      room: parseRoom(fields.room ?? query.room),
      claim: parseClaim(fields.matricula ?? query.matricula, fields.student_id ?? query.student_id),
      ticket: parseTicket(fields.ticket ?? query.ticket),
    };
  }
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw new AppError('bad_request', 'Пустой запрос: изображение не получено');
    if (body.length > maxBytes) throw new AppError('payload_too_large', `Изображение больше ${Math.round(maxBytes / 1048576)} МБ`);
    return {
      bytes: body,
      source: parseSource(query.source),
      station: parseStation(query.station),
      room: parseRoom(query.room),
      claim: parseClaim(query.matricula, query.student_id),
      ticket: parseTicket(query.ticket),
    };
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    return {
      bytes: decodeBase64Image(field(body, 'image'), maxBytes),
      source: parseSource(field(body, 'source') ?? query.source),
      station: parseStation(field(body, 'station') ?? query.station),
      room: parseRoom(field(body, 'room') ?? query.room),
      claim: parseClaim(field(body, 'matricula') ?? query.matricula, field(body, 'student_id') ?? query.student_id),
      ticket: parseTicket(field(body, 'ticket') ?? query.ticket),
    };
  }
  throw new AppError('bad_request', 'Пустой запрос: отправьте фото (multipart, поле image) или JSON {"image": "<base64>"}');
}

/** Errors of the multipart parser itself (truncated body, bad headers) are the client's: 400, or 413 for limits. */
export function multipartError(e: unknown): unknown {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string })?.code ?? '';
  if (/FILE_TOO_LARGE|FILES_LIMIT|PARTS_LIMIT|FIELDS_LIMIT/.test(code)) return e;
  return new AppError('bad_request', 'Повреждённый запрос multipart/form-data', String((e as Error)?.message ?? e));
}
