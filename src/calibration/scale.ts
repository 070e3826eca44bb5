// 1:N evaluation at an exam centre's scale: folds of enrolled and never-enrolled people, a gallery grown with one-photo strangers.
import { FaceIndex, type SearchResult } from '../face/index.js';
import type { Trial } from './rates.js';
import { assessQuality, unusable } from '../face/quality.js';
import type { Described, PhotoFile } from './photos.js';

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
}

/** Who is who: a person's photos and the strangers may show one person under several labels. */
export type IdentityOf = (photo: PhotoFile) => string;

export interface ScaleTrials {
  trials: Trial[];
  /** Per fold: gallery size, enrolled people, genuine and stranger probes. */
  folds: { gallery: number; enrolled: number; genuine: number; strangers: number; strangerPeople: number }[];
  /** Probes the door would not have searched (the same counts a real check-in would see). */
  skipped: { noFace: number; multipleFaces: number; faceTooSmall: number; unclear: number; notEnrolled: number };
  /** With enrolPhotos > 1: photos added to enrolled people, and those refused (gate or too near someone else). */
  added: { added: number; refusedGate: number; refusedNear: number };
  /** Impostor pairs (probe, enrolled face of someone else) with distance ≤ each of `fmrGrid`, and how many pairs there were. */
  impostorPairsWithin: number[];
  impostorPairs: number;
}

const FMR_MAX = 1.6;

/** Distances at which the per-pair false-match rate is counted (0.01 steps up to 1.6). */
export const FMR_GRID = Array.from({ length: Math.round(FMR_MAX * 100) }, (_, i) => (i + 1) / 100);

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
    skipped: { noFace: 0, multipleFaces: 0, faceTooSmall: 0, unclear: 0, notEnrolled: 0 },
    impostorPairsWithin: FMR_GRID.map(() => 0),
    impostorPairs: 0,
    added: { added: 0, refusedGate: 0, refusedNear: 0 },
  };
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
      // The loader refuses what the door would (face/quality.ts unusable): no descriptor of noise is enrolled.
      if (!d?.descriptor || galleryRow.has(identityKey) || (d.quality && unusable(d.quality))) return false;
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
      if (enrol(id, described.get(`enrol:${first.key}`), first.key)) enrolled++;
      else out.skipped.notEnrolled++;
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
        index.addFace(row, faceId++, d.descriptor);
        out.added.added++;
      }
    }
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
      for (const m of index.within(d.descriptor, FMR_MAX)) {
        if (m.studentId !== expected) histogram[Math.max(0, Math.ceil(m.distance * 100) - 1)]!++;
      }
      out.impostorPairs += galleryRow.size - (expected !== undefined ? 1 : 0);
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
