// The API described by its own route schemas: OpenAPI 3.1 at /docs/json, Swagger UI at /docs (assets from
// the npm package, nothing from a CDN). Registered before the routes: @fastify/swagger collects them as
// they are added. The document holds no personal data, so it is open like the pages.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { projectRoot } from '../paths.js';
import { DOC_BODY } from './schemas/common.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/** Swagger UI's own page: its scripts and styles from /docs/static, inline styles set by its React code. */
const DOCS_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

function appVersion(): string {
  const pkg: unknown = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  return pkg && typeof pkg === 'object' && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** Adds the stream-read request bodies (DOC_BODY) to the documented ones. */
function withDocBody(schema: Record<string, unknown>): Record<string, unknown> {
  const extra = schema[DOC_BODY] as { description?: string; content: Record<string, unknown> } | undefined;
  if (!extra) return schema;
  const { [DOC_BODY]: _, ...rest } = schema;
  const body = (rest.body ?? {}) as { content?: Record<string, unknown> };
  return { ...rest, body: { ...body, ...(extra.description ? { description: extra.description } : {}), content: { ...body.content, ...extra.content } } };
}

/** Registered on the root instance itself (both plugins are global): @fastify/swagger must see every route. */
export function apiDocs(app: FastifyInstance): void {
  void app.register(swagger, {
    transform: ({ schema, url }) => ({ schema: schema ? (withDocBody(schema as Record<string, unknown>) as typeof schema) : schema, url }),
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'exam-face-checkin',
        version: appVersion(),
        description:
          'Пропуск на экзамен по лицу. Маршруты /api/* — для пунктов пропуска (токен пункта или администратора), /admin/* — для администратора. ' +
          'Ошибки всегда в виде {"error": "<код>", "message": "<сообщение по-русски>"}.',
      },
      tags: [
        { name: 'Пункт пропуска', description: 'Распознавание, ручной пропуск, поиск (токен пункта пропуска)' },
        { name: 'Администрирование', description: 'Загрузка списка, отчёты, карточки студентов (токен администратора)' },
        { name: 'Расписание', description: 'Экзамены по аудиториям: загрузка расписания, отчёты по экзаменам (токен администратора)' },
        { name: 'Служебное', description: 'Состояние сервера' },
        { name: 'Страницы', description: 'Страницы для браузера' },
      ],
      components: {
        securitySchemes: {
          adminToken: { type: 'apiKey', in: 'header', name: 'X-Admin-Token', description: 'ADMIN_TOKEN сервера' },
          stationToken: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Station-Token',
            description: 'Токен пункта пропуска (ссылка подключения на странице администратора)',
          },
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Любой из двух токенов в Authorization: Bearer …' },
        },
      },
    },
  });
  void app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: { docExpansion: 'list', deepLinking: false, tryItOutEnabled: false },
  });
}
