// `npm run calibrate -- --dataset DIR` (DIR/<person>/<photo>) or `--samples` (face-api's demo photos, cropped and varied).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { FaceEngine } from '../face/engine.js';
import { FaceIndex } from '../face/index.js';
import { isAppError } from '../errors.js';
import { distanceStats, recommend, sweep, type Rates, type Trial } from '../face/calibration.js';
import { samplePeople } from './calibration-samples.js';

export interface Person {
  name: string;
  /** Photo bytes; the first one is enrolled, the others are probes. */
  photos: { label: string; bytes: Buffer }[];
}

function readDataset(dir: string): Person[] {
  const people: Person[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const pdir = path.join(dir, name);
    if (!fs.statSync(pdir).isDirectory()) continue;
    const photos = fs.readdirSync(pdir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => ({ label: `${name}/${f}`, bytes: fs.readFileSync(path.join(pdir, f)) }));
    if (photos.length > 0) people.push({ name, photos });
  }
  return people;
}

/**
 * Genuine trials: every person enrolled with their first photo, probed with each other photo.
 * Impostor trials: each person in turn left out of the gallery (leave-one-out), probed with all photos.
 */
export async function trialsFor(engine: FaceEngine, people: Person[]): Promise<{ trials: Trial[]; skipped: string[] }> {
  const skipped: string[] = [];
  const describe = async (label: string, bytes: Buffer, purpose: 'enrol' | 'probe') => {
    try {
      const r = await engine.describe(bytes, { purpose });
      if (!r.faces[0]?.descriptor) skipped.push(`${label}: no face`);
      return r.faces[0]?.descriptor;
    } catch (e) {
      skipped.push(`${label}: ${isAppError(e) ? e.code : String(e)}`);
      return undefined;
    }
  };
  const gallery: (Float32Array | undefined)[] = await Promise.all(people.map((p) => describe(p.photos[0]!.label, p.photos[0]!.bytes, 'enrol')));
  const probes = await Promise.all(people.map((p) => Promise.all(p.photos.slice(1).map((ph) => describe(ph.label, ph.bytes, 'probe')))));
  const full = new FaceIndex();
  gallery.forEach((g, i) => g && full.upsert(i + 1, g));
  const trials: Trial[] = [];
  people.forEach((_, i) => {
    if (!gallery[i]) return;
    for (const d of probes[i]!) if (d) trials.push({ genuine: true, expected: i + 1, result: full.search(d) });
  });
  people.forEach((_, i) => {
    const without = new FaceIndex();
    gallery.forEach((g, j) => g && j !== i && without.upsert(j + 1, g));
    const all = [gallery[i], ...probes[i]!];
    for (const d of all) if (d) trials.push({ genuine: false, result: without.search(d) });
  });
  return { trials, skipped };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);

export function printTable(title: string, rates: Rates[], out = process.stdout): void {
  out.write(`\n${title}\n threshold  margin  correct  wrong-person  stranger-matched(FPIR)  miss(FNIR)\n`);
  for (const r of rates) {
    out.write(`   ${r.threshold.toFixed(2)}     ${r.margin.toFixed(2)}  ${pct(r.correct)}  ${pct(r.wrongPerson)}       ${pct(r.strangerMatched)}               ${pct(r.miss)}\n`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { dataset: { type: 'string', multiple: true }, samples: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } } });
  const sets: { name: string; people: () => Promise<Person[]> }[] = [];
  for (const d of values.dataset ?? []) sets.push({ name: d, people: async () => readDataset(path.resolve(d)) });
  const engine = await FaceEngine.start({ workers: os.availableParallelism(), maxPixels: 40_000_000 });
  if (values.samples || sets.length === 0) sets.unshift({ name: "face-api demo photos (ID crops, probes = rescaled/re-encoded/mirrored crops)", people: () => samplePeople(engine) });
  const summary: Record<string, unknown> = {};
  try {
    for (const set of sets) {
      const people = await set.people();
      const { trials, skipped } = await trialsFor(engine, people);
      const rates = sweep(trials);
      const best = recommend(rates);
      const stats = distanceStats(trials);
      const genuine = trials.filter((t) => t.genuine).length;
      process.stdout.write(`\n=== ${set.name}: ${people.length} people, ${genuine} genuine and ${trials.length - genuine} impostor trials\n`);
      if (skipped.length) process.stdout.write(`no face / unreadable (${skipped.length}): ${skipped.join('; ')}\n`);
      process.stdout.write(`distances: genuine median ${stats.genuineMedian.toFixed(3)}, p90 ${stats.genuineP90.toFixed(3)}; nearest stranger ${stats.impostorMin.toFixed(3)} (p1 ${stats.impostorP1.toFixed(3)}); gap to the next student, genuine p10 ${stats.gapP10.toFixed(3)}\n`);
      printTable('all settings', values.all ? rates : rates.filter((r) => r.margin === 0 || r.margin === 0.06));
      process.stdout.write(best
        ? `\nrecommended (wrong-person and stranger matches ≤ 0.1 %): MATCH_THRESHOLD=${best.threshold} MATCH_MARGIN=${best.margin} → correct ${pct(best.correct).trim()}, miss ${pct(best.miss).trim()}\n`
        : '\nno setting keeps false matches at or below 0.1 % on this set\n');
      summary[set.name] = { people: people.length, trials: trials.length, stats, recommended: best ?? null };
    }
  } finally {
    await engine.close();
  }
  process.stdout.write(`\n${JSON.stringify({ calibrate: summary })}\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) void main().then((c) => process.exit(c));
