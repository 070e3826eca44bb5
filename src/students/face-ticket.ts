// The right to add a frame to a student's faces, given only with a verified 1:1 match or a manual pass: a short-lived
// ticket naming the student, the pass and the client it was given to (HMAC-signed; the key lives in table meta, so
// every instance on one database accepts it). It proves the exchange, not the frame: the frame must still pass the
// 1:1 check against the student's enrolled face (students/added-faces.ts).
import crypto from 'node:crypto';
import type { Db } from '../db/index.js';
import { AppError } from '../errors.js';

/** How long after a verified match or a manual pass the station may add the frame it takes next (seconds). */
export const ADD_FACE_WINDOW_S = 180;

export interface FaceTicket {
  studentId: number;
  passId: number;
  client: string;
  /** Epoch milliseconds after which it is refused. */
  expires: number;
}

const KEY = 'face_ticket_key';
const keys = new WeakMap<Db, Promise<Buffer>>();

/** The signing key: made once per database (random, 256 bits), shared by its instances. */
function keyOf(db: Db): Promise<Buffer> {
  let k = keys.get(db);
  if (!k) {
    k = (async () => {
      await db
        .insertInto('meta')
        .values({ key: KEY, value: crypto.randomBytes(32).toString('base64') })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await db.selectFrom('meta').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
      return Buffer.from(row.value, 'base64');
    })();
    k.catch(() => keys.delete(db));
    keys.set(db, k);
  }
  return k;
}

const sign = (key: Buffer, payload: string) => crypto.createHmac('sha256', key).update(payload).digest('base64url');

export async function issueFaceTicket(db: Db, t: FaceTicket): Promise<string> {
  const payload = Buffer.from(JSON.stringify([t.studentId, t.passId, t.client, t.expires])).toString('base64url');
  return `${payload}.${sign(await keyOf(db), payload)}`;
}

const REFUSED = 'Снимок добавляется только сразу после прохода по зачётке или вручную на этом пункте — сделайте проверку заново';

/** The ticket's content, or 409 with the reason in Russian (forged, expired, for another student or another client). */
export async function readFaceTicket(db: Db, ticket: unknown, studentId: number, client: string, now: number): Promise<FaceTicket> {
  if (typeof ticket !== 'string' || ticket.length > 512) throw new AppError('conflict', REFUSED, 'no ticket');
  const [payload, mac] = ticket.split('.');
  if (!payload || !mac) throw new AppError('conflict', REFUSED, 'malformed ticket');
  const want = Buffer.from(sign(await keyOf(db), payload));
  const got = Buffer.from(mac);
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) throw new AppError('conflict', REFUSED, 'bad signature');
  let t: FaceTicket;
  try {
    const [s, p, c, e] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [number, number, string, number];
    t = { studentId: s, passId: p, client: c, expires: e };
  } catch {
    throw new AppError('conflict', REFUSED, 'unreadable ticket');
  }
  if (t.studentId !== studentId) throw new AppError('conflict', 'Этот снимок относится к другому студенту — не добавлен', 'ticket for another student');
  if (t.client !== client) throw new AppError('conflict', REFUSED, 'ticket of another client');
  if (!(now <= t.expires)) throw new AppError('conflict', 'Время для снимка истекло — проверьте студента заново, затем добавьте снимок', 'expired');
  return t;
}
