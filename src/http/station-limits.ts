// Per-station budgets for the reads that reveal the roster (manual search, enrolled photos), counted by @fastify/rate-limit.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { admittedAsAdmin } from './auth.js';

export interface StationBudget {
  /** What is counted, for the log line of a refusal. */
  what: 'search' | 'photo';
  perMinute: number;
  /** The Russian refusal; `{n}` is the budget, `{s}` the seconds to wait. */
  message: string;
}

/**
 * An onRequest hook to run after the station guard: each client address (TRUST_PROXY: the real station behind a
 * proxy; IPv6 by its /64, @fastify/rate-limit's default) gets `perMinute` requests a minute, then 429 with
 * `Retry-After` until its minute is over. Every station shares one token, so the address is what tells
 * stations apart. A request the guard let in on the admin token is not counted: the admin page shows photos
 * through /api/* and may read the whole roster anyway. A refusal is logged with the address and never the
 * query (the request line masks it, privacy.ts).
 */
export function stationBudget(app: FastifyInstance, budget: StationBudget): (req: FastifyRequest) => Promise<void> {
  const counter = app.createRateLimit({ max: budget.perMinute, timeWindow: 60_000 });
  return async (req) => {
    if (admittedAsAdmin(req)) return;
    const r = await counter(req);
    if (r.isAllowed || !r.isExceeded) return;
    const wait = Math.max(1, r.ttlInSeconds);
    req.log.warn(
      { limit: budget.what, per_minute: budget.perMinute, token: 'station', client: req.ip, retry_after_s: wait },
      'station limit reached: request refused',
    );
    const e = new AppError('too_many_requests', budget.message.replace('{n}', String(budget.perMinute)).replace('{s}', String(wait)));
    e.retryAfterS = wait;
    throw e;
  };
}
