// The shipped rules of the default model at scale, on real faces from ../shared/faces (CelebA people + UTKFace
// strangers): 1:N, 1:1 (card + face) and roster-scoped search. Run by `npm run test:faces` (CI), not by `npm test`
// (the photos exist only beside the project).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaceEngine } from '../../src/face/engine.js';
import { defaultModel } from '../../src/face/models.js';
import { projectRoot } from '../../src/paths.js';
import { describeSet, readSet, type PhotoFile } from '../../src/calibration/photos.js';
import { scaleTrials, strangerPadCount, type ScaleTrials } from '../../src/calibration/scale.js';
import { evaluate, firstFalseMatch } from '../../src/calibration/rates.js';
import { rosterRates, verifyRates } from '../../src/calibration/verify.js';
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
  const { threshold, margin } = defaultModel().calibrated!;
  const opts = { gallery: GALLERY, folds: 3, minFacePx: 50, multiFaceRatio: 0.5, dim: engine.dim, rule: { threshold, margin } };
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

const shipped = () => defaultModel().calibrated!;

test('the default model’s rule names no wrong student and no stranger among several hundred real identities, and names at least 60 % of students', () => {
  assert.equal(engine.model.id, defaultModel().id);
  const { threshold, margin } = shipped();
  for (const f of result.folds) assert.ok(f.gallery >= GALLERY - 20 && f.enrolled >= 180, JSON.stringify(f));
  const r = evaluate(result.trials, threshold, margin);
  assert.ok(r.genuine >= 5000, `${r.genuine} genuine probes`);
  assert.ok(r.impostor >= 3000, `${r.impostor} probes of people never enrolled`);
  assert.equal(r.wrongPerson, 0, `wrong person: ${(r.wrongPerson * r.genuine).toFixed(0)}`);
  assert.equal(r.strangerMatched, 0, `strangers named: ${(r.strangerMatched * r.impostor).toFixed(0)}`);
  assert.ok(r.correct >= 0.6, `correct ${(r.correct * 100).toFixed(1)} %`);
  // The nearest false match stays clear of the threshold: the shipped setting has room to spare.
  assert.ok(firstFalseMatch(result.trials, margin) >= threshold + 0.02, `first false match at ${firstFalseMatch(result.trials, margin).toFixed(3)}`);
});

test('a looser rule names strangers: the shipped threshold is what keeps them out', () => {
  const { threshold } = shipped();
  const r = evaluate(result.trials, threshold + 0.06, 0);
  assert.ok(r.strangerMatched * r.impostor + r.wrongPerson * r.genuine >= 5, JSON.stringify(r));
});

test('1:1 (card + face): at least 85 % of genuine claims accepted, random claims at most 0.1 % on more than 10,000 claims', () => {
  const { threshold, margin, verify } = shipped();
  const r = verifyRates(result.claims, verify!, { threshold, margin }, 'nearest');
  assert.ok(r.randomClaims >= 10_000, `${r.randomClaims} random claims`);
  assert.ok(r.genuineAccepted / r.genuine >= 0.85, `genuine accepted ${((100 * r.genuineAccepted) / r.genuine).toFixed(1)} %`);
  assert.ok(r.randomAccepted / r.randomClaims <= 0.001, `random claims accepted ${r.randomAccepted} of ${r.randomClaims}`);
});

test('roster-scoped search at the shipped rules: adds students, names nobody off the roster and no wrong roster student', () => {
  const { threshold, margin, rosters } = shipped();
  for (const rule of rosters!) {
    const r = rosterRates(result.rosterProbes, rule.size, { threshold, margin }, rule);
    assert.ok(r.impostors >= 10_000, `${r.impostors} impostor attempts at roster ${rule.size}`);
    assert.equal(r.impostorNamed, 0, `roster ${rule.size}: impostors named`);
    assert.equal(r.wrong, 0, `roster ${rule.size}: wrong roster student`);
    assert.ok(r.gained > 0, `roster ${rule.size}: adds nobody`);
  }
});
