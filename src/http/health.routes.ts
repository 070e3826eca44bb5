// GET /api/health: liveness for anyone (status, index size); the figures behind it for the admin token.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { healthSchema } from './schemas/checkpoint.js';
import type { AppContext } from '../context.js';
import { pingDb } from '../db/index.js';
import type { AnnStatus } from '../face/ann-graph.js';
import { hasAdminToken } from './auth.js';

export interface HealthBody {
  status: 'ok' | 'degraded';
  db: boolean;
  database: 'sqlite' | 'postgres';
  index_size: number;
  index_backend: string;
  /** INDEX_BACKEND=hnsw: the graph's state (off below the size where it pays, building, ready, failed). */
  index_ann: AnnStatus | null;
  engine_ready: boolean;
  engine_workers: number;
  /** Live tfjs tensors per worker: flat over time, or the engine leaks. */
  engine_tensors: number[];
  engine_queued: number;
  rss_mb: number;
  /** The descriptor model (FACE_MODEL) and what its weights' licence is. */
  face_model: { id: string; label: string; licence: string };
  match_threshold: number;
  match_margin: number;
  station_token_required: boolean;
  timezone: string;
  uptime_s: number;
}

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/health', { schema: healthSchema }, async (req, reply) => {
    const db = await pingDb(ctx.db);
    const engineReady = ctx.engine.ready;
    const body: HealthBody = {
      status: db && engineReady ? 'ok' : 'degraded',
      db,
      database: ctx.config.database.kind,
      index_size: ctx.index.size,
      index_backend: ctx.index.backend,
      index_ann: ctx.index.annStatus ?? null,
      engine_ready: engineReady,
      engine_workers: ctx.engine.size,
      engine_tensors: ctx.engine.stats().numTensors,
      engine_queued: ctx.engine.stats().queued,
      rss_mb: Math.round(process.memoryUsage().rss / 1048576),
      face_model: { id: ctx.engine.model.id, label: ctx.engine.model.label, licence: ctx.engine.model.licence },
      match_threshold: ctx.config.matchThreshold,
      match_margin: ctx.config.matchMargin,
      station_token_required: ctx.config.stationToken !== undefined,
      timezone: ctx.config.timezone,
      uptime_s: Math.round(process.uptime()),
    };
    const code = body.status === 'ok' ? 200 : 503;
    // Without the admin token: liveness only (thresholds, memory, time zone and workers help an attacker more than a monitor).
    if (!hasAdminToken(req, ctx.config.adminToken)) return reply.status(code).send({ status: body.status, index_size: body.index_size });
    return reply.status(code).send(body);
  });
}
