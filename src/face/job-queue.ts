// Which face job a free worker takes next, with no workers or timers in it (the engine holds those): interactive
// jobs (a recognition at the door) before bulk jobs (a load), clients in turn, per-client and total caps, and a
// worker kept free of bulk work while the door is active.

export interface QueueLimits {
  /** Bulk jobs waiting beyond this are refused. */
  maxQueue: number;
  /** Interactive jobs of all clients waiting, and of one client, at most. */
  interactiveQueue: number;
  perClientQueue: number;
  /** For this long after an interactive job arrived, bulk jobs leave one worker free (two or more workers). */
  doorReserveMs: number;
}

/** A job as the queue sees it: interactive ones name their client. */
export interface Queued {
  client?: string;
}

export class JobQueue<J extends Queued> {
  private readonly bulk: J[] = [];
  /** Interactive jobs by client; the Map's order is the turn order (a served client goes to the back). */
  private readonly lines = new Map<string, J[]>();
  private interactive = 0;
  private lastInteractiveAt = -Infinity;

  constructor(
    private readonly limits: QueueLimits,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Jobs waiting, bulk and interactive. */
  get size(): number {
    return this.bulk.length + this.interactive;
  }

  /** Queues a bulk job; false when the bulk queue is full. */
  addBulk(job: J): boolean {
    if (this.bulk.length >= this.limits.maxQueue) return false;
    this.bulk.push(job);
    return true;
  }

  /** Queues an interactive job of `job.client`; a refusal's detail when the caps are reached, else null. */
  addInteractive(job: J & { client: string }): string | null {
    this.lastInteractiveAt = this.now();
    const line = this.lines.get(job.client) ?? [];
    if (this.interactive >= this.limits.interactiveQueue || line.length >= this.limits.perClientQueue)
      return `interactive queue ${this.interactive}, client's ${line.length}`;
    line.push(job);
    if (!this.lines.has(job.client)) this.lines.set(job.client, line);
    this.interactive++;
    return null;
  }

  /** Takes a waiting interactive job out (it waited too long); false when it already left the queue. */
  drop(job: J): boolean {
    if (job.client === undefined) return false;
    const line = this.lines.get(job.client);
    const i = line ? line.indexOf(job) : -1;
    if (i < 0) return false;
    line!.splice(i, 1);
    if (line!.length === 0) this.lines.delete(job.client);
    this.interactive--;
    return true;
  }

  /**
   * The job a free worker takes, given the jobs running now (`running`, one entry per busy worker: its client, or
   * undefined for bulk) and the number of workers. Interactive jobs first, one per client in turn; a client never
   * holds every worker (with two or more, one is left for the other clients). Then bulk jobs in arrival order,
   * except that while the door was active within doorReserveMs they leave one worker free.
   */
  next(running: (string | undefined)[], workers: number): J | undefined {
    const maxPerClient = Math.max(1, workers - 1);
    for (const [client, line] of this.lines) {
      if (running.filter((c) => c === client).length >= maxPerClient) continue;
      const job = line.shift()!;
      this.lines.delete(client);
      if (line.length > 0) this.lines.set(client, line); // to the back of the turn order
      this.interactive--;
      return job;
    }
    if (this.bulk.length === 0) return undefined;
    if (workers >= 2 && this.now() - this.lastInteractiveAt < this.limits.doorReserveMs) {
      const bulkRunning = running.filter((c) => c === undefined).length;
      if (bulkRunning >= workers - 1) return undefined;
    }
    return this.bulk.shift();
  }

  /** Empties the queue (the engine closes) and returns what was waiting. */
  drain(): J[] {
    const waiting = [...this.bulk.splice(0), ...[...this.lines.values()].flat()];
    this.lines.clear();
    this.interactive = 0;
    return waiting;
  }
}
