// Accuracy calibration: genuine and impostor trials → rates per (threshold, margin), and the safest setting.
import { decide } from '../passes/decision.js';
import type { SearchResult } from '../face/index.js';

export interface Trial {
  /** true: the probe's person is in the gallery; false: a stranger. */
  genuine: boolean;
  /** Gallery id of the probe's person (genuine trials). */
  expected?: number;
  result: SearchResult | undefined;
  /** Genuine trials: the quality gate's issues with the enrolled photo of the probe's person. */
  enrolIssues?: string[];
  /** For reviewing the nearest false matches: the probe photo and the enrolled photo it came nearest to. */
  probe?: string;
  nearest?: string;
}

export interface Rates {
  threshold: number;
  margin: number;
  genuine: number;
  impostor: number;
  /** Genuine probes named as the right person. */
  correct: number;
  /** Genuine probes named as somebody else. */
  wrongPerson: number;
  /** Genuine probes answered "not found" (FNIR). */
  miss: number;
  /** Strangers named as an enrolled student (FPIR). */
  strangerMatched: number;
}

export function evaluate(trials: Trial[], threshold: number, margin: number): Rates {
  let g = 0,
    imp = 0,
    correct = 0,
    wrong = 0,
    miss = 0,
    fp = 0;
  for (const t of trials) {
    const d = decide(t.result, { threshold, margin });
    if (t.genuine) {
      g++;
      if (!d.match) miss++;
      else if (d.studentId === t.expected) correct++;
      else wrong++;
    } else {
      imp++;
      if (d.match) fp++;
    }
  }
  const r = (n: number, of: number) => (of ? n / of : 0);
  return { threshold, margin, genuine: g, impostor: imp, correct: r(correct, g), wrongPerson: r(wrong, g), miss: r(miss, g), strangerMatched: r(fp, imp) };
}

export const THRESHOLDS = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
export const MARGINS = [0, 0.02, 0.04, 0.06, 0.08, 0.1];

export function sweep(trials: Trial[], thresholds: readonly number[] = THRESHOLDS, margins: readonly number[] = MARGINS): Rates[] {
  return thresholds.flatMap((t) => margins.map((m) => evaluate(trials, t, m)));
}

/** Thresholds every `step` from where 1 % of right answers lie to where 5 % of strangers' nearest faces lie. */
export function thresholdGrid(trials: Trial[], step = 0.005): number[] {
  const q = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
  const lo = q(
    trials.filter((t) => t.genuine && t.result).map((t) => t.result!.best.distance),
    0.01,
  );
  const hi = q(
    trials.filter((t) => !t.genuine && t.result).map((t) => t.result!.best.distance),
    0.05,
  );
  const out: number[] = [];
  for (let x = Math.floor(lo / step) * step; x <= hi + 1e-9; x += step) out.push(Math.round(x * 1000) / 1000);
  return out;
}

/**
 * The smallest distance at which this calibration would name someone wrongly with margin `margin`:
 * the nearest stranger (or the nearest wrong student of a genuine probe) that also clears the margin.
 * A threshold below it keeps every false match of the calibration out; the gap is its safety distance.
 */
export function firstFalseMatch(trials: Trial[], margin: number): number {
  let first = Infinity;
  for (const t of trials) {
    if (!t.result) continue;
    const { best, secondDistance } = t.result;
    const wrong = !t.genuine || best.studentId !== t.expected;
    if (wrong && secondDistance - best.distance >= margin) first = Math.min(first, best.distance);
  }
  return first;
}

/**
 * The setting that names the most genuine students while keeping wrong-person and stranger matches at
 * or below `maxFalse` (0.1 %); ties go to the stricter threshold, then the larger margin.
 */
export function recommend(rates: Rates[], maxFalse = 0.001): Rates | undefined {
  const safe = rates.filter((r) => r.wrongPerson <= maxFalse && r.strangerMatched <= maxFalse);
  safe.sort((a, b) => b.correct - a.correct || a.threshold - b.threshold || b.margin - a.margin);
  return safe[0];
}

/** Distances that separate genuine from impostor trials (for the closing notes and the README). */
export function distanceStats(trials: Trial[]): { genuineMedian: number; genuineP90: number; impostorMin: number; impostorP1: number; gapP10: number } {
  const q = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);
  const gen = trials
    .filter((t) => t.genuine && t.result && t.result.best.studentId === t.expected)
    .map((t) => t.result!.best.distance)
    .sort((a, b) => a - b);
  const imp = trials
    .filter((t) => !t.genuine && t.result)
    .map((t) => t.result!.best.distance)
    .sort((a, b) => a - b);
  // For genuine probes: how much further the nearest *other* student is than the right one.
  const gaps = trials
    .filter((t) => t.genuine && t.result && t.result.best.studentId === t.expected)
    .map((t) => t.result!.secondDistance - t.result!.best.distance)
    .sort((a, b) => a - b);
  return { genuineMedian: q(gen, 0.5), genuineP90: q(gen, 0.9), impostorMin: imp[0] ?? NaN, impostorP1: q(imp, 0.01), gapP10: q(gaps, 0.1) };
}
