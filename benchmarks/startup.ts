// Start-up with a large gallery: time from process start to "ready" with N students in the database.
// Run: npm run bench:startup [-- --students 100000 [--pg]]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createDb } from '../src/db/index.js';
import { encodeEmbedding } from '../src/face/embedding.js';
import { FACEAPI_MODEL } from '../src/face/models.js';
import { projectRoot } from '../src/paths.js';
import { postgresDatabase } from '../test/helpers/db.js';
import type { DatabaseConfig } from '../src/config.js';

const { values } = parseArgs({ options: { students: { type: 'string', default: '100000' }, pg: { type: 'boolean', default: false } } });
const N = Number(values.students);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-start-'));
  const pg = values.pg ? await postgresDatabase() : undefined;
  const config: DatabaseConfig = pg ? pg.config : { kind: 'sqlite', file: path.join(dir, 'database.db') };
  const db = await createDb(config);
  const now = new Date().toISOString();
  const t0 = performance.now();
  const v = new Float32Array(128);
  for (let i = 0; i < N; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
      for (let j = 0; j < 128; j++) v[j] = Math.random() * 0.2 - 0.1;
      return {
        matricula: `S${i + k}`,
        lastname: `L${i + k}`,
        firstname: 'F',
        lotin: null,
        short: null,
        group: 'G',
        identifier: `I${i + k}`,
        date_of_birth: null,
        passport_number: null,
        file_path: null,
        embedding_model: FACEAPI_MODEL.id,
        face_quality: null,
        embedding: encodeEmbedding(v),
        face_score: 0.9,
        face_width: 100,
        created_at: now,
        updated_at: now,
      };
    });
    await db.insertInto('students').values(rows).execute();
  }
  await db.destroy();
  console.log(`filled ${N} students (${config.kind}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const results: { total_ms: number; index_ms: number; startup_ms: number }[] = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/server.js')], {
      env: { ...process.env, DATA_DIR: dir, DATABASE_URL: config.kind === 'postgres' ? config.url : '', PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const ready = await new Promise<{ index_ms: number; startup_ms: number; index_size: number }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
        if (line) resolve(JSON.parse(line) as { index_ms: number; startup_ms: number; index_size: number });
      });
      child.on('exit', () => reject(new Error(out)));
    });
    const total = performance.now() - start;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    if (ready.index_size !== N) throw new Error(`index has ${ready.index_size}, expected ${N}`);
    results.push({ total_ms: total, index_ms: ready.index_ms, startup_ms: ready.startup_ms });
    console.log(
      `run ${run + 1}: process start → ready ${Math.round(total)} ms (index load ${ready.index_ms} ms, after-module-load start-up ${ready.startup_ms} ms)`,
    );
  }
  console.log(JSON.stringify({ bench: 'startup', students: N, database: config.kind, runs: results }));
  await pg?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
