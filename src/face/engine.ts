// FaceEngine: a pool of worker threads that turn image bytes into faces with the model's descriptors.
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import type { DescribeOptions, DescribeResult, WorkerInit, WorkerResponse } from './types.js';
import { defaultModel, type FaceModelSpec } from './models.js';
import { JobQueue } from './job-queue.js';

export interface EngineOptions {
  workers: number;
  maxPixels: number;
  /** The descriptor model (default: the shipped default, FACE_MODEL unset). */
  model?: FaceModelSpec;
  /** A job not answered in this time kills its worker (a stuck decode must not stall a checkpoint). */
  jobTimeoutMs?: number;
  /** Bulk jobs (loads, re-description) waiting beyond this are refused at once. */
  maxQueue?: number;
  /**
   * Interactive jobs (a recognition at the door, `describe(…, { client })`): they go before bulk jobs,
   * clients take turns, each client has at most `perClientQueue` waiting, all clients together at most
   * `interactiveQueue`; a job not started `interactiveWaitMs` after it arrived is dropped (`overloaded`).
   * A full queue answers at once: overload is cheap and visible, never a minute-long wait.
   */
  interactiveQueue?: number;
  perClientQueue?: number;
  interactiveWaitMs?: number;
  /**
   * For this long after a door recognition arrived, bulk jobs (a load) leave one worker free (with two
   * or more workers): the next student at the door never waits behind enrolment work. 0: off.
   */
  doorReserveMs?: number;
  onLog?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

interface Job {
  bytes: Uint8Array;
  options: DescribeOptions;
  resolve: (r: DescribeResult) => void;
  reject: (e: Error) => void;
  /** Interactive jobs: the client's key, and the timer that drops the job if it waits too long. */
  client?: string;
  expiry?: NodeJS.Timeout;
}

/** Who is asking, for an interactive job (the HTTP client's address). */
export interface Requester {
  client: string;
}

const OVERLOADED = 'Сервер перегружен, повторите через несколько секунд';

interface Slot {
  worker: Worker;
  job?: Job & { id: number; timer: NodeJS.Timeout };
  numTensors: number;
  /** Describes done by this worker since it started. */
  done: number;
}

const workerUrl = new URL('./worker.js', import.meta.url);

export class FaceEngine {
  private readonly slots: Slot[] = [];
  private readonly queue: JobQueue<Job>;
  private nextId = 1;
  private closed = false;
  private readyFlag = false;

  private dimension = 0;

  private constructor(private readonly opts: Required<Omit<EngineOptions, 'onLog'>> & Pick<EngineOptions, 'onLog'>) {
    this.queue = new JobQueue<Job>(opts);
  }

  /** Starts the workers and waits until every one has loaded its models. */
  static async start(options: EngineOptions): Promise<FaceEngine> {
    const workers = Math.max(1, options.workers);
    const engine = new FaceEngine({
      jobTimeoutMs: 60_000,
      maxQueue: 256,
      interactiveQueue: 4 * workers,
      perClientQueue: 2,
      interactiveWaitMs: 10_000,
      doorReserveMs: 120_000,
      ...options,
      model: options.model ?? defaultModel(),
    });
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, () => engine.spawn()));
    engine.readyFlag = true;
    return engine;
  }

  /** The descriptor model every worker runs. */
  get model(): FaceModelSpec {
    return this.opts.model;
  }

  /** Values per descriptor, as the model's network gives them. */
  get dim(): number {
    return this.dimension;
  }

  get ready(): boolean {
    return this.readyFlag && !this.closed;
  }

  get size(): number {
    return this.slots.length;
  }

  stats(): { workers: number; busy: number; queued: number; numTensors: number[]; done: number } {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.job).length,
      queued: this.queue.size,
      numTensors: this.slots.map((s) => s.numTensors),
      done: this.slots.reduce((n, s) => n + s.done, 0),
    };
  }

  /** Faces of an image; with `requester`, an interactive job (see EngineOptions.interactiveQueue). */
  describe(bytes: Uint8Array, options: DescribeOptions, requester?: Requester): Promise<DescribeResult> {
    if (this.closed) return Promise.reject(new AppError('engine_unavailable'));
    if (requester) return this.enqueueInteractive(bytes, options, requester.client);
    return new Promise((resolve, reject) => {
      if (!this.queue.addBulk({ bytes, options, resolve, reject })) return reject(new AppError('overloaded', OVERLOADED));
      this.pump();
    });
  }

  private enqueueInteractive(bytes: Uint8Array, options: DescribeOptions, client: string): Promise<DescribeResult> {
    return new Promise((resolve, reject) => {
      const job: Job & { client: string } = { bytes, options, resolve, reject, client };
      const refused = this.queue.addInteractive(job);
      if (refused !== null) return reject(new AppError('overloaded', OVERLOADED, refused));
      // The wait counts from arrival: past it the answer would come too late for the person at the door.
      job.expiry = setTimeout(() => {
        if (this.queue.drop(job)) reject(new AppError('overloaded', OVERLOADED, `waited ${this.opts.interactiveWaitMs} ms`));
      }, this.opts.interactiveWaitMs);
      this.pump();
    });
  }

  /** The next job for a free worker (job-queue.ts decides; here the running jobs are counted). */
  private next(): Job | undefined {
    const running = this.slots.filter((s) => s.job).map((s) => s.job!.client);
    const job = this.queue.next(running, this.slots.length);
    if (job) clearTimeout(job.expiry);
    return job;
  }

  async close(): Promise<void> {
    this.closed = true;
    const waiting = this.queue.drain();
    for (const job of waiting) {
      clearTimeout(job.expiry);
      job.reject(new AppError('engine_unavailable'));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const init: WorkerInit = { maxPixels: this.opts.maxPixels, model: this.opts.model };
    const worker = new Worker(workerUrl, { workerData: init });
    const slot: Slot = { worker, numTensors: 0, done: 0 };
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: WorkerResponse | { type: 'ready'; dim: number } | { type: 'failed'; message: string }) => {
        if ('type' in msg) {
          if (msg.type === 'ready') {
            started = true;
            this.dimension = msg.dim;
            this.slots.push(slot);
            resolve();
            this.pump();
          } else {
            reject(new Error(`face worker failed to start: ${msg.message}`));
            void worker.terminate();
          }
          return;
        }
        this.finish(slot, msg);
      });
      worker.on('error', (err) => {
        this.opts.onLog?.('error', `face worker error: ${err.message}`);
        if (!started) reject(err);
      });
      worker.on('exit', (code) => {
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        if (slot.job) {
          clearTimeout(slot.job.timer);
          slot.job.reject(new AppError('engine_unavailable', undefined, `worker exited with code ${code}`));
          slot.job = undefined;
        }
        if (started && !this.closed) {
          this.opts.onLog?.('warn', `face worker exited (code ${code}); starting a new one`);
          this.spawn().catch((e: Error) => this.opts.onLog?.('error', `cannot restart face worker: ${e.message}`));
        }
      });
      worker.postMessage({ type: 'ping' });
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job) continue;
      const job = this.next();
      if (!job) return;
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.opts.onLog?.('error', `face job ${id} timed out after ${this.opts.jobTimeoutMs} ms; restarting its worker`);
        void slot.worker.terminate();
      }, this.opts.jobTimeoutMs);
      slot.job = { ...job, id, timer };
      // Copy into a fresh buffer we can transfer: the caller's bytes may share a pooled buffer.
      const copy = new Uint8Array(job.bytes);
      slot.worker.postMessage({ id, bytes: copy, options: job.options }, [copy.buffer]);
    }
  }

  private finish(slot: Slot, msg: WorkerResponse): void {
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    if (msg.ok) {
      slot.numTensors = msg.numTensors;
      slot.done++;
      job.resolve(msg.result);
    } else {
      job.reject(new AppError(msg.code, msg.message, msg.detail));
    }
    this.pump();
  }
}
