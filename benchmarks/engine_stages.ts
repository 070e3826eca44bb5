// Per-stage timings of the face engine (decode, detect, landmarks, descriptor) on one worker thread, for each
// pipeline in one run (the shipped default, face-api's, and the variants measured for the default).
// Run: npm run bench:stages   (PIPELINES=default,faceapi,… to choose; ROUNDS=30)
import sharp from 'sharp';
import { FaceEngine } from '../src/face/engine.js';
import { resolveModel, type FaceModelSpec, type ModelOverrides } from '../src/face/models.js';
import { projectRoot } from '../src/paths.js';
import type { StageTimings } from '../src/face/types.js';
import { sampleBytes } from '../test/helpers/faces.js';

const ROUNDS = Number(process.env.ROUNDS ?? 30);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function frames(): Promise<Record<string, Buffer>> {
  const group = await sharp(sampleBytes(1)).resize(640).jpeg({ quality: 90 }).toBuffer();
  // A checkpoint-like frame: 640×480 around one face of sample 3, face ≈ 200 px wide.
  const one = await sharp(sampleBytes(3)).extract({ left: 780, top: 80, width: 780, height: 585 }).resize(640, 480).jpeg({ quality: 90 }).toBuffer();
  const idPhoto = await sharp(sampleBytes(3)).extract({ left: 960, top: 120, width: 400, height: 480 }).resize(300, 360).jpeg({ quality: 90 }).toBuffer();
  return { 'group 640×427 (3 faces)': group, 'checkpoint 640×480 (1 face)': one, 'ID photo 300×360 (enrol)': idPhoto };
}

/** name → how to build it: FACE_MODEL value and the pipeline overrides measured for the default. */
const PIPELINES: Record<string, { model: string; overrides?: ModelOverrides }> = {
  default: { model: '' },
  faceapi: { model: 'faceapi' },
  'intel-yunet5-mirrorboth': { model: 'intel', overrides: { points: 'yunet5', mirror: 'both' } },
  'intel-yunet68-mirrorboth': { model: 'intel', overrides: { points: 'yunet68', mirror: 'both' } },
  'intel-faceapi68-mirrorboth': { model: 'intel', overrides: { points: 'faceapi68', mirror: 'both' } },
};

async function main(): Promise<void> {
  const names = (process.env.PIPELINES ?? 'faceapi,intel-yunet5-mirrorboth,intel-yunet68-mirrorboth,intel-faceapi68-mirrorboth,default').split(',');
  const all: Record<string, Record<string, StageTimings & { total: number; faces: number; detector: string }>> = {};
  const frameSet = await frames();
  for (const name of names) {
    const p = PIPELINES[name];
    if (!p) throw new Error(`unknown pipeline ${name}; known: ${Object.keys(PIPELINES).join(', ')}`);
    const model = resolveModel(p.model, '', projectRoot, p.overrides);
    all[`${name} [${model.id}]`] = await measure(model, frameSet);
  }
  console.log(`median of ${ROUNDS} runs, ms, one worker thread (descriptor for the largest face only)`);
  for (const [pipeline, out] of Object.entries(all)) {
    console.log(`\n${pipeline}`);
    console.log('frame                          faces detector  decode  detect  landmarks  descriptor  total');
    for (const [name, r] of Object.entries(out)) {
      console.log(
        `${name.padEnd(30)} ${String(r.faces).padStart(5)} ${r.detector.padEnd(8)} ${r.decode.toFixed(1).padStart(7)} ${r.detect.toFixed(1).padStart(7)} ${r.landmarks.toFixed(1).padStart(10)} ${r.descriptor.toFixed(1).padStart(11)} ${r.total.toFixed(1).padStart(6)}`,
      );
    }
  }
  console.log(JSON.stringify({ bench: 'engine_stages', rounds: ROUNDS, results: all }));
}

async function measure(
  model: FaceModelSpec,
  frameSet: Record<string, Buffer>,
): Promise<Record<string, StageTimings & { total: number; faces: number; detector: string }>> {
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, model });
  const out: Record<string, StageTimings & { total: number; faces: number; detector: string }> = {};
  for (const [name, bytes] of Object.entries(frameSet)) {
    const purpose = name.includes('enrol') ? 'enrol' : 'probe';
    const t: Record<keyof StageTimings | 'total', number[]> = { decode: [], detect: [], landmarks: [], descriptor: [], total: [] };
    let faces = 0;
    let detector = '';
    for (let r = 0; r < ROUNDS + 3; r++) {
      const a = performance.now();
      const res = await engine.describe(bytes, { purpose });
      const total = performance.now() - a;
      if (r < 3) continue; // warm-up: WASM kernels compile on first use
      faces = res.faces.length;
      detector = res.faces[0]?.detector ?? '-';
      for (const k of ['decode', 'detect', 'landmarks', 'descriptor'] as const) t[k].push(res.timings[k]);
      t.total.push(total);
    }
    out[name] = {
      decode: median(t.decode),
      detect: median(t.detect),
      landmarks: median(t.landmarks),
      descriptor: median(t.descriptor),
      total: median(t.total),
      faces,
      detector,
    };
  }
  await engine.close();
  return out;
}

void main();
