// Fastify app factory: plugins and routes, no listen (tests inject requests into it).
import fs from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import { maskUrl } from './privacy.js';
import { loadJobs, type AppContext } from './context.js';
import { registerErrorHandlers } from './http/errors.js';
import { healthRoutes } from './http/health.routes.js';
import { studentLoadRoutes } from './http/student-loads.routes.js';
import { rosterRoutes } from './http/roster.routes.js';
import { reportRoutes } from './http/report.routes.js';
import { pairingRoutes } from './http/pairing.routes.js';
import { stationsRoutes } from './http/stations.routes.js';
import { studentCardRoutes } from './http/student-card.routes.js';
import { dataRoutes } from './http/data.routes.js';
import { scheduleRoutes } from './http/schedule.routes.js';
import { auditRoutes } from './http/audit.routes.js';
import { apiRoutes } from './http/api.routes.js';
import { pagesRoutes } from './http/pages.routes.js';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { rejectCrossSite, securityHeaders } from './http/security.js';
import { makeGuards } from './http/auth.js';
import { apiDocs } from './http/docs.js';
import { AppError } from './errors.js';
import { JSON_BODY_LIMIT, smallBodiesByDefault } from './http/body-limits.js';
import { capConnections } from './http/connection-caps.js';
import { addressMatcher } from './address-list.js';
import { drainUnreadBodies } from './http/drain.js';
import { refuseControlCharsInText } from './http/control-chars.js';

/** How long a keep-alive connection may stay idle after its answer. */
export const KEEP_ALIVE_MS = 5000;

export interface BuildOptions {
  /** false: no logging (most tests); a stream: JSON log lines go there instead of stdout (log tests). */
  logger?: boolean | { write(line: string): void };
  /** Told of every route as it is added (the OpenAPI test checks each one is documented). */
  onRoute?: (route: RouteOptions) => void;
}

/** Node's header deadline and how often it checks deadlines (its default, every 30 s, makes short ones meaningless). */
function serverTimeouts(requestTimeoutMs: number): { headersTimeout: number; connectionsCheckingInterval: number } {
  return { headersTimeout: Math.min(20_000, requestTimeoutMs), connectionsCheckingInterval: 1000 };
}

/** under-pressure's refusal, in the project's error shape. */
class Overloaded extends AppError {
  constructor() {
    super('overloaded');
  }
}

export function buildApp(ctx: AppContext, opts: BuildOptions = {}): FastifyInstance {
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: ctx.config.logLevel,
            // Request lines carry the method, the URL with its query values masked, and the client
            // address; never headers (tokens) or bodies (images). Headers are redacted in case a
            // future log call passes them.
            serializers: {
              req: (req: FastifyRequest) => ({ method: req.method, url: maskUrl(req.url), remoteAddress: req.ip }),
            },
            redact: [
              'req.headers.authorization',
              'req.headers["x-admin-token"]',
              'req.headers["x-station-token"]',
              'headers.authorization',
              'headers["x-admin-token"]',
              'headers["x-station-token"]',
            ],
            ...(typeof opts.logger === 'object' ? { stream: opts.logger } : {}),
          },
    // Bodies are small unless a route says otherwise (photos): body-limits.ts.
    bodyLimit: JSON_BODY_LIMIT,
    // Behind a TLS proxy all stations share its address: TRUST_PROXY lets the token limiter see each one.
    // (a hop count is valid at run time; Fastify's types leave the number out)
    trustProxy: ctx.config.trustProxy as boolean | string,
    // A client gets REQUEST_TIMEOUT_S (2 min) to send its whole request and 20 s for its headers: a slow
    // body is cut (408). The answer to a long Excel load may take longer, so sockets are not cut while the
    // server works. Node checks the deadlines every second (its default is every 30 s).
    requestTimeout: ctx.config.requestTimeoutMs,
    connectionTimeout: 0,
    // A connection idle after its answer is closed after 5 s (Node's default; Fastify's is 72 s), so idle
    // ones do not hold connection slots; browsers and fetch open a new one when they need it.
    keepAliveTimeout: KEEP_ALIVE_MS,
    // With TLS_CERT/TLS_KEY the same server speaks HTTPS (browsers give the camera only to HTTPS pages off localhost).
    ...(ctx.config.tls
      ? { https: { ...serverTimeouts(ctx.config.requestTimeoutMs), cert: fs.readFileSync(ctx.config.tls.cert), key: fs.readFileSync(ctx.config.tls.key) } }
      : { http: serverTimeouts(ctx.config.requestTimeoutMs) }),
  }) as unknown as FastifyInstance;
  app.server.maxConnections = ctx.config.maxConnections;
  capConnections(app.server, {
    total: ctx.config.maxConnections,
    perAddress: ctx.config.maxConnectionsPerIp,
    ...(typeof ctx.config.trustProxy === 'string' ? { exempt: addressMatcher(ctx.config.trustProxy) } : {}),
    onRefused: (r) => app.log.warn({ refused: r.refused, top: r.top }, 'connections refused (MAX_CONNECTIONS_PER_IP, or the slots kept for stations)'),
  });
  smallBodiesByDefault(app);
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  registerErrorHandlers(app);
  drainUnreadBodies(app);
  refuseControlCharsInText(app);
  securityHeaders(app);
  rejectCrossSite(app);
  // A blocked event loop (it should never be: face work and Excel parsing run in worker threads) sheds new
  // requests with 503 until it recovers (MAX_EVENT_LOOP_DELAY_MS), rather than queueing them; the
  // concurrency caps are inflight.ts's.
  if (ctx.config.maxEventLoopDelayMs > 0) void app.register(underPressure, { maxEventLoopDelay: ctx.config.maxEventLoopDelayMs, customError: Overloaded });
  // Counts wrong tokens only (auth.ts TokenFailures); `global: false`: no other request is limited by it.
  void app.register(rateLimit, { global: false });
  void app.register(multipart, { limits: { fileSize: ctx.config.maxUploadBytes, files: 2, fields: 20, parts: 30 } });
  apiDocs(app);
  void app.register(async (scoped) => {
    const guards = makeGuards(scoped, ctx.db, ctx.config.adminToken, ctx.config.stationToken, ctx.clock);
    await pagesRoutes(scoped);
    healthRoutes(scoped, ctx);
    // One file per URL group; /admin/* takes the admin token, /api/* a station's (or the admin's).
    const admin = guards.admin;
    const jobs = (ctx.loads ??= loadJobs(ctx));
    studentLoadRoutes(scoped, ctx, jobs, admin);
    rosterRoutes(scoped, ctx, admin);
    reportRoutes(scoped, ctx, admin);
    studentCardRoutes(scoped, ctx, admin);
    scheduleRoutes(scoped, ctx, jobs, admin);
    pairingRoutes(scoped, ctx, admin);
    stationsRoutes(scoped, ctx, admin);
    dataRoutes(scoped, ctx, admin);
    auditRoutes(scoped, ctx, admin);
    apiRoutes(scoped, ctx, guards);
  });
  return app;
}
