// The door during a schedule import: a real server process with the roster of a big schedule; GET /api/health
// every 300 ms, first idle, then while POST /admin/load_schedule imports N rows. Prints the health latency
// (p50/p95/max, counted from when each request was due) and the import's time, then one JSON line.
// Run: npm run bench:schedule-import [-- --rows 20000] [-- --pg]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../src/db/index.js';
import type { DatabaseConfig } from '../src/config.js';
import { postgresDatabase, tempDir } from '../test/helpers/db.js';
import { ADMIN_TOKEN } from '../test/helpers/app.js';
import { freePort } from '../test/helpers/ports.js';
import { writeSchedule } from '../test/helpers/schedule.js';
import { bigSchedule, importWhileProbing, insertManyStudents, latencyStats, probeHealth } from '../test/helpers/schedule-big.js';
import { startServerProcess } from '../test/helpers/server-process.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '3000' }, pg: { type: 'boolean', default: false } } });
const ROWS = Number(values.rows);

async function main(): Promise<void> {
  const dir = tempDir('efc-bench-schedule-');
  const pg = values.pg ? await postgresDatabase() : undefined;
  const config: DatabaseConfig = pg ? pg.config : { kind: 'sqlite', file: path.join(dir, 'database.db') };
  const big = bigSchedule(ROWS);
  const db = await createDb(config);
  await insertManyStudents(db, big.students);
  await db.destroy();
  const file = path.join(dir, 'schedule.xlsx');
  await writeSchedule(file, big.rows);
  const bytes = fs.readFileSync(file);
  const srv = startServerProcess(await freePort(), {
    DATABASE_URL: config.kind === 'postgres' ? config.url : '',
    DATA_DIR: dir,
    ADMIN_TOKEN,
  });
  try {
    await srv.ready;
    const idleProbe = probeHealth(srv.base);
    await new Promise((r) => setTimeout(r, 3000));
    const idle = latencyStats((await idleProbe.stop()).latencies);
    const run = await importWhileProbing(srv.base, ADMIN_TOKEN, bytes);
    if (run.status !== 200) throw new Error(`import: HTTP ${run.status} ${run.body.slice(0, 300)}`);
    const summary = JSON.parse(run.body) as { added: number; failed: number; skipped: number };
    console.log(
      `${ROWS} rows (${Math.round(bytes.length / 1024)} KB, ${config.kind}): import ${run.import_ms} ms, added ${summary.added}, failed ${summary.failed}, skipped ${summary.skipped}`,
    );
    console.log(`health idle:        n=${idle.n} p50=${idle.p50} ms p95=${idle.p95} ms max=${idle.max} ms`);
    console.log(`health during load: n=${run.health.n} p50=${run.health.p50} ms p95=${run.health.p95} ms max=${run.health.max} ms, not 200: ${run.failures}`);
    console.log(
      JSON.stringify({
        bench: 'schedule-import',
        rows: ROWS,
        database: config.kind,
        xlsx_kb: Math.round(bytes.length / 1024),
        import_ms: run.import_ms,
        idle,
        during: run.health,
        failures: run.failures,
      }),
    );
  } catch (e) {
    console.error(srv.output().slice(-3000));
    throw e;
  } finally {
    await srv.stop();
    await pg?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
