// Security headers on every response (404s and errors too) and no state change from another site's page.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const CSP = [
  "default-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) reply.header('content-security-policy', CSP);
    return payload;
  });
}

/** Whether `Origin` names the host the request came to (ports normalised: http://h and http://h:80 are one). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (origin === 'null' || !host) return false;
  try {
    const o = new URL(origin);
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * A POST from a page of another site (a form or `fetch(…, {mode: 'no-cors'})` in the operator's browser)
 * is refused before anything runs: browsers say where a request comes from in `Sec-Fetch-Site` and
 * `Origin`. Clients that send neither (curl, scripts) still need their token.
 */
export function rejectCrossSite(app: FastifyInstance): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new AppError('forbidden', 'Запрос с другого сайта отклонён');
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.host)) throw new AppError('forbidden', 'Запрос с другого сайта отклонён');
  });
}
