// FaceIndex: every enrolled descriptor in one contiguous N×D Float32Array, exact nearest-neighbour search.
// A student may hold several faces: the primary one (row key = the student's id) and photos added from
// verified admissions (row key = −photo id). A student's distance is the nearest of their faces; the
// second distance is always the nearest face of another student.
import { DESCRIPTOR_DIM, decodeEmbedding } from './embedding.js';
import type { AnnBackend } from './ann.js';
import { AnnGraph, type AnnListener, type AnnSource, type AnnStatus } from './ann-graph.js';
import { ScanMatrix } from './scan.js';

export interface IndexMatch {
  studentId: number;
  distance: number;
}

export interface SearchResult {
  best: IndexMatch;
  /** Distance to the nearest *other* student; Infinity when the index holds one student. */
  secondDistance: number;
  secondStudentId: number | undefined;
}

export interface IndexEntry {
  /** The student's id. */
  id: number;
  embedding: Uint8Array | Float32Array;
  /** An added photo's id (student_faces.id); absent for the student's primary face. */
  faceId?: number;
}

/** The row key of an added photo (negative: never a student's id). */
export const faceKey = (faceId: number): number => -faceId;

export interface FaceIndexOptions {
  /** Scan with WebAssembly SIMD when the runtime has it (default); false: the plain JS loop. */
  simd?: boolean;
  /** Values per descriptor: 128 (face-api, default) or the ONNX model's output size. */
  dim?: number;
}

export class FaceIndex {
  private vectors!: Float32Array;
  private scan: ScanMatrix | undefined;
  private readonly simd: boolean;
  /** Values per descriptor; every stored and query vector must have exactly this many. */
  readonly dim: number;
  /** Row → key (student id, or −photo id); row → the student it belongs to. */
  private ids!: Int32Array;
  private owners!: Int32Array;
  private rowOf = new Map<number, number>();
  /** Students with added photos → their photos' row keys. */
  private extraKeys = new Map<number, Set<number>>();
  private n = 0;
  /** Bumped on every change; lets callers and other instances tell whether they are current. */
  version = 0;
  private graph: AnnGraph | undefined;
  /**
   * Below this many faces the exact scan is used even with an ANN backend. Measured here (SIMD scan,
   * one thread): 1.6 ms at 100k, 17 ms at 1M, exact, next to ~70–150 ms of face work per request.
   * HNSW (i8, M 48) answers in 0.9 ms at 1M at ef 88 and 1.6 ms at ef 160, but does not always find
   * the exact nearest (uniform vectors 99.6 % at ef 88; face-shaped ones fewer), and its graph takes
   * minutes to build (in the background, see AnnGraph): not worth it below 2M. Set from HNSW_FROM.
   */
  annFrom = 2_000_000;
  /** Candidates asked of the ANN before the exact re-rank. */
  annCandidates = 16;

  constructor(capacity = 1024, opts: FaceIndexOptions = {}) {
    this.simd = opts.simd ?? true;
    this.dim = opts.dim ?? DESCRIPTOR_DIM;
    if (!Number.isInteger(this.dim) || this.dim <= 0 || this.dim % 16 !== 0) throw new Error(`descriptor size ${this.dim}: a multiple of 16 is expected`);
    this.allocate(Math.max(1, capacity));
  }

  /** Fresh, empty storage for `capacity` rows (in WASM memory when SIMD is on). */
  private allocate(capacity: number): void {
    this.scan = this.simd ? ScanMatrix.create(capacity, this.dim) : undefined;
    this.vectors = this.scan ? this.scan.vectors : new Float32Array(capacity * this.dim);
    this.ids = new Int32Array(this.vectors.length / this.dim);
    this.owners = new Int32Array(this.ids.length);
  }

  /** 'simd' or 'js': how the exact scan runs. */
  get scanKind(): 'simd' | 'js' {
    return this.scan ? 'simd' : 'js';
  }

  /** Faces held (primary and added). */
  get size(): number {
    return this.n;
  }

  /** Added photos held. */
  get addedFaces(): number {
    let n = 0;
    for (const k of this.extraKeys.values()) n += k.size;
    return n;
  }

  /** Whether the student's primary face is held. */
  has(studentId: number): boolean {
    return this.rowOf.has(studentId);
  }

  /** Which search answers now: the ANN only once its graph is complete and the index is large enough. */
  get backend(): string {
    return this.annAnswers ? this.graph!.backend.name : 'bruteforce';
  }

  /** The ANN graph's state (building, with progress, or ready); undefined without an ANN backend. */
  get annStatus(): AnnStatus | undefined {
    return this.graph?.info;
  }

  private get annAnswers(): boolean {
    return this.graph?.state === 'ready' && this.n >= this.annFrom;
  }

  /**
   * Attaches (or detaches) an approximate backend. Once the index holds annFrom faces its graph is
   * filled in the background (see AnnGraph); until it is complete, the exact scan answers.
   */
  useAnn(ann: AnnBackend | undefined, onChange?: AnnListener): void {
    this.graph?.reset();
    this.graph = ann ? new AnnGraph(ann, this.annSource(), onChange) : undefined;
    this.startAnnIfDue();
  }

  /** Resolves when the ANN graph's current build has finished (at once without one). */
  annSettled(): Promise<void> {
    return this.graph?.whenSettled() ?? Promise.resolve();
  }

  private annSource(): AnnSource {
    return {
      ids: () => this.ids.slice(0, this.n),
      copyVector: (id, out, offset) => {
        const row = this.rowOf.get(id);
        if (row === undefined) return false;
        const D = this.dim;
        out.set(this.vectors.subarray(row * D, row * D + D), offset);
        return true;
      },
    };
  }

  private startAnnIfDue(): void {
    if (this.graph?.state === 'off' && this.n >= this.annFrom) void this.graph.rebuild();
  }

  /** Replaces the whole content (the seed's rebuild_index). */
  replaceAll(entries: Iterable<IndexEntry>, expected = 0): void {
    const list = Array.isArray(entries) ? (entries as IndexEntry[]) : [...entries];
    const capacity = Math.max(1024, expected, list.length);
    const graph = this.graph;
    graph?.reset();
    this.graph = undefined; // filled once at the end, in the background
    this.allocate(capacity);
    this.rowOf = new Map();
    this.extraKeys = new Map();
    this.n = 0;
    for (const e of list) {
      if (e.faceId === undefined) this.upsert(e.id, e.embedding);
      else this.addFace(e.id, e.faceId, e.embedding);
    }
    this.graph = graph;
    this.startAnnIfDue();
    this.version++;
  }

  /** Sets the student's primary face. */
  upsert(studentId: number, embedding: Uint8Array | Float32Array): void {
    if (studentId <= 0) throw new Error(`student id ${studentId}: a positive id is expected`);
    this.put(studentId, studentId, embedding);
  }

  /** Adds (or replaces) a photo added to the student's faces (student_faces.id = faceId). */
  addFace(studentId: number, faceId: number, embedding: Uint8Array | Float32Array): void {
    if (faceId <= 0) throw new Error(`photo id ${faceId}: a positive id is expected`);
    const key = faceKey(faceId);
    this.put(key, studentId, embedding);
    let keys = this.extraKeys.get(studentId);
    if (!keys) this.extraKeys.set(studentId, (keys = new Set()));
    keys.add(key);
  }

  private put(key: number, owner: number, embedding: Uint8Array | Float32Array): void {
    const D = this.dim;
    const size = embedding instanceof Float32Array ? embedding.length : embedding.byteLength / 4;
    if (size !== D) throw new Error(`descriptor has ${size} values, expected ${D}`);
    let row = this.rowOf.get(key);
    if (row === undefined) {
      if (this.n === this.ids.length) this.grow();
      row = this.n++;
      this.rowOf.set(key, row);
      this.ids[row] = key;
    }
    this.owners[row] = owner;
    if (embedding instanceof Float32Array) {
      this.vectors.set(embedding, row * D);
    } else {
      decodeEmbedding(embedding, D, this.vectors, row * D);
    }
    this.graph?.add(key, this.vectors.slice(row * D, row * D + D));
    this.startAnnIfDue();
    this.version++;
  }

  /** Removes the student: the primary face and every added photo. */
  remove(studentId: number): void {
    for (const key of this.extraKeys.get(studentId) ?? []) this.removeKey(key);
    this.extraKeys.delete(studentId);
    this.removeKey(studentId);
  }

  /** Removes one added photo. */
  removeFace(faceId: number): void {
    const key = faceKey(faceId);
    const row = this.rowOf.get(key);
    if (row === undefined) return;
    const owner = this.owners[row]!;
    this.removeKey(key);
    const keys = this.extraKeys.get(owner);
    keys?.delete(key);
    if (keys?.size === 0) this.extraKeys.delete(owner);
  }

  private removeKey(key: number): void {
    const row = this.rowOf.get(key);
    if (row === undefined) return;
    const D = this.dim;
    const last = this.n - 1;
    if (row !== last) {
      // Move the last row into the hole so the matrix stays contiguous.
      this.vectors.copyWithin(row * D, last * D, last * D + D);
      const movedKey = this.ids[last]!;
      this.ids[row] = movedKey;
      this.owners[row] = this.owners[last]!;
      this.rowOf.set(movedKey, row);
    }
    this.rowOf.delete(key);
    this.n = last;
    this.graph?.remove(key);
    this.version++;
  }

  /**
   * Nearest student and the distance to the second-nearest different student. With an ANN backend
   * (large galleries) the ANN only proposes candidates; distances are recomputed exactly here, so the
   * threshold and margin see the same numbers whichever backend proposed them.
   */
  search(query: Float32Array): SearchResult | undefined {
    if (query.length !== this.dim) throw new Error(`query has ${query.length} values, expected ${this.dim}`);
    if (this.n === 0) return undefined;
    if (this.annAnswers) return this.rerank(query, this.graph!.candidates(query, this.annCandidates));
    return this.exact(query);
  }

  private rerank(query: Float32Array, keys: number[]): SearchResult | undefined {
    let best = Infinity,
      bestRow = -1,
      second = Infinity,
      secondRow = -1;
    for (const key of keys) {
      const row = this.rowOf.get(key);
      if (row === undefined) continue;
      const d = this.rowDistance(row, query);
      [best, bestRow, second, secondRow] = this.take(d, row, best, bestRow, second, secondRow);
    }
    if (bestRow < 0) return this.exact(query);
    return this.result(bestRow, secondRow, query);
  }

  /**
   * One row's distance into the running (best, second) pair, where second is always another student's
   * face: a nearer face of the best student moves best, not second.
   */
  private take(x: number, r: number, best: number, bestRow: number, second: number, secondRow: number): [number, number, number, number] {
    if (!(x < second)) return [best, bestRow, second, secondRow];
    const sameAsBest = bestRow >= 0 && this.owners[r] === this.owners[bestRow];
    if (x < best) return sameAsBest ? [x, r, second, secondRow] : [x, r, best, bestRow];
    return sameAsBest ? [best, bestRow, second, secondRow] : [best, bestRow, x, r];
  }

  /** Exact scan of the whole matrix. */
  exact(query: Float32Array): SearchResult | undefined {
    if (this.n === 0) return undefined;
    return this.scan ? this.exactSimd(this.scan, query) : this.exactJs(query);
  }

  /** SIMD distances for every row (float32), then the two nearest rows of different students. */
  private exactSimd(scan: ScanMatrix, query: Float32Array): SearchResult {
    const d = scan.distances(query, this.n);
    const owners = this.owners;
    let best = Infinity,
      bestRow = -1,
      second = Infinity,
      secondRow = -1;
    for (let r = 0; r < d.length; r++) {
      const x = d[r]!;
      if (x < second) {
        const sameAsBest = bestRow >= 0 && owners[r] === owners[bestRow];
        if (x < best) {
          if (!sameAsBest) {
            second = best;
            secondRow = bestRow;
          }
          best = x;
          bestRow = r;
        } else if (!sameAsBest) {
          second = x;
          secondRow = r;
        }
      }
    }
    return this.result(bestRow, secondRow, query);
  }

  /** The two winning rows, measured once more in the same way on every path (SIMD, JS, ANN re-rank). */
  private result(bestRow: number, secondRow: number, query: Float32Array): SearchResult {
    return {
      best: { studentId: this.owners[bestRow]!, distance: this.rowDistance(bestRow, query) },
      secondDistance: secondRow >= 0 ? this.rowDistance(secondRow, query) : Infinity,
      secondStudentId: secondRow >= 0 ? this.owners[secondRow] : undefined,
    };
  }

  /** The same scan in plain JS (no WASM SIMD, or `simd: false`), with early abandon. */
  private exactJs(query: Float32Array): SearchResult {
    const v = this.vectors;
    const D = this.dim;
    let best = Infinity;
    let bestRow = -1;
    let second = Infinity;
    let secondRow = -1;
    for (let r = 0, base = 0; r < this.n; r++, base += D) {
      let s = 0;
      // Early abandon: once the partial sum passes the second best, this row cannot matter.
      for (let j = 0; j < D; j += 8) {
        // D is a multiple of 8 (128, 512)
        const d0 = v[base + j]! - query[j]!;
        const d1 = v[base + j + 1]! - query[j + 1]!;
        const d2 = v[base + j + 2]! - query[j + 2]!;
        const d3 = v[base + j + 3]! - query[j + 3]!;
        const d4 = v[base + j + 4]! - query[j + 4]!;
        const d5 = v[base + j + 5]! - query[j + 5]!;
        const d6 = v[base + j + 6]! - query[j + 6]!;
        const d7 = v[base + j + 7]! - query[j + 7]!;
        s += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4 + d5 * d5 + d6 * d6 + d7 * d7;
        if (s >= second) break;
      }
      [best, bestRow, second, secondRow] = this.take(s, r, best, bestRow, second, secondRow);
    }
    return this.result(bestRow, secondRow, query);
  }

  /** Every student with a face within `radius` of the query (exact scan; their nearest face), nearest first. */
  within(query: Float32Array, radius: number): IndexMatch[] {
    if (query.length !== this.dim) throw new Error(`query has ${query.length} values, expected ${this.dim}`);
    const nearest = new Map<number, number>();
    const keep = (row: number, distance: number) => {
      if (distance > radius) return;
      const owner = this.owners[row]!;
      const had = nearest.get(owner);
      if (had === undefined || distance < had) nearest.set(owner, distance);
    };
    const r2 = radius * radius;
    if (this.scan) {
      const d = this.scan.distances(query, this.n);
      for (let row = 0; row < d.length; row++) if (d[row]! <= r2 * 1.0001) keep(row, this.rowDistance(row, query));
    } else {
      for (let row = 0; row < this.n; row++) keep(row, this.rowDistance(row, query));
    }
    return [...nearest].map(([studentId, distance]) => ({ studentId, distance })).sort((a, b) => a.distance - b.distance);
  }

  /** A copy of one student's primary descriptor. */
  vectorOf(studentId: number): Float32Array | undefined {
    const row = this.rowOf.get(studentId);
    return row === undefined ? undefined : this.vectors.slice(row * this.dim, row * this.dim + this.dim);
  }

  /** Every face held: its student and a copy of its descriptor (the look-alike audit walks them all). */
  *faces(): Generator<{ studentId: number; vector: Float32Array }> {
    for (let row = 0; row < this.n; row++) yield { studentId: this.owners[row]!, vector: this.vectors.slice(row * this.dim, row * this.dim + this.dim) };
  }

  /** Copies of every face of one student (primary first, then added photos). */
  vectorsOf(studentId: number): Float32Array[] {
    const out: Float32Array[] = [];
    for (const key of [studentId, ...(this.extraKeys.get(studentId) ?? [])]) {
      const row = this.rowOf.get(key);
      if (row !== undefined) out.push(this.vectors.slice(row * this.dim, row * this.dim + this.dim));
    }
    return out;
  }

  /** Ids of the students whose primary face is held (a copy). */
  studentIds(): Int32Array {
    return Int32Array.from(this.ids.subarray(0, this.n).filter((k) => k > 0));
  }

  /**
   * The nearest student among `studentIds` only (a sitting's roster) and the distance to the second
   * nearest of them, exactly; undefined when none of them has a face in the index.
   */
  searchAmong(studentIds: Iterable<number>, query: Float32Array): SearchResult | undefined {
    if (query.length !== this.dim) throw new Error(`query has ${query.length} values, expected ${this.dim}`);
    let best: IndexMatch | undefined;
    let second: IndexMatch | undefined;
    for (const id of studentIds) {
      const d = this.distanceTo(id, query);
      if (d === undefined || id === best?.studentId) continue;
      if (!best || d < best.distance) {
        second = best;
        best = { studentId: id, distance: d };
      } else if (!second || d < second.distance) second = { studentId: id, distance: d };
    }
    return best ? { best, secondDistance: second?.distance ?? Infinity, secondStudentId: second?.studentId } : undefined;
  }

  /** Whether an added photo (student_faces.id) is held. */
  hasFace(faceId: number): boolean {
    return this.rowOf.has(faceKey(faceId));
  }

  /** Exact distance from the query to one enrolled student: the nearest of their faces. */
  distanceTo(studentId: number, query: Float32Array): number | undefined {
    let best: number | undefined;
    for (const key of [studentId, ...(this.extraKeys.get(studentId) ?? [])]) {
      const row = this.rowOf.get(key);
      if (row === undefined) continue;
      const d = this.rowDistance(row, query);
      if (best === undefined || d < best) best = d;
    }
    return best;
  }

  private rowDistance(row: number, query: Float32Array): number {
    const D = this.dim;
    let s = 0;
    for (let j = 0, base = row * D; j < D; j++) {
      const d = this.vectors[base + j]! - query[j]!;
      s += d * d;
    }
    return Math.sqrt(s);
  }

  private grow(): void {
    const vectors = this.vectors;
    const ids = this.ids;
    const owners = this.owners;
    this.allocate(ids.length * 2);
    this.vectors.set(vectors.subarray(0, this.n * this.dim));
    this.ids.set(ids.subarray(0, this.n));
    this.owners.set(owners.subarray(0, this.n));
  }
}
