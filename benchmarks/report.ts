// The Excel report with 50,000 passes: time, size and memory while it streams.
// Run: npm run bench:report [-- --passes 50000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDb } from '../src/db/index.js';
import { encodeEmbedding } from '../src/face/embedding.js';
import { FACEAPI_MODEL } from '../src/face/models.js';
import { writeReport } from '../src/passes/period-report.js';

const { values } = parseArgs({ options: { passes: { type: 'string', default: '50000' } } });
const N = Number(values.passes);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-report-'));
  const db = await createDb({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
  const now = new Date().toISOString();
  const students = 2500;
  for (let i = 0; i < students; i += 500) {
    await db
      .insertInto('students')
      .values(
        Array.from({ length: 500 }, (_, k) => ({
          matricula: `M${String(i + k).padStart(6, '0')}`,
          lastname: `Фамилия${i + k}`,
          firstname: 'Имя',
          lotin: 'Familiya Ism',
          short: null,
          group: `G-${(i + k) % 40}`,
          identifier: `0${900000000 + i + k}`,
          date_of_birth: '2004-01-01',
          passport_number: `AA0${1000000 + i + k}`,
          file_path: null,
          embedding_model: FACEAPI_MODEL.id,
          face_quality: null,
          embedding: encodeEmbedding(new Float32Array(128)),
          face_score: 0.9,
          face_width: 120,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  // N passes: each student once a day over N / 2,500 days.
  const day0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < N; i += 1000) {
    await db
      .insertInto('passes')
      .values(
        Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
          const j = i + k;
          const ts = new Date(day0 + Math.floor(j / students) * 86_400_000 + (j % students) * 10_000);
          return {
            student_id: (j % students) + 1,
            timestamp: ts.toISOString(),
            pass_date: ts.toISOString().slice(0, 10),
            source: 'camera',
            station: 'A',
            distance: 0.3,
          };
        }),
      )
      .execute();
  }
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  let bytes = 0;
  await pipeline(
    writeReport(db, { from: '2000-01-01', to: '2100-01-01' }, 'Asia/Tashkent'),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
  clearInterval(timer);
  const secs = (performance.now() - t0) / 1000;
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log(`passes ${N}: report ${mb(bytes)} MB in ${secs.toFixed(1)} s; RSS before ${mb(rss0)} MB, peak ${mb(peak)} MB (+${mb(peak - rss0)} MB)`);
  console.log(JSON.stringify({ bench: 'report', passes: N, seconds: secs, bytes, rss_before_mb: rss0 / 1048576, rss_peak_mb: peak / 1048576 }));
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
