// A whole app instance for HTTP tests: real engine, real database, Fastify without listening.
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/index.js';
import type { FaceEngine } from '../../src/face/engine.js';
import { FaceIndex } from '../../src/face/index.js';
import { Lookalikes } from '../../src/face/lookalikes.js';
import { rebuildIndex } from '../../src/students/rebuild.js';
import { systemClock, type Clock } from '../../src/time.js';
import type { TestDatabase } from './db.js';
import { rosterOf, type AppContext } from '../../src/context.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  db: Db;
  close(): Promise<void>;
}

export async function startApp(tdb: TestDatabase, engine: FaceEngine, env: Record<string, string> = {}, clock: Clock = systemClock, logger: BuildOptions['logger'] = false): Promise<TestApp> {
  const config: Config = { ...loadConfig({ ADMIN_TOKEN, ...env }), database: tdb.config };
  const db = await createDb(tdb.config);
  const ctx: AppContext = { config, db, engine, index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), clock };
  await rebuildIndex(db, rosterOf(ctx));
  const app = buildApp(ctx, { logger });
  await app.ready();
  return {
    app,
    ctx,
    db,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

/** A multipart/form-data body by hand (what a browser's FormData sends). */
export function multipart(parts: { name: string; filename?: string; type?: string; data: Buffer | string }[]): { body: Buffer; headers: Record<string, string> } {
  const boundary = `----efc${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disp}\r\n${p.filename ? `Content-Type: ${p.type ?? 'application/octet-stream'}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
