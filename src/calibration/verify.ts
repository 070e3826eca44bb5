// 1:1 verification (card + face) and roster-scoped search, measured on the same folds as the 1:N calibration:
// what a claimed student's own distance looks like, what random and look-alike claims get through, and
// what searching only a sitting's roster adds.
import { decide, type MatchRule } from '../passes/decision.js';
import type { SearchResult } from '../face/index.js';

/** One probe's claims: its own student (genuine), a few random other students, and the nearest other one. */
export interface ClaimProbe {
  /** Distance to the probe's own student's nearest face (genuine probes only). */
  own?: number;
  ownId?: number;
  /** The 1:N search, for the guard: a claim is refused when the 1:N rule names somebody else. */
  result: SearchResult | undefined;
  /** Random impostor claims: other students (enrolled, never the probe's own) and their distances. */
  random: { id: number; distance: number }[];
  /** The look-alike claim: the nearest enrolled student who is not the probe's own. */
  nearestOther?: { id: number; distance: number };
  /** What the enrolment quality gate would say of the probe frame (face/quality.ts): pose, size, blur, light. */
  issues?: string[];
}

/** A probe searched within one simulated sitting roster. */
export interface RosterProbe {
  roster: number;
  size: number;
  /** The probe's own student, when enrolled and on this roster. */
  inRoster: boolean;
  expected?: number;
  /** The nearest and second-nearest roster students. */
  best?: { id: number; distance: number };
  second: number;
  /** The 1:N search over everyone, and whether its nearest student is on the roster. */
  result: SearchResult | undefined;
  globalBestInRoster: boolean;
}

/**
 * 1:1: the claim is accepted when the claimed student's nearest face is within `threshold` and the 1:N
 * rule does not name another student (a frame that the whole roster says is someone else never verifies).
 */
export function verifies(
  claimId: number,
  distance: number,
  result: SearchResult | undefined,
  threshold: number,
  rule1N: MatchRule,
  guard: VerifyGuard = 'named',
): boolean {
  if (!(distance <= threshold)) return false;
  if (guard === 'nearest') return !result || result.best.studentId === claimId || result.best.distance >= distance;
  const named = decide(result, rule1N);
  return !(named.match && named.studentId !== claimId);
}

/**
 * What else refuses a claim within the threshold: `named` — the 1:N rule names another student;
 * `nearest` — any other student is nearer than the claimed one (stricter: also a look-alike's own face).
 */
export type VerifyGuard = 'named' | 'nearest';

export interface VerifyRates {
  threshold: number;
  genuine: number;
  genuineAccepted: number;
  randomClaims: number;
  randomAccepted: number;
  lookalikeClaims: number;
  lookalikeAccepted: number;
}

export function verifyRates(probes: ClaimProbe[], threshold: number, rule1N: MatchRule, guard: VerifyGuard = 'named'): VerifyRates {
  let genuine = 0,
    ga = 0,
    random = 0,
    ra = 0,
    look = 0,
    la = 0;
  for (const p of probes) {
    if (p.own !== undefined) {
      genuine++;
      if (verifies(p.ownId!, p.own, p.result, threshold, rule1N, guard)) ga++;
    }
    for (const c of p.random) {
      random++;
      if (verifies(c.id, c.distance, p.result, threshold, rule1N, guard)) ra++;
    }
    if (p.nearestOther) {
      look++;
      if (verifies(p.nearestOther.id, p.nearestOther.distance, p.result, threshold, rule1N, guard)) la++;
    }
  }
  return { threshold, genuine, genuineAccepted: ga, randomClaims: random, randomAccepted: ra, lookalikeClaims: look, lookalikeAccepted: la };
}

/**
 * Roster search, after the 1:N rule found nobody: a frame within the 1:N threshold of a student outside
 * the roster is refused; otherwise the roster's nearest student is named under the roster's rule.
 * Returns the named student or undefined.
 */
export function rosterNames(p: RosterProbe, rule1N: MatchRule, ruleRoster: MatchRule): number | undefined {
  const named = decide(p.result, rule1N);
  if (named.match) return undefined; // the 1:N answer stands; roster search is only for the unsure
  if (p.result && !p.globalBestInRoster && p.result.best.distance <= rule1N.threshold) return undefined;
  if (!p.best) return undefined;
  const d = p.best.distance;
  if (!(d <= ruleRoster.threshold) || !(p.second - d >= ruleRoster.margin) || !(p.second > d)) return undefined;
  return p.best.id;
}

export interface RosterRates {
  size: number;
  threshold: number;
  margin: number;
  /** Genuine roster probes the 1:N rule missed and the roster search named rightly. */
  gained: number;
  genuine: number;
  /** Genuine probes named as another roster student, impostors (not on the roster) named at all. */
  wrong: number;
  impostors: number;
  impostorNamed: number;
}

export function rosterRates(probes: RosterProbe[], size: number, rule1N: MatchRule, ruleRoster: MatchRule): RosterRates {
  let genuine = 0,
    gained = 0,
    wrong = 0,
    impostors = 0,
    impNamed = 0;
  for (const p of probes) {
    if (p.size !== size) continue;
    const id = rosterNames(p, rule1N, ruleRoster);
    if (p.inRoster) {
      genuine++;
      if (id === undefined) continue;
      if (id === p.expected) gained++;
      else wrong++;
    } else {
      impostors++;
      if (id !== undefined) impNamed++;
    }
  }
  return { size, ...ruleRoster, gained, genuine, wrong, impostors, impostorNamed: impNamed };
}

/** The smallest roster distance at which the roster search would name someone wrongly with `margin`. */
export function rosterFirstFalse(probes: RosterProbe[], size: number, rule1N: MatchRule, margin: number): number {
  let first = Infinity;
  for (const p of probes) {
    if (p.size !== size || !p.best) continue;
    const wrong = !p.inRoster || p.best.id !== p.expected;
    if (!wrong) continue;
    // Would the roster path be taken at all, whatever the roster threshold?
    if (rosterNames(p, rule1N, { threshold: Infinity, margin }) === undefined) continue;
    first = Math.min(first, p.best.distance);
  }
  return first;
}

/** A small deterministic generator (mulberry32): the same claims and rosters on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` distinct items of `from`, drawn with `rand`. */
export function sample<T>(from: readonly T[], k: number, rand: () => number): T[] {
  const a = [...from];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

type Out = { write(s: string): unknown };
const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

/** Gallery sizes the shipped thresholds are given for; 1 is the 1:1 check of a claimed student. */
export const GALLERY_SIZES = [1, 30, 100, 300, 2500, 10000] as const;
/** Per attempt, at most this share of impostors named (N > 1); 1:1 at a per-pair rate of ONE_TO_ONE_FMR. */
export const TARGET_PER_ATTEMPT = 0.001;
export const ONE_TO_ONE_FMR = 1e-4;

export interface VerifySummary {
  bySize: { n: number; targetFmr: number; threshold: number | null; fmr: number; pairsWithin: number }[];
  impostorPairs: number;
  verify: VerifyRates | null;
  rosters: (RosterRates & { firstFalse: number; oneToN: number })[];
}

/**
 * Prints the 1:1 and roster part of the calibration: thresholds by gallery size from the per-pair curve,
 * the 1:1 check at its threshold (genuine, random and look-alike claims) and roster search's gain.
 */
export function reportVerify(
  out: Out,
  curve: { grid: readonly number[]; within: readonly number[]; pairs: number },
  claims: ClaimProbe[],
  rosterProbes: RosterProbe[],
  rule1N: MatchRule,
  safety: number,
  margins: readonly number[],
): VerifySummary {
  const bySize: VerifySummary['bySize'] = [];
  out.write(
    `\nthresholds by gallery size from the per-pair false-match curve (${curve.pairs.toLocaleString('en')} impostor pairs): ` +
      `per attempt ≤ ${pct(TARGET_PER_ATTEMPT)} of impostors named, i.e. a per-pair rate ≤ ${TARGET_PER_ATTEMPT}/N (1:1: ≤ ${ONE_TO_ONE_FMR})\n` +
      `       N   per-pair target   threshold   measured FMR   impostor pairs within\n`,
  );
  for (const n of GALLERY_SIZES) {
    const target = n === 1 ? ONE_TO_ONE_FMR : TARGET_PER_ATTEMPT / n;
    let k = -1;
    for (let i = 0; i < curve.grid.length; i++) if (curve.within[i]! / Math.max(1, curve.pairs) <= target) k = i;
    const row = {
      n,
      targetFmr: target,
      threshold: k >= 0 ? curve.grid[k]! : null,
      fmr: k >= 0 ? curve.within[k]! / curve.pairs : NaN,
      pairsWithin: k >= 0 ? curve.within[k]! : 0,
    };
    bySize.push(row);
    out.write(
      `  ${String(n).padStart(6)}   ${target.toExponential(1).padStart(15)}   ${row.threshold === null ? '       —' : row.threshold.toFixed(3).padStart(9)}   ${Number.isFinite(row.fmr) ? row.fmr.toExponential(1).padStart(12) : '           —'}   ${String(row.pairsWithin).padStart(8)}\n`,
    );
  }
  if (curve.pairs < 1_000_000) out.write(`  (fewer than 1,000,000 impostor pairs: the 1:1 row is a hint, not a calibration)\n`);

  const t1 = bySize[0]!.threshold;
  let verify: VerifyRates | null = null;
  if (t1 !== null) {
    out.write(
      `\n1:1 (card + face): the claimed student's nearest face within the threshold, and (guard "named") the 1:N rule (${rule1N.threshold}/${rule1N.margin}) naming nobody else, or (guard "nearest") nobody else nearer\n`,
    );
    out.write(`  threshold  guard     genuine accepted   random claims accepted   look-alike claims accepted\n`);
    for (const [t, guard] of [t1 - 0.05, t1 - 0.02, t1, t1 + 0.02, t1 + 0.05].flatMap((x) =>
      (['named', 'nearest'] as const).map((g) => [Math.round(x * 1000) / 1000, g] as const),
    )) {
      const r = verifyRates(claims, t, rule1N, guard);
      if (t === t1 && guard === 'nearest') verify = r;
      out.write(
        `  ${t.toFixed(3)}${t === t1 ? '*' : ' '}  ${guard.padEnd(7)}   ${`${pct(r.genuineAccepted / Math.max(1, r.genuine))} of ${r.genuine}`.padStart(16)}   ${`${r.randomAccepted} of ${r.randomClaims} (${pct(r.randomAccepted / Math.max(1, r.randomClaims), 3)})`.padStart(22)}   ${`${r.lookalikeAccepted} of ${r.lookalikeClaims} (${pct(r.lookalikeAccepted / Math.max(1, r.lookalikeClaims), 2)})`.padStart(24)}\n`,
      );
    }
    out.write(
      `  * the 1:1 threshold (per-pair rate ≤ ${ONE_TO_ONE_FMR}). A look-alike claim is a probe claiming the enrolled student nearest to it (the worst card an impostor could pick among everyone enrolled)\n`,
    );
    // The same claims, by what the quality gate says of the probe frame (a turned head can be asked to look at the camera).
    const by = (keep: (p: ClaimProbe) => boolean) => verifyRates(claims.filter(keep), t1, rule1N, 'nearest');
    const pose = (p: ClaimProbe) => !(p.issues ?? []).some((i) => i === 'turned' || i === 'tilted');
    for (const [label, r] of [
      ['frames without a turned or tilted head', by(pose)],
      ['frames the whole quality gate passes', by((p) => (p.issues ?? []).length === 0)],
      ['frames it flags', by((p) => (p.issues ?? []).length > 0)],
    ] as const) {
      out.write(
        `  at ${t1.toFixed(3)}, ${label}: genuine ${pct(r.genuineAccepted / Math.max(1, r.genuine))} of ${r.genuine}, random ${r.randomAccepted} of ${r.randomClaims}, look-alike ${pct(r.lookalikeAccepted / Math.max(1, r.lookalikeClaims), 2)} of ${r.lookalikeClaims}\n`,
      );
    }
  }

  const rosters: VerifySummary['rosters'] = [];
  const sizes = [...new Set(rosterProbes.map((p) => p.size))].sort((a, b) => a - b);
  if (sizes.length)
    out.write(
      `\nroster-scoped search (after the 1:N rule found nobody; refused when the nearest face overall is someone off the roster within the 1:N threshold)\n`,
    );
  for (const size of sizes) {
    const oneToN = rosterProbes.filter((p) => p.size === size && p.inRoster && decide(p.result, rule1N).match).length;
    const candidates = margins
      .map((m) => {
        const firstFalse = rosterFirstFalse(rosterProbes, size, rule1N, m);
        const t = Number.isFinite(firstFalse) ? Math.floor((firstFalse - safety) * 1000) / 1000 : Infinity;
        return { ...rosterRates(rosterProbes, size, rule1N, { threshold: t, margin: m }), firstFalse, oneToN };
      })
      .filter((r) => Number.isFinite(r.threshold));
    candidates.sort((a, b) => b.gained - a.gained || b.margin - a.margin);
    const best = candidates[0];
    if (!best) continue;
    rosters.push(best);
    const genuine = best.genuine;
    out.write(
      `  roster ${String(size).padStart(4)}: ${genuine} genuine and ${best.impostors} impostor attempts over ${new Set(rosterProbes.filter((p) => p.size === size).map((p) => p.roster)).size} rosters; ` +
        `1:N names ${pct(oneToN / Math.max(1, genuine))}; roster search at ${best.threshold}/${best.margin} adds ${pct(best.gained / Math.max(1, genuine))} ` +
        `(wrong ${best.wrong}, impostors named ${best.impostorNamed}); its first false match at ${best.firstFalse.toFixed(3)} (safety ${safety})\n`,
    );
  }
  return { bySize, impostorPairs: curve.pairs, verify, rosters };
}
