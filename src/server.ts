// Entry for `npm start`: config → database (migrated) → face engine → index → HTTP; drains on SIGTERM.
import fs from 'node:fs';
import { loadConfig, readDotEnv, ConfigError, type Config } from './config.js';
import { createDb, flushDeleted, type Db } from './db/index.js';
import { FaceEngine } from './face/engine.js';
import { FaceIndex } from './face/index.js';
import { Lookalikes } from './face/lookalikes.js';
import { createHnsw } from './face/ann.js';
import { rebuildIndex, type Roster } from './students/rebuild.js';
import { startIndexSync } from './students/sync.js';
import { redirectHosts, startHttpRedirect } from './http/redirect.js';
import { auditRosterIfStale } from './students/enrol.js';
import { Reembedder } from './students/reembed.js';
import { startRetention } from './retention/daily.js';
import { startBackups } from './backup/schedule.js';
import { buildApp } from './app.js';
import { firstStartBanner, provisionTokens } from './tokens.js';
import { serverOrigin, loopbackNote } from './server-address.js';
import { SAME_TOKENS } from './token-strength.js';
import { systemClock } from './time.js';
import type { FastifyInstance } from 'fastify';

const AUDIT_BEFORE_LISTEN = 20_000;

/** Where the server's lines go: the app's logger once it exists, stderr before. */
class ServerLog {
  app: FastifyInstance | undefined;
  readonly line = (level: 'info' | 'warn' | 'error', msg: string): void => {
    if (this.app) this.app.log[level](msg);
    else process.stderr.write(`${msg}\n`);
  };
}

/** The configuration, or exit 2 with every problem named. */
function configOrExit(): Config {
  readDotEnv();
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/** Private by default: without ADMIN_TOKEN / STATION_TOKEN the server makes its own (kept in the database). */
async function tokensOrExit(db: Db, config: Config): Promise<Awaited<ReturnType<typeof provisionTokens>>> {
  const provisioned = await provisionTokens(db, { admin: config.adminToken, station: config.stationToken });
  const { tokens } = provisioned;
  // One set in the environment may equal the other kept in the database (a token copied into STATION_TOKEN).
  if (tokens.admin === tokens.station) {
    process.stderr.write(`Invalid configuration:\n  - ${SAME_TOKENS}\n`);
    process.exit(2);
  }
  config.adminToken = tokens.admin;
  config.stationToken = tokens.station;
  return provisioned;
}

/** The face index for the model's descriptor size; with INDEX_BACKEND=hnsw the graph fills in the background. */
function makeIndex(config: Config, dim: number, log: ServerLog): FaceIndex {
  const index = new FaceIndex(1024, { dim });
  if (config.indexBackend === 'hnsw') {
    // The graph fills in the background once the index holds HNSW_FROM faces (after each reload too).
    index.annFrom = config.hnswFrom;
    index.useAnn(createHnsw({ expansionSearch: config.hnswEf, dim, i8Scale: config.model.i8Scale }), (s) => {
      const msg = `ANN graph ${s.state}`;
      const fields = { ann_faces: s.total, ann_build_s: s.buildSeconds && Math.round(s.buildSeconds), err: s.error };
      if (log.app) log.app.log[s.state === 'failed' ? 'error' : 'info'](fields, msg);
      else process.stderr.write(`${msg}\n`);
    });
  }
  return index;
}

/**
 * A stale look-alike audit (new model or distance, or a load that stopped before its audit) is redone before the
 * first answer up to ~20,000 faces (≈ 5 s here); a larger roster is audited in the background (100k ≈ 3 min of
 * slices) and its pairs apply as soon as they are known.
 */
async function auditBeforeListen(db: Db, roster: Roster, config: Config, log: ServerLog): Promise<{ audited: boolean; pairs: number; ms: number }> {
  const auditing = auditRosterIfStale(db, roster, config.lookalikeDistance);
  if (roster.index.size <= AUDIT_BEFORE_LISTEN) return auditing;
  void auditing.then(
    (a) => a.audited && log.line('info', `look-alike audit of ${roster.index.size} faces: ${a.pairs} pairs in ${Math.round(a.ms)} ms`),
    (e: Error) => log.line('error', `look-alike audit failed: ${e.message}`),
  );
  return { audited: false, pairs: roster.lookalikes.flagged, ms: 0 };
}

/** The daily retention sweep and, with BACKUP_EVERY_H, the scheduled backups (in a worker thread). */
function startDataJobs(db: Db, config: Config, log: ServerLog) {
  // Records older than RETENTION_DAYS_* go once a day (the first sweep a minute after start).
  const retention = startRetention(
    db,
    config.retention,
    systemClock,
    async (counts) => {
      log.app?.log.info({ ...counts }, 'retention sweep');
      await flushDeleted(db, config.database.kind);
    },
    (e) => log.line('error', `retention sweep failed: ${(e as Error).message}`),
  );
  // BACKUP_EVERY_H: a timestamped copy in BACKUP_DIR, written in a worker thread; the newest BACKUP_KEEP are kept.
  const backups =
    config.backup.everyH > 0 && config.backup.dir !== undefined && config.database.kind === 'sqlite'
      ? startBackups({
          source: config.database.file,
          db,
          dir: config.backup.dir,
          everyMs: config.backup.everyH * 3_600_000,
          keep: config.backup.keep,
          onDone: (r, pruned) =>
            log.app?.log.info(
              { file: r.file, bytes: r.bytes, backup_ms: Math.round(r.ms), students: r.students, passes: r.passes, pruned: pruned.length },
              'backup',
            ),
          onError: (e) => log.line('error', `scheduled backup failed: ${(e as Error).message}`),
        })
      : undefined;
  return { retention, backups };
}

/** SIGTERM / SIGINT: stop accepting, drain the requests in flight, close the engine and the database (15 s at most). */
function stopOnSignals(app: FastifyInstance, stopFirst: (() => void)[], engine: FaceEngine, db: Db): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    for (const f of stopFirst) f();
    let code = 0;
    try {
      // Stop accepting and wait for the requests in flight; keep-alive connections that become idle
      // after their last answer are closed as they go, or close() would wait for their timeout.
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      await app.close();
      clearInterval(idle);
      await engine.close();
      await db.destroy();
      app.log.info('stopped');
    } catch (err) {
      app.log.error({ err }, 'error while stopping');
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function main(): Promise<void> {
  const config = configOrExit();
  (await import('./students/uploads.js')).sweepUploads(config.dataDir, (msg) => process.stderr.write(`${msg}\n`)); // uploads a killed load left behind
  const t0 = performance.now();
  const db = await createDb(config.database);
  const { tokens, created } = await tokensOrExit(db, config);
  const log = new ServerLog();
  const engineStarting = FaceEngine.start({
    workers: config.faceWorkers,
    maxPixels: config.maxImagePixels,
    model: config.model,
    interactiveQueue: config.recognizeQueue,
    perClientQueue: config.recognizePerClient,
    interactiveWaitMs: config.recognizeWaitMs,
    doorReserveMs: config.doorReserveMs,
    onLog: log.line,
  });
  // face-api's descriptor size is known at once; an ONNX model's once a worker has loaded it.
  const index = makeIndex(config, config.model.dim ?? (await engineStarting).dim, log);
  const roster: Roster = { index, lookalikes: new Lookalikes(), modelId: config.model.id, addedRadius: config.verifyThreshold };
  const built = await rebuildIndex(db, roster);
  const audit = await auditBeforeListen(db, roster, config, log);
  const engine = await engineStarting;
  const reembed = new Reembedder({ db, engine, roster, lookalikeRadius: config.lookalikeDistance, log: log.line });
  const { retention, backups } = startDataJobs(db, config, log);
  const app = buildApp({ config, db, engine, index, lookalikes: roster.lookalikes, reembed, retention, clock: systemClock });
  log.app = app;
  const sync = startIndexSync(
    db,
    roster,
    2000,
    (msg, err) => (err ? app.log.error({ err }, msg) : app.log.info(msg)),
    () => void reembed.start(),
  );
  await sync.check(); // remember the current generation (the index was just built from it)
  // Students enrolled with another model are re-described from their stored photos, in the background.
  void reembed.start();
  await app.listen({ port: config.port, host: config.host });
  // Only to the certificate's names (or PUBLIC_HOST): never to whatever Host a request names.
  const redirect =
    config.httpRedirectPort !== undefined && config.tls
      ? await startHttpRedirect(config.httpRedirectPort, config.host, config.port, redirectHosts(fs.readFileSync(config.tls.cert, 'utf8'), config.publicHosts))
      : undefined;
  if (created.length > 0) {
    const address = serverOrigin(config);
    process.stderr.write(firstStartBanner(tokens, created, address.origin) + (address.loopback ? `${loopbackNote(config.host)}\n` : ''));
  }
  app.log.info(
    {
      index_size: built.size,
      index_ms: Math.round(built.ms),
      index_scan: index.scanKind,
      startup_ms: Math.round(performance.now() - t0),
      database: config.database.kind,
      https: config.tls !== undefined,
      ...(redirect ? { http_redirect_port: config.httpRedirectPort } : {}),
      face_model: config.model.id,
      match_threshold: config.matchThreshold,
      match_margin: config.matchMargin,
      lookalike_pairs: audit.pairs,
      ...(audit.audited ? { lookalike_audit_ms: Math.round(audit.ms) } : {}),
    },
    'ready',
  );

  stopOnSignals(app, [() => sync.stop(), () => retention.stop(), () => backups?.stop(), () => redirect?.close()], engine, db);
}

main().catch((e: unknown) => {
  process.stderr.write(`Start-up failed: ${String((e as Error)?.stack ?? e)}\n`);
  process.exit(1);
});
