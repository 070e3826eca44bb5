// Security headers on every response (404s and errors too: @fastify/helmet) and no state change from
// another site's page.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import { AppError } from '../errors.js';

/**
 * The pages load only their own scripts, styles and images; the camera frame is a blob: / data: URL.
 * Helmet's defaults are kept except: no `upgrade-insecure-requests` (the admin page is also opened over
 * plain HTTP on a LAN address) and no HSTS (a station that once saw the HTTPS address would refuse the
 * plain-HTTP one for a year, e.g. after the certificate is removed; HTTP_REDIRECT_PORT does the upgrade).
 */
export function securityHeaders(app: FastifyInstance): void {
  // helmet is a global plugin: registered on the root, its hooks cover every route, 404s and errors.
  void app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:', 'data:'],
        mediaSrc: ["'self'", 'blob:', 'mediastream:'],
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
  // Helmet has no Permissions-Policy: the checkpoint needs the camera, nothing needs the microphone or location.
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
    done();
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
  app.addHook('onRequest', (req: FastifyRequest, _reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return done();
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const foreign = site === 'cross-site' || site === 'same-site' || (origin !== undefined && !sameHost(origin, req.host));
    done(foreign ? new AppError('forbidden', 'Запрос с другого сайта отклонён') : undefined);
  });
}
