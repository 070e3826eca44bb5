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

/** preHandler for /admin/*: 403 when admin is disabled, 401 without the right token. */
export function requireAdmin(adminToken: string | undefined) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new AppError('forbidden', 'Администрирование отключено: на сервере не задан ADMIN_TOKEN');
    const given = tokenFrom(req, 'x-admin-token');
    if (!given || !tokensEqual(given, adminToken)) throw new AppError('unauthorized', 'Нужен верный токен администратора');
  };
}

/** preHandler for /api/* when STATION_TOKEN is set. */
export function requireStation(stationToken: string | undefined, adminToken: string | undefined) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!stationToken) return;
    const given = tokenFrom(req, 'x-station-token') ?? tokenFrom(req, 'x-admin-token');
    if (given && (tokensEqual(given, stationToken) || (adminToken !== undefined && tokensEqual(given, adminToken)))) return;
    throw new AppError('unauthorized', 'Нужен токен пункта пропуска');
  };
}
