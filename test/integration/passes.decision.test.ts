// decide(): the match rule at its edges (exactly at threshold / margin, NaN, Infinity, ties); MATCH_THRESHOLD/MATCH_MARGIN reach it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import sharp from 'sharp';
import { decide, offRosterRival, type Decision, type MatchRule } from '../../src/passes/decision.js';
import type { SearchResult } from '../../src/face/index.js';
import { FACEAPI_MODEL } from '../../src/face/models.js';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import { enrol, makeIdPhotos } from '../helpers/students.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';
import type { PassAnswerJson } from '../helpers/answers.js';

const RULE: MatchRule = { threshold: 0.5, margin: 0.125 }; // binary fractions: best + margin is exact
const found = (best: number, second: number, studentId = 7): SearchResult => ({
  best: { studentId, distance: best },
  secondDistance: second,
  secondStudentId: Number.isFinite(second) ? 8 : undefined,
});
const below = (x: number) => x - Number.EPSILON * x; // a double just under x, one or two ulps

const TABLE: {
  name: string;
  result: SearchResult | undefined;
  rule?: MatchRule;
  lookalike?: boolean;
  want: Decision['match'] | Exclude<Decision, { match: true }>['reason'];
}[] = [
  { name: 'no candidates (empty index)', result: undefined, want: 'empty_index' },
  { name: 'clear match, one student in the index', result: found(0.25, Infinity), want: true },
  { name: 'best exactly at the threshold', result: found(0.5, Infinity), want: true },
  { name: 'best exactly at the calibrated default threshold', result: found(0.45, Infinity), rule: FACEAPI_MODEL.calibrated!, want: true },
  { name: 'best one ulp over the threshold', result: found(0.5 + Number.EPSILON / 2, Infinity), want: 'too_far' },
  { name: 'second exactly best + margin', result: found(0.25, 0.375), want: true },
  { name: 'second exactly best + margin, best exactly at the threshold', result: found(0.5, 0.625), want: true },
  { name: 'second one ulp under best + margin', result: found(0.25, below(0.375)), want: 'ambiguous' },
  { name: 'second at the same distance (two students tie)', result: found(0.25, 0.25), want: 'ambiguous' },
  { name: 'second nearer than best (inconsistent search)', result: found(0.25, 0.2), want: 'ambiguous' },
  { name: 'best NaN', result: found(NaN, Infinity), want: 'too_far' },
  { name: 'best NaN, second NaN', result: found(NaN, NaN), want: 'too_far' },
  { name: 'best Infinity', result: found(Infinity, Infinity), want: 'too_far' },
  { name: 'second NaN', result: found(0.25, NaN), want: 'ambiguous' },
  { name: 'second -Infinity', result: found(0.25, -Infinity), want: 'ambiguous' },
  { name: 'second Infinity (nobody else)', result: found(0.25, Infinity), want: true },
  { name: 'zero distance (the enrolled photo itself)', result: found(0, Infinity), want: true },
  { name: 'negative zero', result: found(-0, 0.5), want: true },
  { name: 'zero distance for two students (the same photo enrolled twice)', result: found(0, 0), want: 'ambiguous' },
  { name: 'threshold NaN (never names anyone)', result: found(0, Infinity), rule: { threshold: NaN, margin: 0.125 }, want: 'too_far' },
  { name: 'MATCH_MARGIN=0 and a tie: still nobody', result: found(0.25, 0.25), rule: { threshold: 0.5, margin: 0 }, want: 'ambiguous' },
  { name: 'MATCH_MARGIN=0, second just further', result: found(0.25, 0.375), rule: { threshold: 0.5, margin: 0 }, want: true },
  { name: 'margin NaN (never names anyone)', result: found(0, Infinity), rule: { threshold: 0.5, margin: NaN }, want: 'ambiguous' },
  { name: 'a match with a look-alike on the roster', result: found(0.25, Infinity), lookalike: true, want: 'lookalike' },
  { name: 'too far wins over look-alike', result: found(0.75, Infinity), lookalike: true, want: 'too_far' },
  { name: 'ambiguous wins over look-alike', result: found(0.25, 0.3), lookalike: true, want: 'ambiguous' },
];

test('decide(): the table — in doubt, nobody is named', () => {
  for (const c of TABLE) {
    const asked: number[] = [];
    const d = decide(c.result, c.rule ?? RULE, (id) => (asked.push(id), !!c.lookalike));
    assert.equal(d.match ? true : d.reason, c.want, c.name);
    if (d.match) {
      assert.equal(d.studentId, c.result!.best.studentId, c.name);
      assert.equal(d.distance, c.result!.best.distance, c.name);
      assert.equal(d.secondDistance, c.result!.secondDistance, c.name);
      assert.deepEqual(asked, [c.result!.best.studentId], `${c.name}: look-alikes asked about the one named`);
    } else if (c.result) {
      assert.ok(Object.is(d.distance, c.result.best.distance), `${c.name}: distance reported`);
      assert.ok(Object.is(d.secondDistance, c.result.secondDistance), `${c.name}: second distance reported`);
    }
  }
});

let engine: FaceEngine | undefined;
const work = tempDir();
after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('offRosterRival(): any enrolled student off the roster within the radius is a rival; members are not', () => {
  const members = new Set([1, 2, 3]);
  assert.equal(offRosterRival([], members), undefined);
  assert.equal(
    offRosterRival(
      [
        { studentId: 2, distance: 0.9 },
        { studentId: 3, distance: 0.95 },
      ],
      members,
    ),
    undefined,
  );
  assert.deepEqual(
    offRosterRival(
      [
        { studentId: 2, distance: 0.9 },
        { studentId: 7, distance: 0.97 },
      ],
      members,
    ),
    { studentId: 7, distance: 0.97 },
  );
  assert.deepEqual(offRosterRival([{ studentId: 8, distance: 0.5 }], new Set()), { studentId: 8, distance: 0.5 });
});

test('MATCH_THRESHOLD and MATCH_MARGIN from the environment decide what /api/recognize names', async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  const people = await makeIdPhotos(engine, [3]);
  const who = people[0]!;
  const group = await engine.describe(sampleBytes(3), { purpose: 'probe', describe: 'all' });
  const probe = (
    await sharp(await cropFace(sampleBytes(3), group.faces[who.face]!.box, 0.45, 95))
      .resize(480)
      .jpeg({ quality: 75 })
      .toBuffer()
  ).toString('base64');
  const tdb = await sqliteDatabase();
  try {
    // Each app reads the same database: the two students enrolled once, a different environment each time.
    const ask = async (env: Record<string, string>) => {
      const t = await startApp(tdb, engine!, env);
      try {
        const r = await t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: probe } });
        assert.equal(r.statusCode, 200, r.body);
        const a = await t.db.selectFrom('attempts').select(['distance', 'second_distance']).orderBy('id', 'desc').executeTakeFirstOrThrow();
        return { status: r.json<PassAnswerJson>().status, distance: a.distance!, second: a.second_distance! };
      } finally {
        await t.close();
      }
    };
    const t0 = await startApp(tdb, engine);
    await enrol(t0, engine, people.slice(0, 2), work);
    await t0.close();

    const base = await ask({});
    assert.equal(base.status, 'ok', 'the defaults name the student');
    const { distance, second } = base;
    assert.ok(distance > 0.05 && second - distance < 2 && second - distance > 0, `distance ${distance}, second ${second}`);
    const again = await ask({});
    assert.equal(again.status, 'already_passed');
    assert.deepEqual([again.distance, again.second], [distance, second], 'the same photo gives the same distances (the edges below rely on it)');

    assert.equal((await ask({ MATCH_THRESHOLD: '0.05' })).status, 'not_found', 'a tiny threshold: nobody named');
    assert.equal((await ask({ MATCH_MARGIN: '2' })).status, 'not_found', 'a huge margin: nobody named');
    // Exactly at the edges (the audited distances, as the environment's text): still named.
    assert.equal((await ask({ MATCH_THRESHOLD: String(distance) })).status, 'already_passed', `threshold = distance ${distance}`);
    assert.equal((await ask({ MATCH_MARGIN: String(second - distance) })).status, 'already_passed', `margin = second - best = ${second - distance}`);
    // Just past them: not named.
    assert.equal((await ask({ MATCH_THRESHOLD: String(distance * (1 - 1e-9)) })).status, 'not_found');
    assert.equal((await ask({ MATCH_MARGIN: String((second - distance) * (1 + 1e-9)) })).status, 'not_found');
  } finally {
    await tdb.drop();
  }
});
