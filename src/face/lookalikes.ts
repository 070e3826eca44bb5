// The roster look-alike audit: enrolled faces so close to one another that the match rule cannot tell them apart.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FaceIndex } from './index.js';

/** One pair, a < b. */
export interface LookalikePair {
  a: number;
  b: number;
  distance: number;
}

/**
 * Which enrolled students have a look-alike. Neither of a pair is named by the camera: a probe of
 * one lands about as near the other's photo, and the index cannot know which of them is at the door.
 */
export class Lookalikes {
  private readonly partners = new Map<number, Map<number, number>>();

  has(studentId: number): boolean {
    return this.partners.has(studentId);
  }

  /** The other students of a student's pairs, with distances. */
  of(studentId: number): { id: number; distance: number }[] {
    return [...(this.partners.get(studentId) ?? [])].map(([id, distance]) => ({ id, distance }));
  }

  /** Students with at least one look-alike. */
  get flagged(): number {
    return this.partners.size;
  }

  pairs(): LookalikePair[] {
    const out: LookalikePair[] = [];
    for (const [a, m] of this.partners) for (const [b, distance] of m) if (a < b) out.push({ a, b, distance });
    return out.sort((x, y) => x.distance - y.distance);
  }

  replaceAll(pairs: Iterable<LookalikePair>): void {
    this.partners.clear();
    for (const p of pairs) this.link(p);
  }

  /** Forgets a student's pairs (its photo changed or it left). */
  drop(studentId: number): void {
    for (const other of this.partners.get(studentId)?.keys() ?? []) {
      const m = this.partners.get(other)!;
      m.delete(studentId);
      if (m.size === 0) this.partners.delete(other);
    }
    this.partners.delete(studentId);
  }

  link(p: LookalikePair): void {
    if (p.a === p.b) return;
    for (const [x, y] of [
      [p.a, p.b],
      [p.b, p.a],
    ] as const) {
      let m = this.partners.get(x);
      if (!m) this.partners.set(x, (m = new Map<number, number>()));
      m.set(y, p.distance);
    }
  }
}

/** The enrolled faces within `radius` of a student's face `vector` (not the student itself), as pairs. */
export function pairsNear(index: FaceIndex, studentId: number, vector: Float32Array, radius: number): LookalikePair[] {
  return index
    .within(vector, radius)
    .filter((m) => m.studentId !== studentId)
    .map((m) => ({ a: Math.min(studentId, m.studentId), b: Math.max(studentId, m.studentId), distance: m.distance }));
}

/**
 * Every pair of the index within `radius`: one exact scan per face (2,500 faces ≈ 0.1 s, 100k ≈ 3 min
 * on this machine), in slices between event-loop turns so HTTP keeps answering.
 */
export async function auditAll(index: FaceIndex, radius: number, sliceMs = 20): Promise<LookalikePair[]> {
  // Every face, added photos too; a pair found from several faces is kept once, at its nearest.
  const out = new Map<string, LookalikePair>();
  let t = performance.now();
  for (const f of index.faces()) {
    for (const p of pairsNear(index, f.studentId, f.vector, radius)) {
      const key = `${p.a}:${p.b}`;
      const had = out.get(key);
      if (!had || p.distance < had.distance) out.set(key, p);
    }
    if (performance.now() - t > sliceMs) {
      await nextTurn();
      t = performance.now();
    }
  }
  return [...out.values()];
}
