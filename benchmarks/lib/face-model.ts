// A generative model of face descriptors, fitted on real photos, for galleries far larger than any
// photo set we have: identity = mean + between-person spread, photo = identity + within-person spread.
// Both spreads are Gaussian with Ledoit–Wolf shrunk covariances: with a few dozen people in 128
// dimensions the raw sample covariance has rank < 128 and would make the descriptors look far more
// compressible (easier for an ANN index) than they are; shrinking towards the isotropic covariance
// errs on the hard side.
import fs from 'node:fs';
import path from 'node:path';
import { FaceEngine } from '../../src/face/engine.js';
import { faceApiDemoDir } from '../../src/paths.js';

const D = 128;

export interface Spread {
  /** Lower-triangular Cholesky factor of the shrunk covariance (row-major D×D). */
  chol: Float64Array;
  /** Total variance (trace) and effective dimensionality (participation ratio tr(C)²/‖C‖²_F). */
  trace: number;
  dims: number;
  /** Ledoit–Wolf shrinkage intensity towards the isotropic covariance (0 = raw, 1 = isotropic). */
  shrinkage: number;
  samples: number;
}

export interface FaceModel {
  mean: Float64Array;
  between: Spread;
  within: Spread;
  people: number;
  photos: number;
}

/** Ledoit & Wolf (2004): optimal convex mix of the sample covariance and tr(S)/D·I, then its Cholesky factor. */
export function shrunkSpread(rows: Float64Array[]): Spread {
  const n = rows.length;
  const s = new Float64Array(D * D);
  for (const x of rows) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) s[i * D + j]! += (x[i]! * x[j]!) / n;
  let mu = 0;
  for (let i = 0; i < D; i++) mu += s[i * D + i]! / D;
  let d2 = 0;
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) d2 += (s[i * D + j]! - (i === j ? mu : 0)) ** 2 / D;
  let b2 = 0;
  for (const x of rows) {
    let f = 0;
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) f += (x[i]! * x[j]! - s[i * D + j]!) ** 2;
    b2 += f / D / (n * n);
  }
  const a = d2 > 0 ? Math.min(b2, d2) / d2 : 1;
  const c = new Float64Array(D * D);
  for (let i = 0; i < D * D; i++) c[i] = (1 - a) * s[i]!;
  for (let i = 0; i < D; i++) c[i * D + i]! += a * mu;
  let fro = 0;
  for (let i = 0; i < D * D; i++) fro += c[i]! * c[i]!;
  return { chol: cholesky(c), trace: mu * D, dims: (mu * D) ** 2 / fro, shrinkage: a, samples: n };
}

function cholesky(c: Float64Array): Float64Array {
  const l = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = c[i * D + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * D + k]! * l[j * D + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error('covariance not positive definite');
        l[i * D + i] = Math.sqrt(sum);
      } else l[i * D + j] = sum / l[j * D + j]!;
    }
  }
  return l;
}

/** Adds L·z (z standard normal) to out. */
export function addSample(spread: Spread, normal: () => number, out: Float32Array | Float64Array, offset = 0): void {
  const z = new Float64Array(D);
  for (let i = 0; i < D; i++) z[i] = normal();
  const l = spread.chol;
  for (let i = 0; i < D; i++) {
    let v = 0;
    for (let k = 0; k <= i; k++) v += l[i * D + k]! * z[k]!;
    out[offset + i]! += v;
  }
}

/**
 * Fits the model on real descriptors: every face in face-api's six demo photos (one photo per person),
 * plus DIR/<person>/<photo> folders (several photos per person: the only source of within-person spread).
 */
export async function fitFaceModel(datasets: string[]): Promise<FaceModel> {
  const engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  const people = new Map<string, Float64Array[]>();
  try {
    for (let s = 1; s <= 6; s++) {
      const r = await engine.describe(fs.readFileSync(path.join(faceApiDemoDir, `sample${s}.jpg`)), { purpose: 'probe', describe: 'all' });
      r.faces.forEach((f, i) => f.descriptor && people.set(`demo${s}/${i}`, [Float64Array.from(f.descriptor)]));
    }
    for (const dir of datasets) {
      for (const name of fs.readdirSync(dir).sort()) {
        const pdir = path.join(dir, name);
        if (!fs.statSync(pdir).isDirectory()) continue;
        const files = fs.readdirSync(pdir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f));
        const found = await Promise.all(
          files.map((f) =>
            engine.describe(fs.readFileSync(path.join(pdir, f)), { purpose: 'enrol' }).then(
              (r) => r.faces[0]?.descriptor,
              () => undefined,
            ),
          ),
        );
        const ds = found.filter((d): d is Float32Array => !!d).map((d) => Float64Array.from(d));
        if (ds.length) people.set(`${dir}/${name}`, ds);
      }
    }
  } finally {
    await engine.close();
  }
  const groups = [...people.values()];
  const centres = groups.map((g) => {
    const m = new Float64Array(D);
    for (const x of g) for (let i = 0; i < D; i++) m[i]! += x[i]! / g.length;
    return m;
  });
  const mean = new Float64Array(D);
  for (const c of centres) for (let i = 0; i < D; i++) mean[i]! += c[i]! / centres.length;
  const between = shrunkSpread(centres.map((c) => c.map((v, i) => v - mean[i]!)));
  // Within-person deviations, corrected for the degree of freedom each person's own mean uses up.
  const dev: Float64Array[] = [];
  groups.forEach((g, p) => {
    if (g.length < 2) return;
    const k = Math.sqrt(g.length / (g.length - 1));
    for (const x of g) dev.push(x.map((v, i) => (v - centres[p]![i]!) * k));
  });
  if (dev.length < 10) throw new Error('within-person spread needs photo folders with several photos per person (--dataset DIR)');
  const within = shrunkSpread(dev);
  return { mean, between, within, people: groups.length, photos: groups.reduce((n, g) => n + g.length, 0) };
}
