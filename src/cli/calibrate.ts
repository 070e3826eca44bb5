// `npm run calibrate -- --dataset DIR` (DIR/<person>/<photo>) or `--samples` (face-api's demo photos, cropped and varied).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { FaceEngine } from '../face/engine.js';
import { FaceIndex } from '../face/index.js';
import { isAppError } from '../errors.js';
import { distanceStats, evaluate, sweep, thresholdGrid, type Trial } from '../calibration/rates.js';
import { describeSet, readSet, type PhotoFile } from '../calibration/photos.js';
import type { Purpose } from '../face/types.js';
import { FMR_GRID, scaleTrials, strangerPadCount } from '../calibration/scale.js';
import { marginGrid, printRates, reportScale } from '../calibration/tables.js';
import { reportVerify } from '../calibration/verify.js';
import { loadConfig, readDotEnv, type Config } from '../config.js';
import { samplePeople, type Person } from './calibration-samples.js';
import { resolveModel, type FacePointSource, type FaceModelSpec } from '../face/models.js';
import { projectRoot } from '../paths.js';

function readDataset(dir: string): Person[] {
  const people: Person[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const pdir = path.join(dir, name);
    if (!fs.statSync(pdir).isDirectory()) continue;
    const photos = fs
      .readdirSync(pdir)
      .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
      .sort()
      .map((f) => ({ label: `${name}/${f}`, bytes: fs.readFileSync(path.join(pdir, f)) }));
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
  const full = new FaceIndex(1024, { dim: engine.dim });
  gallery.forEach((g, i) => g && full.upsert(i + 1, g));
  const trials: Trial[] = [];
  people.forEach((_, i) => {
    if (!gallery[i]) return;
    for (const d of probes[i]!) if (d) trials.push({ genuine: true, expected: i + 1, result: full.search(d) });
  });
  people.forEach((_, i) => {
    const without = new FaceIndex(1024, { dim: engine.dim });
    gallery.forEach((g, j) => g && j !== i && without.upsert(j + 1, g));
    const all = [gallery[i], ...probes[i]!];
    for (const d of all) if (d) trials.push({ genuine: false, result: without.search(d) });
  });
  return { trials, skipped };
}

const usage = `usage:
  npm run calibrate -- --people DIR --strangers DIR [--same-person FILE] [--gallery 2500] [--folds 3] [--safety D] [--probe-strangers] [--enrol-photos K [--probe-from N]] [--models intel,faceapi,faceplugin] [--all] [--json FILE]
      1:N at an exam centre's scale: DIR/<person>/<photo>; in each fold some people are never enrolled (their photos probe
      as strangers), the others are enrolled with their first photo (their other photos probe); one-photo strangers fill
      the gallery (with --probe-strangers the rest probe as strangers too). The model is FACE_MODEL's.
      --enrol-photos K: photos 2..K of each enrolled person are added as the door adds verified frames (the gate, refused
      within MATCH_THRESHOLD of another student, or beyond the 1:1 threshold of their own); genuine probes start at photo N+1
      (--probe-from, default K). --models: each model in turn (FACE_MODEL values), then a side-by-side table.
      Also printed: thresholds by gallery size from the per-pair curve, 1:1 (card + face) and roster-scoped search.
      --points yunet5|yunet68|faceapi68, --mirror none|enrol|both: measure another pipeline of FACE_MODEL's weights.
  npm run calibrate -- --dataset DIR        a small set: first photo enrolled, the others probed; leave-one-out strangers
  npm run calibrate                          face-api's demo photos`;

/** Same-person groups: labels `<set folder name>/<person folder>` that show one person (label noise in public sets). */
function identityFrom(file: string | undefined): (set: string, person: string) => string {
  const root = new Map<string, string>();
  if (file) {
    const groups = (JSON.parse(fs.readFileSync(file, 'utf8')) as { groups: string[][] }).groups;
    for (const g of groups) for (const label of g) root.set(label, g[0]!);
  }
  return (set, person) => root.get(`${set}/${person}`) ?? `${set}/${person}`;
}

async function scale(values: Record<string, string | boolean | string[] | undefined>, engine: FaceEngine, config: Config): Promise<Record<string, unknown>> {
  const peopleDir = path.resolve(String(values.people));
  const strangersDir = path.resolve(String(values.strangers));
  const opts = {
    gallery: Number(values.gallery ?? 2500),
    folds: Number(values.folds ?? 3),
    minFacePx: config.minFacePx,
    multiFaceRatio: config.multiFaceRatio,
    dim: engine.dim,
    probeStrangers: values['probe-strangers'] === true,
    enrolPhotos: Number(values['enrol-photos'] ?? 1),
    probeFrom: Number(values['probe-from'] ?? values['enrol-photos'] ?? 1),
    addedRadius: config.matchThreshold,
    verifyThreshold: config.verifyThreshold,
    rule: { threshold: config.matchThreshold, margin: config.matchMargin },
  };
  const identity = identityFrom(values['same-person'] as string | undefined);
  const people = readSet(peopleDir);
  const strangersAll = readSet(strangersDir);
  // A stranger who is one of the people (the same person in both sets) is not a stranger; repeats of one stranger count once.
  const peopleSet = path.basename(peopleDir),
    strangerSet = path.basename(strangersDir);
  const seen = new Set<string>();
  const strangers = strangersAll.filter((s) => {
    const id = identity(strangerSet, s.person);
    if (id.startsWith(`${peopleSet}/`) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const isPerson = new Set(people);
  const idOf = (p: PhotoFile) => identity(isPerson.has(p) ? peopleSet : strangerSet, p.person);
  const peopleIds = new Set(people.map(idOf));
  const pad = strangerPadCount(people, strangers, idOf, opts);
  const wanted: { photo: PhotoFile; purpose: Purpose }[] = [];
  people.forEach((p, i) => {
    if (i === 0 || people[i - 1]!.person !== p.person) wanted.push({ photo: p, purpose: 'enrol' });
    wanted.push({ photo: p, purpose: 'probe' });
  });
  strangers.forEach((s, i) => {
    if (i < pad) wanted.push({ photo: s, purpose: 'enrol' });
    else if (opts.probeStrangers) wanted.push({ photo: s, purpose: 'probe' });
  });
  process.stdout.write(`\n=== 1:N calibration, model ${engine.model.label} [${engine.model.id}]\n`);
  process.stdout.write(
    `people: ${peopleDir} (${peopleIds.size} people, ${people.length} photos); strangers: ${strangersDir} (${strangers.length} people after ${strangersAll.length - strangers.length} repeats / people's photos left out)\n`,
  );
  const cacheDir = path.join(config.dataDir, 'calibration', engine.model.id);
  const t0 = performance.now();
  let last = 0;
  const progress = (done: number, total: number) => {
    if (Date.now() - last > 15_000 || done === total) {
      last = Date.now();
      process.stderr.write(`  described ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  };
  const described = new Map([
    ...(await describeSet(
      engine,
      peopleDir,
      wanted.filter((w) => isPerson.has(w.photo)),
      path.join(cacheDir, `people-${path.basename(peopleDir)}.jsonl`),
      progress,
    )),
    ...(await describeSet(
      engine,
      strangersDir,
      wanted.filter((w) => !isPerson.has(w.photo)),
      path.join(cacheDir, `strangers-${path.basename(strangersDir)}.jsonl`),
      progress,
    )),
  ]);
  const s = scaleTrials(people, strangers, described, idOf, opts);
  const f = s.folds;
  const sum = (k: keyof (typeof f)[number]) => f.reduce((n, x) => n + x[k], 0);
  process.stdout.write(
    `${opts.folds} folds; per fold: gallery ${f.map((x) => x.gallery).join('/')} (${f.map((x) => x.enrolled).join('/')} people + one-photo strangers), ` +
      `genuine probes ${f.map((x) => x.genuine).join('/')}, stranger probes ${f.map((x) => x.strangers).join('/')} (people never enrolled: ${f.map((x) => x.strangerPeople).join('/')}, and one-photo strangers)\n`,
  );
  process.stdout.write(
    `in all: ${sum('genuine')} genuine and ${sum('strangers')} stranger probes; not searched, as at the door: no face ${s.skipped.noFace}, several faces ${s.skipped.multipleFaces}, face too small ${s.skipped.faceTooSmall}, no clear face ${s.skipped.unclear}; people without a usable enrolment photo ${s.skipped.notEnrolled} (of them two faces of similar size: ${s.skipped.twoFaces})\n`,
  );
  if ((opts.enrolPhotos ?? 1) > 1)
    process.stdout.write(
      `added photos (as from the door): ${s.added.added} added, ${s.added.refusedGate} refused by the gate, ${s.added.refusedNear} refused as too near another student, ${s.added.refusedVerify} refused by the 1:1 check against the enrolled photo\n`,
    );
  const safety = Number(values.safety ?? (engine.model.kind === 'faceapi' ? 0.01 : 0.02));
  const summary = reportScale(process.stdout, s, { threshold: config.matchThreshold, margin: config.matchMargin }, safety, values.all === true);
  const verify = reportVerify(
    process.stdout,
    { grid: FMR_GRID, within: s.impostorPairsWithin, pairs: s.impostorPairs },
    s.claims,
    s.rosterProbes,
    { threshold: config.matchThreshold, margin: config.matchMargin },
    safety,
    marginGrid(config.matchThreshold),
  );
  return { model: engine.model.id, folds: s.folds, skipped: s.skipped, added: s.added, ...summary, verify };
}

/** The configuration and a started engine for one model (FACE_MODEL=name; --points/--mirror measure another pipeline). */
async function startFor(
  name: string | undefined,
  values: { points?: string; mirror?: string; workers?: string },
): Promise<{ config: Config; engine: FaceEngine }> {
  const env =
    name === undefined ? process.env : { ...process.env, FACE_MODEL: name, MATCH_THRESHOLD: undefined, MATCH_MARGIN: undefined, VERIFY_THRESHOLD: undefined };
  let config = loadConfig(env);
  if (values.points || values.mirror) {
    const model = resolveModel(env.FACE_MODEL ?? '', config.dataDir, projectRoot, {
      ...(values.points ? { points: values.points as FacePointSource } : {}),
      ...(values.mirror ? { mirror: values.mirror as FaceModelSpec['mirror'] } : {}),
    });
    config = { ...config, model };
  }
  const engine = await FaceEngine.start({
    workers: Number(values.workers ?? os.availableParallelism()),
    maxPixels: config.maxImagePixels,
    model: config.model,
  });
  return { config, engine };
}

/** One line per model: its shipped rule and the recommended one, on the same sets. */
function printSideBySide(rows: { name: string; scale: Record<string, unknown> }[]): void {
  type R = {
    threshold: number;
    margin: number;
    correct: number;
    wrongPerson: number;
    strangerMatched: number;
    genuine: number;
    impostor: number;
    miss: number;
    firstFalse: number;
  };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  process.stdout.write(`\n=== side by side (same sets, folds and probe photos; each model's own detections)\n`);
  process.stdout.write(
    `model                 rule (threshold / margin)   correct   wrong   strangers   missed   first false match (safety)   genuine / stranger probes\n`,
  );
  for (const { name, scale: s } of rows) {
    const lines: [string, R | null][] = [
      ['shipped', s.configured as R],
      ['recommended', s.recommended as R | null],
    ];
    for (const [what, r] of lines) {
      if (!r) continue;
      const wrong = Math.round(r.wrongPerson * r.genuine),
        strangers = Math.round(r.strangerMatched * r.impostor);
      process.stdout.write(
        `${`${name} ${what}`.padEnd(22)}${`${r.threshold} / ${r.margin}`.padStart(24)}   ${pct(r.correct).padStart(7)}   ${String(wrong).padStart(5)}   ${String(strangers).padStart(9)}   ${pct(r.miss).padStart(6)}   ${`${r.firstFalse.toFixed(3)} (${(r.firstFalse - r.threshold).toFixed(3)})`.padStart(26)}   ${r.genuine} / ${r.impostor}\n`,
      );
    }
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        dataset: { type: 'string', multiple: true },
        samples: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        people: { type: 'string' },
        strangers: { type: 'string' },
        'same-person': { type: 'string' },
        gallery: { type: 'string' },
        folds: { type: 'string' },
        safety: { type: 'string' },
        json: { type: 'string' },
        workers: { type: 'string' },
        'probe-strangers': { type: 'boolean', default: false },
        'enrol-photos': { type: 'string' },
        'probe-from': { type: 'string' },
        points: { type: 'string' },
        mirror: { type: 'string' },
        models: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help || (values.people === undefined) !== (values.strangers === undefined)) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  readDotEnv();
  // --models a,b,c: the 1:N calibration of each model in one run (same sets, folds and probes), then side by side.
  const modelNames = values.models ? values.models.split(',').map((m) => m.trim()) : [undefined];
  if (modelNames.length > 1 && !values.people) {
    process.stderr.write(`--models needs --people and --strangers\n${usage}\n`);
    return 2;
  }
  const sideBySide: { name: string; scale: Record<string, unknown> }[] = [];
  for (const name of modelNames.slice(0, -1)) {
    const { config, engine } = await startFor(name, values);
    try {
      sideBySide.push({ name: name!, scale: await scale(values, engine, config) });
    } finally {
      await engine.close();
    }
  }
  const { config, engine } = await startFor(modelNames.at(-1), values);
  const summary: Record<string, unknown> = {};
  try {
    if (values.people) {
      summary.scale = await scale(values, engine, config);
      if (modelNames.length > 1) {
        sideBySide.push({ name: modelNames.at(-1)!, scale: summary.scale as Record<string, unknown> });
        summary.models = sideBySide;
        printSideBySide(sideBySide);
      }
    }
    const sets: { name: string; people: () => Promise<Person[]> }[] = [];
    for (const d of values.dataset ?? []) sets.push({ name: d, people: () => Promise.resolve(readDataset(path.resolve(d))) });
    if (values.samples || (sets.length === 0 && !values.people))
      sets.unshift({ name: 'face-api demo photos (ID crops, probes = rescaled/re-encoded/mirrored crops)', people: () => samplePeople(engine) });
    for (const set of sets) {
      const people = await set.people();
      const { trials, skipped } = await trialsFor(engine, people);
      const rates = sweep(trials, thresholdGrid(trials, 0.01), [0, config.matchMargin]);
      const stats = distanceStats(trials);
      const genuine = trials.filter((t) => t.genuine).length;
      process.stdout.write(
        `\n=== ${set.name}: ${people.length} people, ${genuine} genuine and ${trials.length - genuine} impostor trials (too few to calibrate a threshold: see --people/--strangers)\n`,
      );
      if (skipped.length) process.stdout.write(`no face / unreadable (${skipped.length}): ${skipped.join('; ')}\n`);
      process.stdout.write(
        `distances: genuine median ${stats.genuineMedian.toFixed(3)}, p90 ${stats.genuineP90.toFixed(3)}; nearest stranger ${stats.impostorMin.toFixed(3)} (p1 ${stats.impostorP1.toFixed(3)}); gap to the next student, genuine p10 ${stats.gapP10.toFixed(3)}\n`,
      );
      printRates(process.stdout, 'rates per setting', values.all ? rates : rates.filter((r) => r.margin === 0 || r.margin === config.matchMargin));
      const at = evaluate(trials, config.matchThreshold, config.matchMargin);
      process.stdout.write(
        `configured (MATCH_THRESHOLD=${config.matchThreshold} MATCH_MARGIN=${config.matchMargin}): correct ${(at.correct * 100).toFixed(1)}%, wrong person ${(at.wrongPerson * 100).toFixed(1)}%, strangers named ${(at.strangerMatched * 100).toFixed(1)}%\n`,
      );
      summary[set.name] = { people: people.length, trials: trials.length, stats, configured: at };
    }
  } finally {
    await engine.close();
  }
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(summary, null, 1));
  process.stdout.write(`\n${JSON.stringify({ calibrate: summary })}\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) void main().then((c) => process.exit(c));
