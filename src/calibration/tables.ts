// The calibration's tables: rates per threshold and margin, correct vs false-match rate, per-pair FMR projected to larger galleries.
import { evaluate, firstFalseMatch, sweep, thresholdGrid, type Rates, type Trial } from './rates.js';
import { FMR_GRID, type ScaleTrials } from './scale.js';

type Out = { write(s: string): unknown };
const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
const col = (s: string, n: number) => s.padStart(n);

export function printRates(out: Out, title: string, rates: Rates[]): void {
  out.write(`\n${title}\n threshold  margin   correct  wrong person  strangers named     missed\n`);
  for (const r of rates) {
    out.write(
      `   ${r.threshold.toFixed(3)}   ${r.margin.toFixed(3)}  ${col(pct(r.correct), 8)}  ${col(`${Math.round(r.wrongPerson * r.genuine)} (${pct(r.wrongPerson, 2)})`, 12)}  ${col(`${Math.round(r.strangerMatched * r.impostor)} (${pct(r.strangerMatched, 2)})`, 15)}  ${col(pct(r.miss), 9)}\n`,
    );
  }
}

export interface ScaleSummary {
  recommended: (Rates & { firstFalse: number; safety: number }) | null;
  configured: Rates & { firstFalse: number };
  curve: { fpir: number; correct: number; threshold: number }[];
  fmr: { threshold: number; fmr: number; fpir2500: number; fpir10000: number; fpir50000: number }[];
  stats: { genuineP10: number; genuineP50: number; genuineP90: number; strangerMin: number; strangerP001: number; strangerP01: number };
}

/** Margins tried: face-api's 0…0.16 grid, scaled to the model's distances (its threshold against face-api's 0.45). */
export function marginGrid(threshold: number): number[] {
  return [0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16].map((m) => Math.round(m * (threshold / 0.45) * 1000) / 1000);
}

const quantile = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : NaN);

/**
 * Prints the whole 1:N calibration and returns its summary. The recommended setting names the most
 * students with no wrong person and no stranger named, `safety` below the calibration's first false match.
 */
export function reportScale(out: Out, s: ScaleTrials, configured: { threshold: number; margin: number }, safety: number, showAll: boolean): ScaleSummary {
  const trials: Trial[] = s.trials;
  const right = trials
    .filter((t) => t.genuine && t.result?.best.studentId === t.expected)
    .map((t) => t.result!.best.distance)
    .sort((a, b) => a - b);
  const strangers = trials
    .filter((t) => !t.genuine && t.result)
    .map((t) => t.result!.best.distance)
    .sort((a, b) => a - b);
  const stats = {
    genuineP10: quantile(right, 0.1),
    genuineP50: quantile(right, 0.5),
    genuineP90: quantile(right, 0.9),
    strangerMin: strangers[0] ?? NaN,
    strangerP001: quantile(strangers, 0.001),
    strangerP01: quantile(strangers, 0.01),
  };
  out.write(
    `distances: right answers p10 ${stats.genuineP10.toFixed(3)} · p50 ${stats.genuineP50.toFixed(3)} · p90 ${stats.genuineP90.toFixed(3)}; ` +
      `nearest enrolled face to a stranger: min ${stats.strangerMin.toFixed(3)} · p0.1% ${stats.strangerP001.toFixed(3)} · p1% ${stats.strangerP01.toFixed(3)}\n`,
  );

  const thresholds = thresholdGrid(trials, 0.005);
  const margins = marginGrid(configured.threshold);
  const rates = sweep(trials, thresholds, margins);
  // For each margin: the largest threshold still clear of every false match by `safety`.
  const candidates = margins
    .map((m) => {
      const firstFalse = firstFalseMatch(trials, m);
      const t = Math.floor((firstFalse - safety) * 1000) / 1000;
      return { ...evaluate(trials, t, m), firstFalse, safety };
    })
    .filter((r) => Number.isFinite(r.threshold) && r.threshold > 0);
  candidates.sort((a, b) => b.correct - a.correct || b.margin - a.margin);
  const recommended = candidates[0] ?? null;
  const configuredRates = evaluate(trials, configured.threshold, configured.margin);

  const shown = showAll
    ? rates
    : rates.filter((r, i) => (r.margin === 0 || r.margin === recommended?.margin) && (i % 2 === 0 || r.threshold === configured.threshold));
  printRates(out, `rates per setting (${showAll ? 'all' : 'margin 0 and the recommended margin; --all for every margin'})`, shown);

  const margin = recommended?.margin ?? configured.margin;
  const curve: ScaleSummary['curve'] = [];
  out.write(`\ncorrect vs false-match rate (strangers named / stranger probes), margin ${margin.toFixed(3)}:\n`);
  for (const fpir of [0.01, 0.003, 0.001, 0.0003, 0]) {
    const best = thresholds
      .map((t) => evaluate(trials, t, margin))
      .filter((r) => r.strangerMatched <= fpir && r.wrongPerson <= fpir)
      .sort((a, b) => b.correct - a.correct)[0];
    if (!best) continue;
    curve.push({ fpir, correct: best.correct, threshold: best.threshold });
    out.write(`  false matches ≤ ${fpir ? pct(fpir, 2) : '0'}: correct ${pct(best.correct)} (threshold ${best.threshold.toFixed(3)})\n`);
  }

  const fmr: ScaleSummary['fmr'] = [];
  out.write(
    `\nper-pair false-match rate over ${s.impostorPairs.toLocaleString('en')} (probe, someone else's enrolled face) pairs, and what it projects for a stranger at a larger gallery (threshold only, no margin):\n  threshold        FMR   N=2,500  N=10,000  N=50,000\n`,
  );
  const project = (f: number, n: number) => 1 - (1 - f) ** n;
  for (let k = 0; k < FMR_GRID.length; k++) {
    const t = FMR_GRID[k]!;
    if (t < stats.genuineP10 - 0.05 || t > stats.genuineP90 + 0.05 || Math.round(t * 1000) % 10 !== 0) continue;
    const f = s.impostorPairsWithin[k]! / Math.max(1, s.impostorPairs);
    const row = { threshold: t, fmr: f, fpir2500: project(f, 2500), fpir10000: project(f, 10000), fpir50000: project(f, 50000) };
    fmr.push(row);
    out.write(
      `  ${t.toFixed(2)}     ${f.toExponential(1).padStart(9)}  ${col(pct(row.fpir2500, 2), 8)}  ${col(pct(row.fpir10000, 2), 8)}  ${col(pct(row.fpir50000, 2), 8)}\n`,
    );
  }

  const falses = trials
    .filter((t) => t.result && (!t.genuine || t.result.best.studentId !== t.expected))
    .sort((a, b) => a.result!.best.distance - b.result!.best.distance);
  out.write('\nnearest false matches (worth a look: public sets hold the same person under two labels):\n');
  for (const t of falses.slice(0, 12)) {
    out.write(
      `  ${t.result!.best.distance.toFixed(3)}  margin ${(t.result!.secondDistance - t.result!.best.distance).toFixed(3)}  ${t.genuine ? 'wrong person' : 'stranger'}  ${t.probe ?? '?'} → ${t.nearest ?? '?'}\n`,
    );
  }

  const gate = qualityGateEffect(trials, recommended ?? configuredRates);
  if (gate) {
    out.write(
      `\nenrolment quality gate (face/quality.ts) at the recommended setting: ${gate.flaggedPeople} of ${gate.people} enrolment photos flagged; ` +
        `their people were named in ${pct(gate.flaggedCorrect)} of probes, the others in ${pct(gate.cleanCorrect)}; ${pct(gate.missShare)} of all misses come from flagged photos\n`,
    );
    for (const [issue, r] of Object.entries(gate.byIssue))
      out.write(`  ${issue.padEnd(14)} ${String(r.people).padStart(4)} photos, probes named ${pct(r.correct)}\n`);
  }

  out.write(
    recommended
      ? `\nrecommended: MATCH_THRESHOLD=${recommended.threshold} MATCH_MARGIN=${recommended.margin} → correct ${pct(recommended.correct)}, wrong person 0, strangers named 0; ` +
          `the first false match of this calibration is at ${recommended.firstFalse.toFixed(3)} (safety distance ${safety})\n`
      : '\nno setting names anyone without a false match on these sets\n',
  );
  const configuredFirst = firstFalseMatch(trials, configured.margin);
  out.write(
    `configured now (MATCH_THRESHOLD=${configured.threshold} MATCH_MARGIN=${configured.margin}): correct ${pct(configuredRates.correct)}, ` +
      `wrong person ${Math.round(configuredRates.wrongPerson * configuredRates.genuine)}, strangers named ${Math.round(configuredRates.strangerMatched * configuredRates.impostor)} of ${configuredRates.impostor}, missed ${pct(configuredRates.miss)}; ` +
      `with this margin the first false match is at ${configuredFirst.toFixed(3)} (safety distance ${(configuredFirst - configured.threshold).toFixed(3)})\n`,
  );
  return { recommended, configured: { ...configuredRates, firstFalse: configuredFirst }, curve, fmr, stats };
}

/** How the quality gate's verdict on an enrolment photo relates to how often its person is then named. */
export function qualityGateEffect(
  trials: Trial[],
  rule: { threshold: number; margin: number },
):
  | {
      people: number;
      flaggedPeople: number;
      flaggedCorrect: number;
      cleanCorrect: number;
      missShare: number;
      byIssue: Record<string, { people: number; correct: number }>;
    }
  | undefined {
  const genuine = trials.filter((t) => t.genuine && t.enrolIssues);
  if (genuine.length === 0) return undefined;
  const named = (t: Trial) =>
    !!t.result &&
    t.result.best.studentId === t.expected &&
    t.result.best.distance <= rule.threshold &&
    t.result.secondDistance - t.result.best.distance >= rule.margin;
  const tally = (ts: Trial[]) => ({ n: ts.length, ok: ts.filter(named).length, people: new Set(ts.map((t) => t.expected)).size });
  const flagged = tally(genuine.filter((t) => t.enrolIssues!.length > 0));
  const clean = tally(genuine.filter((t) => t.enrolIssues!.length === 0));
  const byIssue: Record<string, { people: number; correct: number }> = {};
  for (const issue of new Set(genuine.flatMap((t) => t.enrolIssues!))) {
    const r = tally(genuine.filter((t) => t.enrolIssues!.includes(issue)));
    byIssue[issue] = { people: r.people, correct: r.ok / r.n };
  }
  const misses = flagged.n - flagged.ok + clean.n - clean.ok;
  return {
    people: flagged.people + clean.people,
    flaggedPeople: flagged.people,
    flaggedCorrect: flagged.ok / Math.max(1, flagged.n),
    cleanCorrect: clean.ok / Math.max(1, clean.n),
    missShare: (flagged.n - flagged.ok) / Math.max(1, misses),
    byIssue,
  };
}
