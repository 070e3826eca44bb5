// 1:N evaluation at an exam centre's scale: folds of enrolled and never-enrolled people, a gallery grown with one-photo strangers.
import { FaceIndex, type SearchResult } from '../face/index.js';
import type { Trial } from './rates.js';
import { assessQuality, MIN_ENROL_FACE_PX, TWO_FACES_RATIO, unusable } from '../face/quality.js';
import type { Described, PhotoFile } from './photos.js';
import type { MatchRule } from '../passes/decision.js';
import { sample, seeded, type ClaimProbe, type RosterProbe } from './verify.js';

export interface ScaleOptions {
  /** Gallery size per fold: enrolled people plus one-photo strangers. */
  gallery: number;
  folds: number;
  /** Probes whose largest face is narrower are refused at the door (MIN_FACE_PX), so not counted. */
  minFacePx: number;
  /** Another face at least this share of the largest makes the door answer "multiple faces" (MULTI_FACE_RATIO). */
  multiFaceRatio: number;
  dim: number;
  /** Also probe with the one-photo strangers not used to fill the gallery. */
  probeStrangers?: boolean;
  /**
   * Photos per enrolled person (default 1): the first is enrolled as the loader does; the next ones are
   * added as the door adds a verified frame (its probe descriptor, the enrolment gate, refused within
   * `addedRadius` of another enrolled face), after the whole gallery is enrolled.
   */
  enrolPhotos?: number;
  /** Genuine probes are each person's photos from this one on (default: enrolPhotos), so runs with 1 and 2 photos can share a probe set. */
  probeFrom?: number;
  /** An added photo within this distance of another student's face is refused (the server uses MATCH_THRESHOLD). */
  addedRadius?: number;
  /** An added photo farther than this from the student's enrolled face is refused (the server's 1:1 threshold). */
  verifyThreshold?: number;
  /** The 1:N rule (the guard of 1:1 claims and of roster search). */
  rule?: MatchRule;
  /** Simulated sitting rosters: their sizes and how many of each per fold (default 30 and 100, 20 of each). */
  rosterSizes?: number[];
  rostersPerFold?: number;
  /** Random impostor claims per probe (default 3). */
  randomClaims?: number;
}

/** Who is who: a person's photos and the strangers may show one person under several labels. */
export type IdentityOf = (photo: PhotoFile) => string;

export interface ScaleTrials {
  trials: Trial[];
  /** Per fold: gallery size, enrolled people, genuine and stranger probes. */
  folds: { gallery: number; enrolled: number; genuine: number; strangers: number; strangerPeople: number }[];
  /** Probes the door would not have searched (the same counts a real check-in would see). */
  skipped: { noFace: number; multipleFaces: number; faceTooSmall: number; unclear: number; notEnrolled: number; twoFaces: number };
  /** With enrolPhotos > 1: photos added to enrolled people, and those refused (gate, too near someone else, or beyond the 1:1 threshold). */
  added: { added: number; refusedGate: number; refusedNear: number; refusedVerify: number };
  /** Every searched probe's 1:1 claims (verify.ts). */
  claims: ClaimProbe[];
  /** Every searched probe within each simulated roster (verify.ts). */
  rosterProbes: RosterProbe[];
  /** Impostor pairs (probe, enrolled face of someone else) with distance ≤ each of `fmrGrid`, and how many pairs there were. */
  impostorPairsWithin: number[];
  impostorPairs: number;
}

const FMR_MAX = 2;
/** Resolution of the per-pair false-match curve. */
const FMR_STEP = 0.001;

/** A second face nearly as wide as the largest: the loader does not enrol such a photo (face/quality.ts TWO_FACES_RATIO). */
const twoFaces = (d: Described) => d.widths.length > 1 && d.widths[1]! >= TWO_FACES_RATIO * d.widths[0]!;

/** Distances at which the per-pair false-match rate is counted (0.001 steps up to 2, the farthest two unit vectors can be). */
export const FMR_GRID = Array.from({ length: Math.round(FMR_MAX / FMR_STEP) }, (_, i) => Math.round((i + 1) * FMR_STEP * 1000) / 1000);

/**
 * People are split into `folds` by identity; in each fold one part is never enrolled (its photos are
 * stranger probes) and the rest are enrolled with their first photo (the other photos are genuine
 * probes). One-photo strangers fill the gallery up to `gallery` faces; the rest probe as strangers.
 * `enrol:`-keyed descriptors are the loader's view of a photo, `probe:` the door's.
 */
export function scaleTrials(
  people: PhotoFile[],
  strangers: PhotoFile[],
  described: Map<string, Described>,
  identity: IdentityOf,
  opts: ScaleOptions,
): ScaleTrials {
  const byIdentity = new Map<string, PhotoFile[]>();
  for (const p of people) {
    const id = identity(p);
    if (!byIdentity.has(id)) byIdentity.set(id, []);
    byIdentity.get(id)!.push(p);
  }
  const ids = [...byIdentity.keys()].sort();
  const out: ScaleTrials = {
    trials: [],
    folds: [],
    skipped: { noFace: 0, multipleFaces: 0, faceTooSmall: 0, unclear: 0, notEnrolled: 0, twoFaces: 0 },
    impostorPairsWithin: FMR_GRID.map(() => 0),
    impostorPairs: 0,
    added: { added: 0, refusedGate: 0, refusedNear: 0, refusedVerify: 0 },
    claims: [],
    rosterProbes: [],
  };
  const rand = seeded(20261206);
  const enrolPhotos = opts.enrolPhotos ?? 1;
  const probeFrom = opts.probeFrom ?? enrolPhotos;
  const usable = (d: Described | undefined): d is Described & { descriptor: Float32Array } => {
    if (!d?.descriptor) return (out.skipped.noFace++, false);
    if (d.widths.filter((w) => w >= opts.multiFaceRatio * d.widths[0]!).length > 1) return (out.skipped.multipleFaces++, false);
    if (d.widths[0]! < opts.minFacePx) return (out.skipped.faceTooSmall++, false);
    if (d.quality && unusable(d.quality)) return (out.skipped.unclear++, false);
    return true;
  };
  const padCount = strangerPadCount(people, strangers, identity, opts);
  const histogram = new Float64Array(FMR_GRID.length);
  for (let f = 0; f < opts.folds; f++) {
    const index = new FaceIndex(opts.gallery + 16, { dim: opts.dim });
    const galleryRow = new Map<string, number>();
    const enrolIssues = new Map<number, string[]>();
    const enrolledKey: string[] = [''];
    const enrol = (identityKey: string, d: Described | undefined, key = identityKey) => {
      // The loader refuses what the door would (face/quality.ts unusable): no descriptor of noise is enrolled;
      // nor a tiny face, nor a photo of two people of similar size (students/enrol.ts).
      if (!d?.descriptor || galleryRow.has(identityKey) || (d.quality && unusable(d.quality)) || d.widths[0]! < MIN_ENROL_FACE_PX) return false;
      if (twoFaces(d)) return false;
      galleryRow.set(identityKey, galleryRow.size + 1);
      index.upsert(galleryRow.size, d.descriptor);
      enrolledKey.push(key);
      if (d.quality)
        enrolIssues.set(
          galleryRow.size,
          assessQuality(d.quality, d.quality.others).map((i) => i.issue),
        );
      return true;
    };
    const held = new Set(ids.filter((_, i) => i % opts.folds === f));
    let enrolled = 0;
    for (const id of ids) {
      if (held.has(id)) continue;
      const first = byIdentity.get(id)![0]!;
      const d = described.get(`enrol:${first.key}`);
      if (enrol(id, d, first.key)) enrolled++;
      else {
        out.skipped.notEnrolled++;
        if (d && twoFaces(d)) out.skipped.twoFaces++;
      }
    }
    // Fill up to the gallery size; the padding set has some slack for photos the loader would refuse.
    for (const s of strangers.slice(0, padCount)) {
      if (galleryRow.size >= opts.gallery) break;
      enrol(identity(s), described.get(`enrol:${s.key}`), s.key);
    }
    // Further photos of enrolled people, as the door adds verified frames once the roster is loaded.
    let faceId = 1;
    for (const id of ids) {
      const row = galleryRow.get(id);
      if (row === undefined || held.has(id)) continue;
      for (const p of byIdentity.get(id)!.slice(1, enrolPhotos)) {
        const d = described.get(`probe:${p.key}`);
        const single = d?.widths.filter((w) => w >= opts.multiFaceRatio * d.widths[0]!).length === 1;
        if (!d?.descriptor || !single || d.widths[0]! < opts.minFacePx || !d.quality || unusable(d.quality) || assessQuality(d.quality, 0).length > 0) {
          out.added.refusedGate++;
          continue;
        }
        if (index.within(d.descriptor, opts.addedRadius ?? 0).some((m) => m.studentId !== row)) {
          out.added.refusedNear++;
          continue;
        }
        if (opts.verifyThreshold !== undefined && !((index.distanceTo(row, d.descriptor) ?? Infinity) <= opts.verifyThreshold)) {
          out.added.refusedVerify++;
          continue;
        }
        index.addFace(row, faceId++, d.descriptor);
        out.added.added++;
      }
    }
    // Sitting rosters drawn from the enrolled people (the ones with probes), for roster-scoped search.
    const enrolledRows = ids.filter((id) => !held.has(id) && galleryRow.has(id)).map((id) => galleryRow.get(id)!);
    const rosters = (opts.rosterSizes ?? [30, 100]).flatMap((size) =>
      Array.from({ length: opts.rostersPerFold ?? 20 }, () => ({ size, members: new Set(sample(enrolledRows, size, rand)) })),
    );
    const galleryRows = Array.from({ length: galleryRow.size }, (_, i) => i + 1);
    let genuine = 0,
      strangerProbes = 0;
    const probe = (p: PhotoFile, d: Described | undefined) => {
      if (!usable(d)) return;
      const expected = galleryRow.get(identity(p));
      const result: SearchResult | undefined = index.search(d.descriptor);
      out.trials.push({
        genuine: expected !== undefined,
        ...(expected !== undefined ? { expected, enrolIssues: enrolIssues.get(expected) ?? [] } : {}),
        result,
        probe: p.key,
        ...(result ? { nearest: enrolledKey[result.best.studentId] } : {}),
      });
      if (expected !== undefined) genuine++;
      else strangerProbes++;
      // The per-pair false-match rate: every enrolled face of someone else within reach.
      const near = index.within(d.descriptor, FMR_MAX);
      const distanceOf = new Map<number, number>();
      for (const m of near) {
        distanceOf.set(m.studentId, m.distance);
        if (m.studentId !== expected) histogram[Math.min(histogram.length - 1, Math.max(0, Math.ceil(m.distance / FMR_STEP) - 1))]!++;
      }
      out.impostorPairs += galleryRow.size - (expected !== undefined ? 1 : 0);
      // 1:1 claims: the own student, random others, the nearest other.
      const other = near.find((m) => m.studentId !== expected);
      const random = sample(galleryRows, (opts.randomClaims ?? 3) + 1, rand)
        .filter((id) => id !== expected)
        .slice(0, opts.randomClaims ?? 3)
        .map((id) => ({ id, distance: distanceOf.get(id) ?? Infinity }));
      out.claims.push({
        ...(expected !== undefined ? { own: index.distanceTo(expected, d.descriptor) ?? Infinity, ownId: expected } : {}),
        result,
        random,
        ...(other ? { nearestOther: { id: other.studentId, distance: other.distance } } : {}),
        ...(d.quality ? { issues: assessQuality(d.quality, 0).map((i) => i.issue) } : {}),
      });
      // The same probe at the door of each simulated sitting.
      rosters.forEach((r, k) => {
        let best: { id: number; distance: number } | undefined;
        let second = Infinity;
        for (const id of r.members) {
          const dist = distanceOf.get(id) ?? Infinity;
          if (!best || dist < best.distance) {
            if (best) second = best.distance;
            best = { id, distance: dist };
          } else if (dist < second) second = dist;
        }
        out.rosterProbes.push({
          roster: f * rosters.length + k,
          size: r.size,
          inRoster: expected !== undefined && r.members.has(expected),
          ...(expected !== undefined ? { expected } : {}),
          ...(best && Number.isFinite(best.distance) ? { best } : {}),
          second,
          result,
          globalBestInRoster: !!result && r.members.has(result.best.studentId),
        });
      });
    };
    for (const id of ids) {
      const photos = byIdentity.get(id)!;
      for (const p of held.has(id) ? photos : photos.slice(probeFrom)) probe(p, described.get(`probe:${p.key}`));
    }
    if (opts.probeStrangers) for (const s of strangers.slice(padCount)) probe(s, described.get(`probe:${s.key}`));
    out.folds.push({ gallery: galleryRow.size, enrolled, genuine, strangers: strangerProbes, strangerPeople: held.size });
  }
  let within = 0;
  out.impostorPairsWithin = Array.from(histogram, (n) => (within += n));
  return out;
}

/**
 * How many one-photo strangers are set aside to fill the gallery (the rest are probes): enough for the
 * fold with the fewest enrolled people, plus 3 % for photos without a usable face.
 */
export function strangerPadCount(people: PhotoFile[], strangers: PhotoFile[], identity: IdentityOf, opts: Pick<ScaleOptions, 'gallery' | 'folds'>): number {
  const ids = new Set(people.map(identity));
  const enrolledMin = Math.floor((ids.size * (opts.folds - 1)) / opts.folds);
  return Math.max(0, Math.min(strangers.length, Math.ceil((opts.gallery - enrolledMin) * 1.03)));
}
