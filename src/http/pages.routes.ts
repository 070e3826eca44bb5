// The two pages (checkpoint `/`, admin `/admin`) and their static files (security headers: http/security.ts).
import path from 'node:path';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { projectRoot } from '../paths.js';

const publicDir = path.join(projectRoot, 'public');

export async function pagesRoutes(app: FastifyInstance): Promise<void> {
  if (!fs.existsSync(path.join(publicDir, 'js', 'checkpoint.js'))) {
    app.log.warn('public/js is missing: run `npm run build` to compile the pages');
  }
  await app.register(fastifyStatic, { root: publicDir, index: false, wildcard: false, serveDotFiles: false, cacheControl: true, maxAge: 0 });
  app.get('/', (_req, reply) => reply.sendFile('index.html'));
  app.get('/admin', (_req, reply) => reply.sendFile('admin.html'));
  // Browsers ask for /favicon.ico on their own; the pages link the SVG.
  app.get('/favicon.ico', (_req, reply) => reply.redirect('/favicon.svg', 301));
}
