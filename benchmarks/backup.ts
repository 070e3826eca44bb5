// Backup and restore of a realistic SQLite database: N students (default 2,500), each with a real photo (the source as
// loaded and the ≤ 360 px thumbnail, as enrolment stores them), a face-api descriptor and a pass. Prints the time and
// size of `npm run backup`, the time of `npm run restore` (copy, check, migrations, index rebuild, look-alike audit),
// and the longest event-loop stall of a backup run on the main thread and in the worker thread the server uses.
// Photos: ../shared/faces/celeba when present (real people), otherwise the committed demo photos repeated at varied sizes.
// Run: npm run bench:backup [-- --students 2500]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createDb } from '../src/db/index.js';
import { encodeEmbedding } from '../src/face/embedding.js';
import { FACEAPI_MODEL } from '../src/face/models.js';
import { projectRoot } from '../src/paths.js';
import { writeBackup } from '../src/backup/sqlite.js';
import { backupInWorker } from '../src/backup/schedule.js';
import { SAMPLES, sampleBytes } from '../test/helpers/faces.js';

const { values } = parseArgs({ options: { students: { type: 'string', default: '2500' } } });
const N = Number(values.students);
if (!Number.isInteger(N) || N < 1) throw new Error(`--students: целое число больше 0 / a positive integer, got ${values.students}`);

/** Up to `n` real photos: CelebA's from ../shared/faces, else the demo photos cut to varied sizes. */
async function photoPool(n: number): Promise<{ pool: Buffer[]; from: string }> {
  const celeba = path.resolve(projectRoot, '..', 'shared', 'faces', 'celeba');
  if (fs.existsSync(celeba)) {
    const pool: Buffer[] = [];
    for (const person of fs.readdirSync(celeba).sort()) {
      for (const f of fs.readdirSync(path.join(celeba, person)).sort()) {
        pool.push(fs.readFileSync(path.join(celeba, person, f)));
        if (pool.length >= n) return { pool, from: celeba };
      }
    }
    if (pool.length > 0) return { pool, from: celeba };
  }
  const pool: Buffer[] = [];
  for (let i = 0; pool.length < Math.min(n, 300); i++)
    pool.push(
      await sharp(sampleBytes(SAMPLES[i % SAMPLES.length]!))
        .resize(300 + ((i * 37) % 500))
        .jpeg({ quality: 70 + (i % 25) })
        .toBuffer(),
    );
  return { pool, from: 'face-api demo photos (repeated)' };
}

function cli(name: string, args: string[], env: Record<string, string>): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'dist/src/cli', `${name}.js`), ...args], {
    env: { PATH: process.env.PATH ?? '', FACE_MODEL: 'faceapi', ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
  return { ms: performance.now() - t0, out: r.stdout };
}

/** Runs `fn` while a 5 ms timer measures the event loop: the longest gap between its ticks beyond 5 ms. */
async function stall<T>(fn: () => Promise<T>): Promise<{ result: T; maxMs: number; ms: number }> {
  let last = performance.now();
  let maxMs = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    maxMs = Math.max(maxMs, t - last - 5);
    last = t;
  }, 5);
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 30)); // the tick after the last synchronous stretch
  clearInterval(timer);
  return { result, maxMs, ms };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-backup-'));
  try {
    const file = path.join(dir, 'data', 'database.db');
    const db = await createDb({ kind: 'sqlite', file });
    const { pool, from } = await photoPool(N);
    const thumbs = await Promise.all(pool.map((p) => sharp(p).rotate().resize(360, 360, { fit: 'inside', withoutEnlargement: true }).jpeg().toBuffer()));
    const now = new Date().toISOString();
    const t0 = performance.now();
    const v = new Float32Array(128);
    for (let i = 0; i < N; i += 500) {
      const ids = await db.transaction().execute(async (tx) => {
        const rows = Array.from({ length: Math.min(500, N - i) }, (_, k) => {
          for (let j = 0; j < 128; j++) v[j] = Math.random() * 0.2 - 0.1;
          return {
            matricula: `B${String(i + k).padStart(6, '0')}`,
            lastname: `Иванова-${i + k}`,
            firstname: 'Анна',
            lotin: `Ivanova-${i + k} Anna`,
            short: 'Ivanova A.',
            group: `ГР-${(i + k) % 40}`,
            identifier: `I${String(i + k).padStart(8, '0')}`,
            date_of_birth: '2004-01-09',
            passport_number: `AB${1234560 + i + k}`,
            file_path: `${i + k}.jpg`,
            embedding_model: FACEAPI_MODEL.id,
            face_quality: null,
            embedding: encodeEmbedding(v),
            face_score: 0.9,
            face_width: 160,
            created_at: now,
            updated_at: now,
          };
        });
        const ins = await tx.insertInto('students').values(rows).returning('id').execute();
        await tx
          .insertInto('student_photos')
          .values(ins.map((r, k) => ({ student_id: r.id, mime: 'image/jpeg', data: thumbs[(i + k) % pool.length]!, source: pool[(i + k) % pool.length]! })))
          .execute();
        return ins.map((r) => r.id);
      });
      await db
        .insertInto('passes')
        .values(ids.map((id) => ({ student_id: id, timestamp: now, pass_date: now.slice(0, 10), source: 'camera', station: null, distance: 0.3 })))
        .execute();
    }
    await db.destroy();
    const dbBytes = fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
    console.log(
      `${N} students with photos (${pool.length} distinct, ${from}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; database ${(dbBytes / 1048576).toFixed(1)} MB`,
    );

    const out = path.join(dir, 'backup.db');
    const b = cli('backup', ['--out', out], { DATABASE_URL: `sqlite:${file}` });
    const size = fs.statSync(out).size;
    const restoredDir = path.join(dir, 'restored');
    const r = cli('restore', [out], { DATA_DIR: restoredDir });
    console.log(`backup  (npm run backup, process included): ${(b.ms / 1000).toFixed(2)} s, ${(size / 1048576).toFixed(1)} MB`);
    console.log(`restore (npm run restore: copy, integrity_check, migrations, index rebuild, look-alike audit): ${(r.ms / 1000).toFixed(2)} s`);
    console.log(r.out.trim().replace(/^/gm, '    '));

    // The event loop while a backup runs: on the main thread vs the server's worker thread.
    const main = await stall(() => writeBackup(file, path.join(dir, 'main-thread.db')));
    const worker = await stall(() => backupInWorker(file, path.join(dir, 'worker.db')));
    console.log(`event loop during a backup: main thread ${main.ms.toFixed(0)} ms with a stall of up to ${main.maxMs.toFixed(0)} ms;`);
    console.log(`                            worker thread (scheduled) ${worker.ms.toFixed(0)} ms with a stall of up to ${worker.maxMs.toFixed(0)} ms`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
