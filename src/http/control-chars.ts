// Text that reaches the database carries no control characters: PostgreSQL refuses a NUL byte in text (a
// 500 otherwise) and the others only garble names and reports. A query value or JSON field holding one is
// a 400 with the field's name; tab, CR and LF pass (a reason may span lines).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** 400 when the text field `name` holds a control character. */
export function refuseControlChars(value: string, name: string): void {
  if (CONTROL.test(value)) throw new AppError('bad_request', `Поле ${name} содержит недопустимые управляющие символы (например, нулевой байт)`);
}

/** Every string in a parsed query or JSON body, with the name of the field it is in (`a.b`, `list`). */
function checkStrings(value: unknown, name: string, depth = 0): void {
  if (typeof value === 'string') refuseControlChars(value, name);
  else if (Array.isArray(value)) for (const v of value) checkStrings(v, name, depth + 1);
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && depth < 8) {
    for (const [k, v] of Object.entries(value)) {
      refuseControlChars(k, name || k);
      // A photo's Base64 (megabytes) is checked character by character when it is decoded (image-input.ts).
      if (depth === 0 && k === 'image') continue;
      checkStrings(v, name ? `${name}.${k}` : k, depth + 1);
    }
  }
}

/** preValidation hook: the query and a JSON body (multipart fields: image-input.ts; raw images are bytes). */
export function refuseControlCharsInText(app: FastifyInstance): void {
  app.addHook('preValidation', (req, _reply, done) => {
    try {
      checkStrings(req.query, '');
      checkStrings(req.body, '');
      done();
    } catch (e) {
      done(e as Error);
    }
  });
}
