// Fastify app factory: plugins and routes, no listen (tests inject requests into it).
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import { registerErrorHandlers } from './http/errors.js';
import { healthRoutes } from './http/health.routes.js';
import { adminRoutes } from './http/admin.routes.js';
import { apiRoutes } from './http/api.routes.js';
import { pagesRoutes } from './http/pages.routes.js';
import multipart from '@fastify/multipart';

export function buildApp(ctx: AppContext, opts: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: ctx.config.logLevel,
            // Tokens never reach the logs, whichever header carries them.
            redact: ['req.headers.authorization', 'req.headers["x-admin-token"]', 'req.headers["x-station-token"]'],
          },
    bodyLimit: ctx.config.maxImageBytes * 2,
    trustProxy: false,
  });
  registerErrorHandlers(app);
  void app.register(multipart, { limits: { fileSize: ctx.config.maxUploadBytes, files: 2, fields: 20, parts: 30 } });
  void app.register(async (scoped) => {
    await pagesRoutes(scoped);
    healthRoutes(scoped, ctx);
    adminRoutes(scoped, ctx);
    apiRoutes(scoped, ctx);
  });
  return app;
}
