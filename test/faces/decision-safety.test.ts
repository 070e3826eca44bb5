// The shipped decision rule at scale, on real faces from ../shared/faces (CelebA people + UTKFace strangers):
// run by `npm run test:faces` (CI), not by `npm test` (the photos exist only beside the project).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaceEngine } from '../../src/face/engine.js';
import { FACEAPI_MODEL } from '../../src/face/models.js';
import { projectRoot } from '../../src/paths.js';
import { describeSet, readSet, type PhotoFile } from '../../src/calibration/photos.js';
import { scaleTrials, strangerPadCount, type ScaleTrials } from '../../src/calibration/scale.js';
import { evaluate, firstFalseMatch } from '../../src/calibration/rates.js';
import type { Purpose } from '../../src/face/types.js';

const shared = path.resolve(projectRoot, '../shared/faces');
const peopleDir = path.join(shared, 'celeba');
const strangersDir = path.join(shared, 'utk-strangers');
/** Several hundred enrolled identities: CelebA people in the gallery plus one-photo strangers. */
const GALLERY = 800;

let engine: FaceEngine;
let cache: string;
let result: ScaleTrials;

before(async () => {
  assert.ok(fs.existsSync(peopleDir) && fs.existsSync(strangersDir), `${shared} is needed (CI and development machines have it)`);
  engine = await FaceEngine.start({ workers: os.availableParallelism(), maxPixels: 40_000_000 });
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-faces-'));
  const groups = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'benchmarks/data/shared-faces-same-person.json'), 'utf8')) as { groups: string[][] })
    .groups;
  const root = new Map<string, string>();
  for (const g of groups) for (const label of g) root.set(label, g[0]!);
  const people = readSet(peopleDir);
  const isPerson = new Set(people);
  const label = (p: PhotoFile) => `${isPerson.has(p) ? 'celeba' : 'utk-strangers'}/${p.person}`;
  const identity = (p: PhotoFile) => root.get(label(p)) ?? label(p);
  const seen = new Set<string>();
  const strangers = readSet(strangersDir).filter((s) => {
    const id = identity(s);
    if (id.startsWith('celeba/') || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const opts = { gallery: GALLERY, folds: 3, minFacePx: 50, multiFaceRatio: 0.5, dim: engine.dim };
  const pad = strangerPadCount(people, strangers, identity, opts);
  const wanted: { photo: PhotoFile; purpose: Purpose }[] = [];
  people.forEach((p, i) => {
    if (i === 0 || people[i - 1]!.person !== p.person) wanted.push({ photo: p, purpose: 'enrol' });
    wanted.push({ photo: p, purpose: 'probe' });
  });
  strangers.slice(0, pad).forEach((s) => wanted.push({ photo: s, purpose: 'enrol' }));
  const described = new Map([
    ...(await describeSet(
      engine,
      peopleDir,
      wanted.filter((w) => isPerson.has(w.photo)),
      path.join(cache, 'people.jsonl'),
    )),
    ...(await describeSet(
      engine,
      strangersDir,
      wanted.filter((w) => !isPerson.has(w.photo)),
      path.join(cache, 'strangers.jsonl'),
    )),
  ]);
  result = scaleTrials(people, strangers.slice(0, pad), described, identity, opts);
});

after(async () => {
  await engine?.close();
  if (cache) fs.rmSync(cache, { recursive: true, force: true });
});

test('the shipped rule names no wrong student and no stranger among several hundred real identities, and still names a third of students', () => {
  const { threshold, margin } = FACEAPI_MODEL.calibrated!;
  for (const f of result.folds) assert.ok(f.gallery >= GALLERY - 20 && f.enrolled >= 180, JSON.stringify(f));
  const r = evaluate(result.trials, threshold, margin);
  assert.ok(r.genuine >= 5000, `${r.genuine} genuine probes`);
  assert.ok(r.impostor >= 3000, `${r.impostor} probes of people never enrolled`);
  assert.equal(r.wrongPerson, 0, `wrong person: ${(r.wrongPerson * r.genuine).toFixed(0)}`);
  assert.equal(r.strangerMatched, 0, `strangers named: ${(r.strangerMatched * r.impostor).toFixed(0)}`);
  assert.ok(r.correct >= 0.35, `correct ${(r.correct * 100).toFixed(1)} %`);
  // The nearest false match stays clear of the threshold: the shipped setting has room to spare.
  assert.ok(firstFalseMatch(result.trials, margin) >= threshold + 0.02, `first false match at ${firstFalseMatch(result.trials, margin).toFixed(3)}`);
});

test('without the margin the same threshold names strangers: the margin is what keeps look-alikes out', () => {
  const { threshold } = FACEAPI_MODEL.calibrated!;
  const r = evaluate(result.trials, threshold, 0);
  assert.ok(r.strangerMatched * r.impostor + r.wrongPerson * r.genuine >= 5, JSON.stringify(r));
});
