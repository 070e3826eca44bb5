// /admin/stations: the paired doors as records — list, pair a new one (its own token, shown once in the link), rename,
// move to another room, a new link, revoke. Each change is logged with the station, never its token.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { StationRow } from '../db/schema.js';
import { createStation, listStations, reissueToken, revokeStation, updateStation } from '../stations/repository.js';
import { stripBidi } from '../spreadsheet-text.js';
import { localDate, localTime } from '../time.js';
import { idParam } from './schemas/common.js';
import { createStationSchema, stationActionSchema, stationLinkSchema, stationsSchema, updateStationSchema } from './schemas/admin.js';
import { pairingLink } from './pairing.routes.js';
import { refuseControlChars } from './control-chars.js';
import { actorOf } from './audit-actor.js';
import { writeAudit, type AuditEntry } from '../audit/log.js';
import type { Db } from '../db/index.js';

/** A name or a room is one line (control-chars.ts lets tabs and line breaks through for longer texts). */
const LINE_BREAK = /[\t\r\n]/;

/** A station's name as the admin typed it: direction marks and spaces around dropped; 1–64 characters, no control characters. */
export function stationName(raw: string): string {
  const s = stripBidi(raw).trim();
  refuseControlChars(s, 'name');
  if (s === '' || s.length > 64 || LINE_BREAK.test(s)) throw new AppError('bad_request', 'Название пункта: одна строка от 1 до 64 символов');
  return s;
}

/** A room as the schedule spells it; empty or null: no room. */
export function stationRoom(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const s = stripBidi(raw).trim();
  if (s === '') return null;
  refuseControlChars(s, 'room');
  if (s.length > 64 || LINE_BREAK.test(s)) throw new AppError('bad_request', 'Аудитория: одна строка не длиннее 64 символов');
  return s;
}

export function stationsRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const tz = ctx.config.timezone;
  const local = (t: Date | string | null) => (t === null ? null : `${localDate(new Date(t), tz)} ${localTime(new Date(t), tz)}`);
  const view = (s: StationRow) => ({
    id: s.id,
    name: s.name,
    room: s.room,
    created: local(s.created_at)!,
    last_seen: local(s.last_seen_at),
    last_address: s.last_address,
    revoked: local(s.revoked_at),
  });
  const missing = () => new AppError('not_found', 'Пункт не найден или уже отключён');
  /** The change and its audit row in one transaction: both are written or neither. Undefined from `change`: nothing changed, no row. */
  const audited = <T>(req: FastifyRequest, change: (db: Db) => Promise<T | undefined>, entry: (r: T) => AuditEntry): Promise<T | undefined> =>
    ctx.db.transaction().execute(async (trx) => {
      const r = await change(trx);
      if (r !== undefined) await writeAudit(trx, actorOf(req), entry(r), ctx.clock());
      return r;
    });

  app.get('/admin/stations', { onRequest: guard, schema: stationsSchema }, async (_req, reply) => {
    void reply.header('cache-control', 'no-store');
    return { stations: (await listStations(ctx.db)).map(view) };
  });

  app.post('/admin/stations', { onRequest: guard, schema: createStationSchema }, async (req, reply) => {
    const name = stationName(req.body.name);
    const room = stationRoom(req.body.room);
    const { station, token } = (await audited(
      req,
      (db) => createStation(db, name, room, ctx.clock()),
      (r) => ({ action: 'station.pair', target: `station:${r.station.id}`, detail: { name: r.station.name, room: r.station.room } }),
    ))!;
    req.log.info({ station_id: station.id, station: station.name, room: station.room }, 'station paired');
    void reply.header('cache-control', 'no-store');
    return { station: view(station), ...(await pairingLink(ctx, req, token)) };
  });

  app.patch('/admin/stations/:id', { onRequest: guard, schema: updateStationSchema }, async (req) => {
    const change: { name?: string; room?: string | null } = {};
    if (req.body.name !== undefined) change.name = stationName(req.body.name);
    if (req.body.room !== undefined) change.room = stationRoom(req.body.room);
    if (Object.keys(change).length === 0) throw new AppError('bad_request', 'Укажите новое название (name) или аудиторию (room)');
    const id = idParam(req.params);
    const station = await audited(
      req,
      (db) => updateStation(db, id, change),
      (s) => ({ action: 'station.update', target: `station:${s.id}`, detail: { ...change } }),
    );
    if (!station) throw missing();
    req.log.info({ station_id: station.id, ...change }, 'station changed');
    return { station: view(station) };
  });

  app.post(
    '/admin/stations/:id/revoke',
    { onRequest: guard, schema: stationActionSchema('Отключить пункт: его токен перестаёт действовать сразу') },
    async (req) => {
      const id = idParam(req.params);
      const station = await audited(
        req,
        (db) => revokeStation(db, id, ctx.clock()),
        (s) => ({ action: 'station.revoke', target: `station:${s.id}`, detail: { name: s.name } }),
      );
      if (!station) throw missing();
      req.log.info({ station_id: station.id, station: station.name }, 'station revoked');
      return { station: view(station) };
    },
  );

  app.post('/admin/stations/:id/link', { onRequest: guard, schema: stationLinkSchema }, async (req, reply) => {
    const id = idParam(req.params);
    const r = await audited(
      req,
      (db) => reissueToken(db, id),
      (x) => ({ action: 'station.relink', target: `station:${x.station.id}`, detail: { name: x.station.name } }),
    );
    if (!r) throw missing();
    req.log.info({ station_id: r.station.id, station: r.station.name }, 'station link reissued');
    void reply.header('cache-control', 'no-store');
    return { station: view(r.station), ...(await pairingLink(ctx, req, r.token)) };
  });
}
