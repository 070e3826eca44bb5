// A whole app instance for HTTP tests: real engine, real database, Fastify without listening.
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/index.js';
import type { FaceEngine } from '../../src/face/engine.js';
import { FACEAPI_MODEL } from '../../src/face/models.js';
import { FaceIndex } from '../../src/face/index.js';
import { Lookalikes } from '../../src/face/lookalikes.js';
import { rebuildIndex } from '../../src/students/rebuild.js';
import { systemClock, type Clock } from '../../src/time.js';
import type { TestContext } from 'node:test';
import type { TestDatabase } from './db.js';
import { rosterOf, type AppContext } from '../../src/context.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const STATION_TOKEN = 'test-station-token-0123456789';

export interface TestApp {
  /** `app.inject` acts as a paired station: /api/* requests without a token header get STATION_TOKEN. */
  app: FastifyInstance;
  /** The raw `inject`: no token added (for tests of what an unpaired client gets). */
  anon: FastifyInstance['inject'];
  ctx: AppContext;
  db: Db;
  close(): Promise<void>;
}

export async function startApp(
  tdb: TestDatabase,
  engine: FaceEngine,
  env: Record<string, string> = {},
  clock: Clock = systemClock,
  logger: BuildOptions['logger'] = false,
  onRoute?: BuildOptions['onRoute'],
): Promise<TestApp> {
  // The app's rule follows the engine's model (a face-api engine with the default model's thresholds would be a wrong test).
  const modelEnv = engine.model.id === FACEAPI_MODEL.id ? { FACE_MODEL: 'faceapi' } : {};
  const config: Config = { ...loadConfig({ ADMIN_TOKEN, STATION_TOKEN, ...modelEnv, ...env }), database: tdb.config };
  if (config.model.id !== engine.model.id && !env.FACE_MODEL) throw new Error(`test app: engine model ${engine.model.id}, config ${config.model.id}`);
  const db = await createDb(tdb.config);
  const ctx: AppContext = { config, db, engine, index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), clock };
  await rebuildIndex(db, rosterOf(ctx));
  const app = buildApp(ctx, { logger, ...(onRoute ? { onRoute } : {}) });
  await app.ready();
  const anon: FastifyInstance['inject'] = app.inject.bind(app);
  asPairedStation(app, config.stationToken ?? STATION_TOKEN);
  return {
    app,
    anon,
    ctx,
    db,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

/**
 * A fresh database of `kind` and an app on it for one test, both closed when the test ends (`t.after`, whether it
 * passed or failed): the test body holds no try/finally.
 */
export async function build(
  t: TestContext,
  kind: { make: () => Promise<TestDatabase> },
  engine: FaceEngine,
  env: Record<string, string> = {},
  clock: Clock = systemClock,
): Promise<TestApp & { tdb: TestDatabase }> {
  const tdb = await kind.make();
  let app: TestApp;
  try {
    app = await startApp(tdb, engine, env, clock);
  } catch (e) {
    await tdb.drop();
    throw e;
  }
  t.after(async () => {
    await app.close();
    await tdb.drop();
  });
  return { ...app, tdb };
}

const TOKEN_HEADERS = ['x-station-token', 'x-admin-token', 'authorization'];

/** Every /api/* inject without a token header carries the station token, as a paired checkpoint page does (health: the admin's). */
function asPairedStation(app: FastifyInstance, token: string): void {
  const raw = app.inject.bind(app);
  const wrapped = (opts?: unknown, cb?: unknown) => {
    if (opts && typeof opts === 'object' && typeof (opts as { url?: unknown }).url === 'string') {
      const o = opts as { url: string; headers?: Record<string, string> };
      const has = Object.keys(o.headers ?? {}).some((h) => TOKEN_HEADERS.includes(h.toLowerCase()));
      // /api/health's details need the admin token (the monitoring a test does); everything else the station's.
      const header = o.url.startsWith('/api/health') ? { 'x-admin-token': ADMIN_TOKEN } : { 'x-station-token': token };
      if (o.url.startsWith('/api/') && !has) opts = { ...o, headers: { ...(o.headers ?? {}), ...header } };
    }
    return (raw as (a?: unknown, b?: unknown) => unknown)(opts, cb);
  };
  (app as unknown as { inject: unknown }).inject = wrapped;
}

/** A multipart/form-data body by hand (what a browser's FormData sends). */
export function multipart(parts: { name: string; filename?: string; type?: string; data: Buffer | string }[]): {
  body: Buffer;
  headers: Record<string, string>;
} {
  const boundary = `----efc${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.filename ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`),
    );
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
