// Who made a request, for the audit log: the admin token, the shared station token, or a paired station (its id and
// name as the server knows them) — and from which client address. And the one call the routes make after a change.
import type { FastifyRequest } from 'fastify';
import type { Core } from '../core.js';
import { admittedAsAdmin } from './auth.js';
import { appendAudit, type Actor, type AuditEntry } from '../audit/log.js';

/** The actor behind a request that passed its guard: /admin/* is the admin's; /api/* a paired station, the shared token or the admin. */
export function actorOf(req: FastifyRequest): Actor {
  const ip = req.ip ?? null;
  if (req.station) return { kind: 'paired', stationId: req.station.id, name: req.station.name, ip };
  const adminRoute = (req.routeOptions.url ?? req.url).startsWith('/admin');
  if (adminRoute || admittedAsAdmin(req)) return { kind: 'admin', stationId: null, name: null, ip };
  return { kind: 'station', stationId: null, name: null, ip };
}

/** The audit row of a change the request just made (committed): retried once, else written to the server log in full. */
export function auditRequest(ctx: Pick<Core, 'db' | 'clock'>, req: FastifyRequest, entry: AuditEntry): Promise<void> {
  return appendAudit(ctx.db, actorOf(req), entry, ctx.clock(), (row, error) =>
    req.log.error({ audit: row, err: error }, 'audit row not written: the action is recorded here only'),
  );
}
