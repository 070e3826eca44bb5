// Shared by the HTTP benchmarks: a real server process over N enrolled students, and a 640×480 probe frame.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import { createDb } from '../../src/db/index.js';
import { encodeEmbedding } from '../../src/face/embedding.js';
import { resolveModel } from '../../src/face/models.js';
import { FaceEngine } from '../../src/face/engine.js';
import { projectRoot } from '../../src/paths.js';
import { sampleBytes, grow } from '../../test/helpers/faces.js';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const BENCH_STATION_TOKEN = 'bench-station-token-0123456789';

export interface BenchServer {
  base: string;
  child: ChildProcess;
  /** A 640×480 JPEG of one real face; that person is enrolled (matricula B0). */
  frame: Buffer;
  /** What a paired checkpoint sends with each /api/* request. */
  station: Record<string, string>;
  /** The admin token header (health's figures, /admin/*). */
  admin: Record<string, string>;
  health: () => Promise<{ rss_mb: number; engine_tensors: number[]; index_size: number }>;
  stop(): Promise<void>;
}

/**
 * A server process with `students` enrolled for the model FACE_MODEL names (`env`, else the environment; unset: the
 * default): the first is the person of `frame`, the others random faces around them, too far to be confused.
 */
export async function startBenchServer(students: number, port: number, env: Record<string, string> = {}): Promise<BenchServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-srv-'));
  const model = resolveModel(env.FACE_MODEL ?? process.env.FACE_MODEL ?? '', path.join(projectRoot, 'data'), projectRoot);
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, model });
  const bytes = sampleBytes(3);
  const meta = await sharp(bytes).metadata();
  const face = (await engine.describe(bytes, { purpose: 'probe', describe: 'all' })).faces[1]!;
  const frame = await sharp(bytes)
    .extract(grow(face.box, 0.6, meta.width, meta.height))
    .resize(640, 480, { fit: 'cover' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const enrolled = (await engine.describe(frame, { purpose: 'probe' })).faces[0]!.descriptor!;
  await engine.close();

  const db = await createDb({ kind: 'sqlite', file: path.join(dir, 'database.db') });
  const now = new Date().toISOString();
  const dim = enrolled.length;
  const v = new Float32Array(dim);
  for (let i = 0; i < students; i += 500) {
    await db
      .insertInto('students')
      .values(
        Array.from({ length: Math.min(500, students - i) }, (_, k) => {
          const real = i + k === 0;
          // Others are random faces around the enrolled one, far enough not to be confused with it.
          if (!real) {
            // Unit-length models spread their descriptors over the sphere: a wider step keeps the others as far as strangers are.
            for (let j = 0; j < dim; j++) v[j] = enrolled[j]! + (Math.random() - 0.5) * (model.unitLength ? 0.5 : 0.25);
            if (model.unitLength) {
              const n = Math.hypot(...v);
              for (let j = 0; j < dim; j++) v[j] = v[j]! / n;
            }
          }
          return {
            matricula: `B${i + k}`,
            lastname: real ? 'Enrolled' : `L${i + k}`,
            firstname: 'F',
            lotin: null,
            short: null,
            group: `G${(i + k) % 20}`,
            identifier: null,
            date_of_birth: null,
            passport_number: `AA${1000000 + i + k}`,
            file_path: null,
            embedding_model: model.id,
            face_quality: null,
            embedding: encodeEmbedding(real ? enrolled : v),
            face_score: 0.9,
            face_width: 120,
            created_at: now,
            updated_at: now,
          };
        }),
      )
      .execute();
  }
  await db.destroy();

  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/server.js')], {
    env: {
      ...process.env,
      DATA_DIR: dir,
      DATABASE_URL: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      STATION_TOKEN: BENCH_STATION_TOKEN,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    child,
    frame,
    station: { 'x-station-token': env.STATION_TOKEN ?? BENCH_STATION_TOKEN },
    admin: { 'x-admin-token': env.ADMIN_TOKEN ?? BENCH_ADMIN_TOKEN },
    health: async () =>
      (await (await fetch(`${base}/api/health`, { headers: { 'x-admin-token': env.ADMIN_TOKEN ?? BENCH_ADMIN_TOKEN } })).json()) as {
        rss_mb: number;
        engine_tensors: number[];
        index_size: number;
      },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
