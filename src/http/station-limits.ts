// Per-station budgets for the reads that reveal the roster (manual search, enrolled photos), counted by @fastify/rate-limit.
import net from 'node:net';
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
 * An onRequest hook to run after the station guard: each paired station (its own token) — or, for the shared
 * STATION_TOKEN, each client address (TRUST_PROXY: the real station behind a proxy; IPv6 by its /64) — gets
 * `perMinute` requests a minute, then 429 with `Retry-After` until its minute is over. Stations behind one
 * NAT address each keep their own budget; a stolen station token is held to one station's. A request the
 * guard let in on the admin token is not counted: the admin page shows photos through /api/* and may read
 * the whole roster anyway. A refusal is logged with the station or address and never the query (the
 * request line masks it, privacy.ts).
 */
export function stationBudget(app: FastifyInstance, budget: StationBudget): (req: FastifyRequest) => Promise<void> {
  const counter = app.createRateLimit({ max: budget.perMinute, timeWindow: 60_000, keyGenerator: budgetKey });
  return async (req) => {
    if (admittedAsAdmin(req)) return;
    const r = await counter(req);
    if (r.isAllowed || !r.isExceeded) return;
    const wait = Math.max(1, r.ttlInSeconds);
    req.log.warn(
      { limit: budget.what, per_minute: budget.perMinute, token: 'station', station_id: req.station?.id, client: req.ip, retry_after_s: wait },
      'station limit reached: request refused',
    );
    const e = new AppError('too_many_requests', budget.message.replace('{n}', String(budget.perMinute)).replace('{s}', String(wait)));
    e.retryAfterS = wait;
    throw e;
  };
}

/** Whose minute a request counts against: the paired station's id, else the address (IPv6: its /64). */
export function budgetKey(req: FastifyRequest): string {
  if (req.station) return `station:${req.station.id}`;
  const ip = req.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, ''); // an IPv4 client on a dual-stack socket
  return `ip:${net.isIPv6(ip) ? ipv6Prefix64(ip) : ip}`;
}

/** The first four groups of an IPv6 address, written out in full ("2001:db8::1" → "2001:db8:0:0"). */
function ipv6Prefix64(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':');
}
