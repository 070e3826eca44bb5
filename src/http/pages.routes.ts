// The two pages (checkpoint `/`, admin `/admin`) and their static files (security headers: http/security.ts).
import path from 'node:path';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { projectRoot } from '../paths.js';
import { Binary } from './schemas/common.js';

const publicDir = path.join(projectRoot, 'public');

const page = (summary: string) => ({
  summary,
  tags: ['Страницы'],
  response: { 200: { description: 'HTML', content: { 'text/html': { schema: Binary('Страница') } } } },
});

export async function pagesRoutes(app: FastifyInstance): Promise<void> {
  if (!fs.existsSync(path.join(publicDir, 'js', 'checkpoint.js'))) {
    app.log.warn('public/js is missing: run `npm run build` to compile the pages');
  }
  // Its scripts, styles and icons stay out of the API description (@fastify/static hides them).
  await app.register(fastifyStatic, { root: publicDir, index: false, wildcard: false, serveDotFiles: false, cacheControl: true, maxAge: 0 });
  app.get('/', { schema: page('Пункт пропуска (камера)') }, (_req, reply) => reply.sendFile('index.html'));
  app.get('/admin', { schema: page('Страница администратора') }, (_req, reply) => reply.sendFile('admin.html'));
  // Browsers ask for /favicon.ico on their own; the pages link the SVG.
  app.get(
    '/favicon.ico',
    {
      schema: {
        summary: 'Значок сайта (перенаправление на /favicon.svg)',
        tags: ['Страницы'],
        response: { 301: { description: 'На /favicon.svg', type: 'null' } },
      },
    },
    (_req, reply) => reply.redirect('/favicon.svg', 301),
  );
}
