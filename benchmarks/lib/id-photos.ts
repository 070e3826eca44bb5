// N generated ID photos (real faces, varied crops, sizes, tilt, light, JPEG quality) and their sheet, for the load benchmarks.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { FaceEngine } from '../../src/face/engine.js';
import { SAMPLES, sampleBytes, grow } from '../../test/helpers/faces.js';
import { studentRow, writeSheet } from '../../test/helpers/students.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Writes `dir/photos/*.jpg` and `dir/list of students.xlsx` (Matricula B000000…); returns the sheet path and how many real faces fed it. */
export async function writeIdPhotoSheet(engine: FaceEngine, dir: string, count: number): Promise<{ sheet: string; photosDir: string; faces: number }> {
  const photosDir = path.join(dir, 'photos');
  fs.mkdirSync(photosDir, { recursive: true });
  const faces: { raw: Buffer; box: { x: number; y: number; width: number; height: number }; w: number; h: number }[] = [];
  for (const s of SAMPLES) {
    const bytes = sampleBytes(s);
    // Decode each demo photo once; every generated ID photo is cut from these pixels.
    const { data: raw, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const f of (await engine.describe(bytes, { purpose: 'probe', describe: 'all' })).faces) faces.push({ raw, box: f.box, w: info.width, h: info.height });
  }
  const r = rng(7);
  const rows = [];
  for (let i = 0; i < count; i++) {
    const f = faces[i % faces.length]!;
    const margin = 0.15 + r() * 0.35;
    const width = Math.round(150 + r() * 350);
    const region = grow(f.box, margin, f.w, f.h);
    let img = sharp(f.raw, { raw: { width: f.w, height: f.h, channels: 3 } })
      .extract(region)
      .rotate(Math.round((r() - 0.5) * 10), { background: '#808080' })
      .resize(width)
      .modulate({ brightness: 0.8 + r() * 0.4 });
    if (r() < 0.15) img = img.grayscale();
    const name = `${String(i).padStart(5, '0')}.jpg`;
    fs.writeFileSync(path.join(photosDir, name), await img.jpeg({ quality: Math.round(70 + r() * 25) }).toBuffer());
    rows.push(studentRow(i, name, { Matricula: `B${String(i).padStart(6, '0')}`, Идентификатор: `I${String(i).padStart(8, '0')}` }));
  }
  const sheet = path.join(dir, 'list of students.xlsx');
  await writeSheet(sheet, rows);
  return { sheet, photosDir, faces: faces.length };
}
