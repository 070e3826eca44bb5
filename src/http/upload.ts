// The one multipart receiver of the admin's uploads (a student sheet with its photos, a schedule): each expected file
// field streamed to a private folder under DATA_DIR/uploads (never the whole upload in memory), the size capped,
// other files drained, a few text fields kept. The caller removes the folder.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { stripControls } from '../spreadsheet-text.js';
import { newUploadDir } from '../students/uploads.js';
import { multipartError } from './image-input.js';

export interface UploadSpec {
  /** Form field → the file name it is written under in the upload's folder. */
  files: Record<string, string>;
  /** Text fields kept (others are ignored). */
  fields?: string[];
  maxBytes: number;
  dataDir: string;
}

export interface Upload {
  dir: string;
  /** Form field → where its file was written (absent when the form had no such file). */
  files: Record<string, string>;
  /** Form field → the name the browser gave the file (control characters removed, at most 200 characters). */
  names: Record<string, string>;
  fields: Record<string, string>;
}

/** Streams the form's files to a new folder; on any failure the folder is removed and a clear 4xx is thrown. */
export async function receiveUpload(req: FastifyRequest, spec: UploadSpec): Promise<Upload> {
  const up: Upload = { dir: newUploadDir(spec.dataDir), files: {}, names: {}, fields: {} };
  const expected = Object.keys(spec.files).length;
  try {
    for await (const part of req.parts({ limits: { fileSize: spec.maxBytes, files: expected, fields: 10 } })) {
      if (part.type === 'file') {
        const fileName = Object.hasOwn(spec.files, part.fieldname) ? spec.files[part.fieldname] : undefined;
        if (!fileName) {
          part.file.resume();
          continue;
        }
        const target = path.join(up.dir, fileName);
        await pipeline(part.file, fs.createWriteStream(target));
        if (part.file.truncated) throw new AppError('payload_too_large', `Файл больше ${Math.round(spec.maxBytes / 1048576)} МБ`);
        up.files[part.fieldname] = target;
        const name = stripControls(part.filename ?? '').trim();
        if (name) up.names[part.fieldname] = name.slice(0, 200);
      } else if (spec.fields?.includes(part.fieldname) && typeof part.value === 'string') {
        up.fields[part.fieldname] = part.value;
      }
    }
  } catch (e) {
    fs.rmSync(up.dir, { recursive: true, force: true });
    throw multipartError(e);
  }
  return up;
}

/** «1», «true», «yes», «on», «да» (a form's checkbox or a query flag). */
export const truthy = (v: unknown): boolean => typeof v === 'string' && /^(1|true|yes|on|да)$/i.test(v.trim());
