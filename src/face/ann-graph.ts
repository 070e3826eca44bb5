// Keeps an ANN backend in step with FaceIndex and (re)fills it in short slices between event-loop turns.
// An HNSW graph of millions of faces takes minutes to build; built in one native call it would stop
// every HTTP request for that long. Sliced, the event loop waits at most ~sliceMs at a time, and the
// exact scan answers every search until the graph is complete.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AnnBackend } from './ann.js';

/** Where the graph takes its content from (FaceIndex). */
export interface AnnSource {
  /** The ids present now (a copy: the index may change while the graph fills). */
  ids(): Int32Array;
  /** Copies the current descriptor of a student into out at offset; false when it has gone. */
  copyVector(id: number, out: Float32Array, offset: number): boolean;
}

/** off: empty, not used; building: filling, the exact scan answers; ready: answers searches; failed: see error. */
export type AnnState = 'off' | 'building' | 'ready' | 'failed';

export interface AnnStatus {
  state: AnnState;
  /** Faces put into the graph by the current build, of total. */
  filled: number;
  total: number;
  /** Seconds the last completed build took. */
  buildSeconds?: number;
  error?: string;
}

export type AnnListener = (status: AnnStatus) => void;

export class AnnGraph {
  private status: AnnStatus = { state: 'off', filled: 0, total: 0 };
  private generation = 0;
  private done: Promise<void> = Promise.resolve();
  /** Target length of one slice of native work, ms: the longest the event loop waits for the build. */
  sliceMs = 20;

  constructor(
    readonly backend: AnnBackend,
    private readonly source: AnnSource,
    private readonly onChange?: AnnListener,
  ) {}

  get state(): AnnState {
    return this.status.state;
  }

  get info(): AnnStatus {
    return { ...this.status };
  }

  /** Resolves when the build started last has finished (or was superseded); never rejects. */
  whenSettled(): Promise<void> {
    return this.done;
  }

  /** Empties the graph and fills it again from the source in the background. */
  rebuild(): Promise<void> {
    const generation = ++this.generation;
    this.backend.clear();
    const ids = this.source.ids();
    if (ids.length === 0) {
      this.set({ state: 'ready', filled: 0, total: 0 });
      return (this.done = Promise.resolve());
    }
    this.set({ state: 'building', filled: 0, total: ids.length });
    return (this.done = this.fill(generation, ids));
  }

  /** Drops the graph (and stops a build in progress). */
  reset(): void {
    this.generation++;
    this.backend.clear();
    if (this.status.state !== 'off') this.set({ state: 'off', filled: 0, total: 0 });
  }

  /** A face added or changed in the index; applied at once while the graph is building or ready. */
  add(id: number, vector: Float32Array): void {
    if (this.status.state === 'building' || this.status.state === 'ready') this.backend.add([id], vector);
  }

  remove(id: number): void {
    if (this.status.state === 'building' || this.status.state === 'ready') this.backend.remove(id);
  }

  candidates(query: Float32Array, k: number): number[] {
    return this.backend.candidates(query, k);
  }

  private set(status: AnnStatus): void {
    this.status = status;
    this.onChange?.({ ...status });
  }

  /**
   * Adds the snapshot's ids slice by slice, each slice sized so the native work takes about sliceMs.
   * Changes made meanwhile go straight to the graph (add/remove above); a slice reads each face's
   * current descriptor and skips faces removed since the snapshot, so the graph ends up current.
   */
  private async fill(generation: number, ids: Int32Array): Promise<void> {
    const t0 = performance.now();
    const D = this.backend.dim;
    let slice = 16;
    const buffer = new Float32Array(4096 * D);
    try {
      for (let pos = 0; pos < ids.length;) {
        await nextTurn();
        if (generation !== this.generation) return;
        const take = ids.subarray(pos, pos + slice);
        const present: number[] = [];
        for (const id of take) if (this.source.copyVector(id, buffer, present.length * D)) present.push(id);
        const t = performance.now();
        if (present.length > 0) this.backend.add(present, buffer.subarray(0, present.length * D));
        const ms = performance.now() - t;
        pos += take.length;
        this.status.filled = pos;
        // Aim at sliceMs; grow at most 2× per slice so one slow slice cannot follow a fast one.
        slice = Math.max(1, Math.min(4096, slice * 2, Math.round((slice * this.sliceMs) / Math.max(ms, 0.05))));
      }
      this.set({ state: 'ready', filled: ids.length, total: ids.length, buildSeconds: (performance.now() - t0) / 1000 });
    } catch (e) {
      if (generation !== this.generation) return;
      this.backend.clear();
      this.set({ state: 'failed', filled: this.status.filled, total: ids.length, error: (e as Error).message });
    }
  }
}
