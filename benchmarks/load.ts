// Loader throughput: N generated ID photos (real faces, varied crops/sizes/light/JPEG) loaded into a fresh SQLite.
// Run: npm run bench:load [-- --count 2500]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createDb } from '../src/db/index.js';
import { FaceEngine } from '../src/face/engine.js';
import { FaceIndex } from '../src/face/index.js';
import { Lookalikes } from '../src/face/lookalikes.js';
import { loadStudents } from '../src/students/loader.js';
import { SAMPLES, sampleBytes, grow } from '../test/helpers/faces.js';
import { studentRow, writeSheet } from '../test/helpers/students.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '2500' }, workers: { type: 'string' } } });
const COUNT = Number(values.count);
const WORKERS = Number(values.workers ?? os.availableParallelism());

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-bench-load-'));
  const photosDir = path.join(dir, 'photos');
  fs.mkdirSync(photosDir);
  const engine = await FaceEngine.start({ workers: WORKERS, maxPixels: 40_000_000 });
  const t0 = performance.now();
  const faces: { raw: Buffer; box: { x: number; y: number; width: number; height: number }; w: number; h: number }[] = [];
  for (const s of SAMPLES) {
    const bytes = sampleBytes(s);
    // Decode each demo photo once; every generated ID photo is cut from these pixels.
    const { data: raw, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const f of (await engine.describe(bytes, { purpose: 'probe', describe: 'all' })).faces) faces.push({ raw, box: f.box, w: info.width, h: info.height });
  }
  const r = rng(7);
  const rows = [];
  for (let i = 0; i < COUNT; i++) {
    const f = faces[i % faces.length]!;
    const margin = 0.15 + r() * 0.35;
    const width = Math.round(150 + r() * 350);
    const region = grow(f.box, margin, f.w, f.h);
    let img = sharp(f.raw, { raw: { width: f.w, height: f.h, channels: 3 } }).extract(region).rotate(Math.round((r() - 0.5) * 10), { background: '#808080' }).resize(width).modulate({ brightness: 0.8 + r() * 0.4 });
    if (r() < 0.15) img = img.grayscale();
    const name = `${String(i).padStart(5, '0')}.jpg`;
    fs.writeFileSync(path.join(photosDir, name), await img.jpeg({ quality: Math.round(70 + r() * 25) }).toBuffer());
    rows.push(studentRow(i, name, { Matricula: `B${String(i).padStart(6, '0')}`, 'Идентификатор': `I${String(i).padStart(8, '0')}` }));
  }
  const sheet = path.join(dir, 'list of students.xlsx');
  await writeSheet(sheet, rows);
  const genSeconds = (performance.now() - t0) / 1000;
  const bytes = fs.readdirSync(photosDir).reduce((n, f) => n + fs.statSync(path.join(photosDir, f)).size, 0);
  console.log(`generated ${COUNT} ID photos from ${faces.length} real faces in ${genSeconds.toFixed(1)} s (${(bytes / COUNT / 1024).toFixed(0)} KB each)`);

  const db = await createDb({ kind: 'sqlite', file: path.join(dir, 'database.db') });
  const roster = { index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), modelId: engine.model.id };
  let lastPrint = 0;
  const s = await loadStudents({
    db, engine, roster, lookalikeRadius: (engine.model.calibrated?.threshold ?? 0.45) - (engine.model.calibrated?.margin ?? 0), quality: 'warn', maxImageBytes: 15 << 20, source: sheet, fileLabel: sheet,
    photos: { photosDir, faceIdDocs: dir }, force: false,
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
  console.log(JSON.stringify({ bench: 'load', count: COUNT, workers: WORKERS, added: s.added, failed: s.failed, seconds: s.duration_ms / 1000, photos_per_second: s.photos_per_second }));
  await db.destroy();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
