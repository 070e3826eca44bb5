// Admin and station tokens: header or Bearer, compared in constant time; admin disabled without a token.
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const digest = (s: string) => crypto.createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (hashing first makes lengths equal, so length leaks nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

export function tokenFrom(req: FastifyRequest, header: string): string | undefined {
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
 * Wrong tokens per client address: after `max` failures within `windowMs` the address is refused
 * (429) until the window passes, so a token cannot be guessed by brute force.
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

function check(limiter: FailureLimiter, req: FastifyRequest, ok: boolean, message: string): void {
  if (limiter.blocked(req.ip)) throw new AppError('too_many_requests', 'Слишком много неверных токенов. Повторите через несколько минут');
  if (!ok) {
    limiter.fail(req.ip);
    throw new AppError('unauthorized', message);
  }
}

/** preHandler for /admin/*: 403 when admin is disabled, 401 without the right token, 429 after repeated failures. */
export function requireAdmin(adminToken: string | undefined, limiter = new FailureLimiter()) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new AppError('forbidden', 'Администрирование отключено: на сервере не задан ADMIN_TOKEN');
    const given = tokenFrom(req, 'x-admin-token');
    check(limiter, req, given !== undefined && tokensEqual(given, adminToken), 'Нужен верный токен администратора');
  };
}

/** preHandler for /api/* when STATION_TOKEN is set (the admin token is accepted too). */
export function requireStation(stationToken: string | undefined, adminToken: string | undefined, limiter = new FailureLimiter()) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!stationToken) return;
    const given = tokenFrom(req, 'x-station-token') ?? tokenFrom(req, 'x-admin-token');
    const ok = given !== undefined && (tokensEqual(given, stationToken) || (adminToken !== undefined && tokensEqual(given, adminToken)));
    check(limiter, req, ok, 'Нужен токен пункта пропуска');
  };
}
