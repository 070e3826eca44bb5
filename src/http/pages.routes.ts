// The two pages (checkpoint `/`, admin `/admin`) and their static files, with security headers.
import path from 'node:path';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { projectRoot } from '../paths.js';

const publicDir = path.join(projectRoot, 'public');

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

export async function pagesRoutes(app: FastifyInstance): Promise<void> {
  if (!fs.existsSync(path.join(publicDir, 'js', 'checkpoint.js'))) {
    app.log.warn('public/js is missing: run `npm run build` to compile the pages');
  }
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=()');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) reply.header('content-security-policy', CSP);
    return payload;
  });
  await app.register(fastifyStatic, { root: publicDir, index: false, wildcard: false, serveDotFiles: false, cacheControl: true, maxAge: 0 });
  app.get('/', (_req, reply) => reply.sendFile('index.html'));
  app.get('/admin', (_req, reply) => reply.sendFile('admin.html'));
}
