// Loader throughput: N generated ID photos (real faces, varied crops/sizes/light/JPEG) loaded into a fresh SQLite.
// Run: npm run bench:load [-- --count 2500]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../src/db/index.js';
import { FaceEngine } from '../src/face/engine.js';
import { FaceIndex } from '../src/face/index.js';
import { Lookalikes } from '../src/face/lookalikes.js';
import { loadStudents } from '../src/students/loader.js';
import { writeIdPhotoSheet } from './lib/id-photos.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '2500' }, workers: { type: 'string' } } });
const COUNT = Number(values.count);
const WORKERS = Number(values.workers ?? os.availableParallelism());

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-load-'));
  const photosDir = path.join(dir, 'photos');
  const engine = await FaceEngine.start({ workers: WORKERS, maxPixels: 40_000_000 });
  const t0 = performance.now();
  const { sheet, faces } = await writeIdPhotoSheet(engine, dir, COUNT);
  const genSeconds = (performance.now() - t0) / 1000;
  const bytes = fs.readdirSync(photosDir).reduce((n, f) => n + fs.statSync(path.join(photosDir, f)).size, 0);
  console.log(`generated ${COUNT} ID photos from ${faces} real faces in ${genSeconds.toFixed(1)} s (${(bytes / COUNT / 1024).toFixed(0)} KB each)`);

  const db = await createDb({ kind: 'sqlite', file: path.join(dir, 'database.db') });
  const roster = { index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), modelId: engine.model.id };
  let lastPrint = 0;
  const s = await loadStudents({
    db,
    engine,
    roster,
    lookalikeRadius: (engine.model.calibrated?.threshold ?? 0.45) - (engine.model.calibrated?.margin ?? 0),
    quality: 'warn',
    maxImageBytes: 15 << 20,
    source: sheet,
    fileLabel: sheet,
    photos: { photosDir, faceIdDocs: dir },
    force: false,
    onProgress: (p) => {
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        console.log(`  ${p.done}/${p.total} rows`);
      }
    },
    log: { info: () => {}, warn: () => {} },
  });
  const byReason: Record<string, number> = {};
  for (const row of s.rows) byReason[`${row.status}:${row.reason}`] = (byReason[`${row.status}:${row.reason}`] ?? 0) + 1;
  console.log(`workers ${WORKERS}, cores ${os.availableParallelism()}`);
  console.log(`rows ${s.total_rows}  added ${s.added}  failed ${s.failed}  total ${(s.duration_ms / 1000).toFixed(1)} s  photos/s ${s.photos_per_second}`);
  console.log('reasons', byReason, 'look-alike pairs', s.lookalikes.length);
  console.log(
    JSON.stringify({
      bench: 'load',
      count: COUNT,
      workers: WORKERS,
      added: s.added,
      failed: s.failed,
      seconds: s.duration_ms / 1000,
      photos_per_second: s.photos_per_second,
    }),
  );
  await db.destroy();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
