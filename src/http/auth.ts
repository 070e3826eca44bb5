// Admin and station tokens: header or Bearer, compared in constant time; admin disabled without a token.
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

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
 * Wrong tokens per client address (TRUST_PROXY makes it the real client behind a proxy): after `max`
 * wrong tokens within `windowMs` further wrong or missing tokens get 429 until the window passes. The
 * right token always passes, so one person typing wrong tokens cannot lock the stations out; guessing
 * stays hopeless anyway (generated tokens are 256 random bits, set ones at least 12 characters).
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly max = 10, private readonly windowMs = 5 * 60_000) {}

  blocked(key: string, now = Date.now()): boolean {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list.length >= this.max;
  }

  fail(key: string, now = Date.now()): void {
    const list = this.failures.get(key) ?? [];
    list.push(now);
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }
}

function check(limiter: FailureLimiter, req: FastifyRequest, given: string | undefined, ok: boolean, message: string): void {
  if (ok) return;
  if (limiter.blocked(req.ip)) throw new AppError('too_many_requests', 'Слишком много неверных токенов. Повторите через несколько минут');
  // Only a wrong token counts; a request without one (a page opened before pairing) just gets 401.
  if (given !== undefined) limiter.fail(req.ip);
  throw new AppError('unauthorized', message);
}

/** onRequest hook for /admin/*: 403 when admin is disabled, 401 without the right token, 429 after repeated failures. */
export function requireAdmin(adminToken: string | undefined, limiter = new FailureLimiter()) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new AppError('forbidden', 'Администрирование отключено: на сервере не задан ADMIN_TOKEN');
    const given = tokenFrom(req, 'x-admin-token');
    check(limiter, req, given, given !== undefined && tokensEqual(given, adminToken), 'Нужен верный токен администратора');
  };
}

/** Whether the request carries the admin token (no failure is counted: for optional details). */
export function hasAdminToken(req: FastifyRequest, adminToken: string | undefined): boolean {
  const given = tokenFrom(req, 'x-admin-token');
  return adminToken !== undefined && given !== undefined && tokensEqual(given, adminToken);
}

/**
 * onRequest hook for /api/*: every client needs the station token (or the admin token). Without a
 * configured station token nothing passes (the server always provisions one, see tokens.ts).
 */
export function requireStation(stationToken: string | undefined, adminToken: string | undefined, limiter = new FailureLimiter()) {
  return async (req: FastifyRequest): Promise<void> => {
    const given = tokenFrom(req, 'x-station-token') ?? tokenFrom(req, 'x-admin-token');
    const ok = given !== undefined && ((stationToken !== undefined && tokensEqual(given, stationToken)) || (adminToken !== undefined && tokensEqual(given, adminToken)));
    check(limiter, req, given, ok, 'Нужен токен пункта пропуска: откройте ссылку подключения со страницы администратора или введите токен в настройках');
  };
}
