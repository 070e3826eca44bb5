// Recognitions in progress, per client and in all: beyond the caps a request is refused before its body
// is read (a flood costs the server a header parse, not a detector run nor megabytes of memory).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export interface InflightCaps {
  /** At once from one client address (a station sends one photo at a time). */
  perClient: number;
  /** At once from everybody (bounds the request bodies held in memory). */
  total: number;
}

export class InflightLimiter {
  private readonly byClient = new Map<string, number>();
  private total = 0;

  constructor(private readonly caps: InflightCaps) {}

  get inflight(): number {
    return this.total;
  }

  /** onRequest hook: counts the request until its response is finished or its connection closes. */
  readonly hook = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const key = req.ip;
    const mine = this.byClient.get(key) ?? 0;
    if (mine >= this.caps.perClient) {
      const e = new AppError('too_many_requests', 'Слишком много одновременных запросов с этого компьютера: дождитесь ответа на предыдущий снимок');
      e.retryAfterS = 1;
      throw e;
    }
    if (this.total >= this.caps.total) throw new AppError('overloaded');
    this.byClient.set(key, mine + 1);
    this.total++;
    let released = false;
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byClient.get(key) ?? 1) - 1;
      if (left <= 0) this.byClient.delete(key);
      else this.byClient.set(key, left);
    });
  };
}
