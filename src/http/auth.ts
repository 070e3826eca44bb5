// Admin and station tokens: header or Bearer, compared in constant time; admin disabled without a token. A paired
// station's own token (its hash in table stations) tells which station is asking.
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.js';
import type { Db } from '../db/index.js';
import { stationByToken, touchStation, type Station } from '../stations/repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The paired station behind the request (its own token); null for the shared station token, the admin token or none. */
    station: Station | null;
  }
}

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (hashing first makes lengths equal, so length leaks nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

/** How many times the client sent a header (Node joins repeated ones into "a, b"). */
function timesSent(req: FastifyRequest, name: string): number {
  const raw = req.raw.rawHeaders;
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) n++;
  return n;
}

export function tokenFrom(req: FastifyRequest, header: string): string | undefined {
  // Two values for one token header is a broken client, not a guess: 400, and no failure is counted.
  if (timesSent(req, header) > 1 || timesSent(req, 'authorization') > 1) throw new AppError('bad_request', 'Токен передан дважды: оставьте один заголовок');
  const direct = req.headers[header];
  if (typeof direct === 'string' && direct.length > 0) return direct.trim();
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  return undefined;
}

/**
 * Wrong tokens per client address (TRUST_PROXY makes it the real client behind a proxy), counted by
 * @fastify/rate-limit: after `max` wrong tokens within `windowMs` further wrong tokens get 429 until the
 * window passes. Only a wrong token counts: the right token always passes (one person typing wrong tokens
 * cannot lock the stations out), a missing one is a 401 (a page opened before pairing), a doubled header a
 * 400. Guessing stays hopeless anyway (generated tokens are 256 random bits, set ones at least 12 characters).
 */
export class TokenFailures {
  private readonly counter: ReturnType<FastifyInstance['createRateLimit']>;

  /** `app` has @fastify/rate-limit registered (app.ts, `global: false`: it limits nothing else). */
  constructor(app: FastifyInstance, max = 10, windowMs = 5 * 60_000) {
    this.counter = app.createRateLimit({ max, timeWindow: windowMs });
  }

  /** Seconds until the client may try again when it has used up its wrong tokens; undefined when it has not. */
  async blockedFor(req: FastifyRequest): Promise<number | undefined> {
    const r = await this.counter(req, { increment: false });
    return !r.isAllowed && r.remaining === 0 ? Math.max(1, r.ttlInSeconds) : undefined;
  }

  async fail(req: FastifyRequest): Promise<void> {
    await this.counter(req);
  }
}

async function check(failures: TokenFailures, req: FastifyRequest, given: string | undefined, ok: boolean, message: string): Promise<void> {
  if (ok) return;
  // Only a wrong token counts; a request without one (a page opened before pairing) just gets 401.
  if (given === undefined) throw new AppError('unauthorized', message);
  const wait = await failures.blockedFor(req);
  if (wait !== undefined) {
    const e = new AppError('too_many_requests', 'Слишком много неверных токенов. Повторите через несколько минут');
    e.retryAfterS = wait;
    throw e;
  }
  await failures.fail(req);
  throw new AppError('unauthorized', message);
}

/** onRequest hook for /admin/*: 403 when admin is disabled, 401 without the right token, 429 after repeated wrong ones. */
export function requireAdmin(adminToken: string | undefined, failures: TokenFailures) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new AppError('forbidden', 'Администрирование отключено: на сервере не задан ADMIN_TOKEN');
    const given = tokenFrom(req, 'x-admin-token');
    await check(failures, req, given, given !== undefined && tokensEqual(given, adminToken), 'Нужен верный токен администратора');
  };
}

/** Whether the request carries the admin token (no failure is counted: for optional details). */
export function hasAdminToken(req: FastifyRequest, adminToken: string | undefined): boolean {
  const given = tokenFrom(req, 'x-admin-token');
  return adminToken !== undefined && given !== undefined && tokensEqual(given, adminToken);
}

/** How often a station's «last seen» is written (every request would be a write per recognition). */
const SEEN_EVERY_MS = 60_000;

/** Requests the station guard let through on the admin token (the admin page shows photos through /api/*). */
const passedAsAdmin = new WeakSet<FastifyRequest>();

/** Whether the station guard admitted this request with the admin token: the per-station limits leave the admin alone. */
export function admittedAsAdmin(req: FastifyRequest): boolean {
  return passedAsAdmin.has(req);
}

/**
 * onRequest hook for /api/*: every client needs a paired station's own token, the shared station token (for
 * scripts) or the admin token. A station's token sets `req.station` (its name and room come from the server,
 * not from the request); a revoked station is refused at once, on every instance.
 */
export function requireStation(db: Db, stationToken: string | undefined, adminToken: string | undefined, failures: TokenFailures, clock: () => Date) {
  const seen = new Map<number, number>();
  return async (req: FastifyRequest): Promise<void> => {
    req.station = null;
    const given = tokenFrom(req, 'x-station-token') ?? tokenFrom(req, 'x-admin-token');
    const admin = given !== undefined && adminToken !== undefined && tokensEqual(given, adminToken);
    const shared = admin || (given !== undefined && stationToken !== undefined && tokensEqual(given, stationToken));
    if (shared || given === undefined || given.length > 200) {
      await check(failures, req, given, shared, NEED_STATION_TOKEN);
      if (admin) passedAsAdmin.add(req);
      return;
    }
    const row = await stationByToken(db, given);
    if (row?.revoked_at) await check(failures, req, given, false, 'Пункт отключён администратором — подключите его заново ссылкой со страницы администратора');
    await check(failures, req, given, row !== undefined, NEED_STATION_TOKEN);
    req.station = { id: row!.id, name: row!.name, room: row!.room };
    const now = clock();
    if (now.getTime() - (seen.get(row!.id) ?? 0) >= SEEN_EVERY_MS) {
      seen.set(row!.id, now.getTime());
      await touchStation(db, row!.id, now, req.ip).catch(() => undefined); // «last seen» must never refuse a request
    }
  };
}

const NEED_STATION_TOKEN = 'Нужен токен пункта пропуска: откройте ссылку подключения со страницы администратора или введите токен в настройках';

/** The two token checks, sharing one count of wrong tokens per client. */
export interface Guards {
  admin: onRequestAsyncHookHandler;
  station: onRequestAsyncHookHandler;
}

export function makeGuards(app: FastifyInstance, db: Db, adminToken: string | undefined, stationToken: string | undefined, clock: () => Date): Guards {
  const failures = new TokenFailures(app);
  if (!app.hasRequestDecorator('station')) app.decorateRequest('station', null);
  return { admin: requireAdmin(adminToken, failures), station: requireStation(db, stationToken, adminToken, failures, clock) };
}
