// Double-booked rooms in O(n log n): each room's rows in file order against the room's stored sittings
// (sorted, with a running maximum of their ends) and against the rows above already accepted (disjoint, kept
// in a Fenwick tree over the room's start times). Comparing every row with every other took minutes at 20,000 rows.

/** A sitting's room and UTC instants (ms); `key` is its room and start (how a re-run finds it again). */
export interface Slot {
  room: string;
  starts: number;
  ends: number;
  key: string;
}

/** Why a row is refused: it overlaps a stored sitting, or a row above it that was accepted. */
export type Blocker<C, S> = { stored: S } | { row: C };

export interface Resolution<C, S> {
  /** In file order. */
  accepted: C[];
  refused: Map<C, Blocker<C, S>>;
}

/** Stored sittings of one room that stay whatever the file says: sorted by start, with the running maximum of their ends. */
class FixedSittings<S extends Slot> {
  private readonly byStart: S[];
  private readonly maxEnd: number[] = [];

  constructor(sittings: S[]) {
    this.byStart = [...sittings].sort((a, b) => a.starts - b.starts);
    let max = -Infinity;
    for (const s of this.byStart) this.maxEnd.push((max = Math.max(max, s.ends)));
  }

  /** The earliest-starting sitting overlapping [starts, ends), if any. */
  firstOverlap(starts: number, ends: number): S | undefined {
    const before = firstIndex(this.byStart.length, (i) => this.byStart[i]!.starts >= ends); // these start before `ends`
    if (before === 0 || this.maxEnd[before - 1]! <= starts) return undefined;
    // The running maximum first passes `starts` at the earliest sitting that ends after `starts`.
    return this.byStart[firstIndex(before, (i) => this.maxEnd[i]! > starts)];
  }
}

/** The first i in [0, n) for which `ok(i)` holds (`ok` false then true), or n. */
function firstIndex(n: number, ok: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The accepted rows of one room: pairwise disjoint, so by start they are also by end; a Fenwick tree over the room's starts. */
class AcceptedRows<C extends Slot> {
  private readonly starts: number[];
  private readonly tree: Int32Array;
  private readonly at: (C | undefined)[];
  private size = 0;

  constructor(rows: C[]) {
    this.starts = [...new Set(rows.map((r) => r.starts))].sort((a, b) => a - b);
    this.tree = new Int32Array(this.starts.length + 1);
    this.at = new Array<C | undefined>(this.starts.length);
  }

  private position(starts: number): number {
    return firstIndex(this.starts.length, (i) => this.starts[i]! >= starts);
  }

  private add(pos: number, delta: number): void {
    for (let i = pos + 1; i < this.tree.length; i += i & -i) this.tree[i]! += delta;
    this.size += delta;
  }

  /** Accepted rows starting before `starts`. */
  private countBefore(starts: number): number {
    let n = 0;
    for (let i = this.position(starts); i > 0; i -= i & -i) n += this.tree[i]!;
    return n;
  }

  /** The k-th accepted row by start (1-based). */
  private kth(k: number): C {
    let pos = 0;
    for (let step = 1 << Math.floor(Math.log2(this.tree.length)); step > 0; step >>= 1)
      if (pos + step < this.tree.length && this.tree[pos + step]! < k) {
        pos += step;
        k -= this.tree[pos]!;
      }
    return this.at[pos]!;
  }

  accept(row: C): void {
    const pos = this.position(row.starts);
    this.at[pos] = row;
    this.add(pos, 1);
  }

  remove(row: C): void {
    const pos = this.position(row.starts);
    this.at[pos] = undefined;
    this.add(pos, -1);
  }

  /** The earliest-starting accepted row overlapping [starts, ends): the one just before, if it runs past `starts`, else the one just after. */
  firstOverlap(starts: number, ends: number): C | undefined {
    const before = this.countBefore(starts);
    if (before > 0) {
      const prev = this.kth(before);
      if (prev.ends > starts) return prev;
    }
    if (before < this.size) {
      const next = this.kth(before + 1);
      if (next.starts < ends) return next;
    }
    return undefined;
  }
}

function groupByRoom<T extends Slot>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const list = out.get(it.room);
    if (list) list.push(it);
    else out.set(it.room, [it]);
  }
  return out;
}

/**
 * Which rows may be written: none may overlap a sitting of its room stored in the database or a row above
 * it. A stored sitting the file lists again (same room and start) is replaced by its row; when that row is
 * refused, the stored one stands and every accepted row overlapping it is refused in turn (and so on).
 * `candidates` in file order, with distinct keys; `stored` of the candidates' rooms (others are ignored).
 */
export function resolveOverlaps<C extends Slot, S extends Slot>(candidates: C[], stored: S[]): Resolution<C, S> {
  const refused = new Map<C, Blocker<C, S>>();
  const storedByRoom = groupByRoom(stored);
  for (const [room, rows] of groupByRoom(candidates)) {
    const listed = new Set(rows.map((r) => r.key));
    const roomStored = storedByRoom.get(room) ?? [];
    const replaced = new Map(roomStored.filter((s) => listed.has(s.key)).map((s) => [s.key, s]));
    const fixed = new FixedSittings(roomStored.filter((s) => !listed.has(s.key)));
    const accepted = new AcceptedRows(rows);
    const standing: S[] = [];
    const refuse = (c: C, why: Blocker<C, S>) => {
      refused.set(c, why);
      const back = replaced.get(c.key);
      if (back) standing.push(back);
    };
    for (const c of rows) {
      const s = fixed.firstOverlap(c.starts, c.ends);
      const above = s ? undefined : accepted.firstOverlap(c.starts, c.ends);
      if (s) refuse(c, { stored: s });
      else if (above) refuse(c, { row: above });
      else accepted.accept(c);
    }
    // A refused row leaves its stored sitting standing: the rows it now overlaps go too (each row at most once).
    for (let s = standing.pop(); s; s = standing.pop())
      for (let c = accepted.firstOverlap(s.starts, s.ends); c; c = accepted.firstOverlap(s.starts, s.ends)) {
        accepted.remove(c);
        refuse(c, { stored: s });
      }
  }
  return { accepted: candidates.filter((c) => !refused.has(c)), refused };
}
