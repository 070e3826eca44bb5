// Stations SQL: a paired door's record (name, room, hash of its token, when and from where it was last seen, revocation).
import crypto from 'node:crypto';
import type { Db } from '../db/index.js';
import type { StationRow } from '../db/schema.js';
import { newToken } from '../tokens.js';

/** What the rest of the server knows of the station behind a request. */
export interface Station {
  id: number;
  name: string;
  room: string | null;
}

/** The token is never stored: its SHA-256 (hex) finds the station. */
export const tokenHash = (token: string): string => crypto.createHash('sha256').update(token, 'utf8').digest('hex');

/** A new station with a new token; the token is returned once (for the pairing link) and only its hash is kept. */
export async function createStation(db: Db, name: string, room: string | null, at: Date): Promise<{ station: StationRow; token: string }> {
  const token = newToken();
  const station = await db
    .insertInto('stations')
    .values({ name, room, token_hash: tokenHash(token), created_at: at.toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { station, token };
}

export function stationByToken(db: Db, token: string): Promise<StationRow | undefined> {
  return db.selectFrom('stations').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
}

export function findStation(db: Db, id: number): Promise<StationRow | undefined> {
  return db.selectFrom('stations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every station, active ones first, each group by name. */
export function listStations(db: Db): Promise<StationRow[]> {
  return db
    .selectFrom('stations')
    .selectAll()
    .orderBy((eb) => eb.case().when('revoked_at', 'is', null).then(0).else(1).end())
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export function updateStation(db: Db, id: number, change: { name?: string; room?: string | null }): Promise<StationRow | undefined> {
  return db.updateTable('stations').set(change).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
}

/** Revokes a station: its token stops working at once, on every instance (each request looks the hash up). */
export function revokeStation(db: Db, id: number, at: Date): Promise<StationRow | undefined> {
  return db
    .updateTable('stations')
    .set({ revoked_at: at.toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** A new token for an active station (its link was lost or leaked): the old one stops working. */
export async function reissueToken(db: Db, id: number): Promise<{ station: StationRow; token: string } | undefined> {
  const token = newToken();
  const station = await db
    .updateTable('stations')
    .set({ token_hash: tokenHash(token) })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return station ? { station, token } : undefined;
}

export async function touchStation(db: Db, id: number, at: Date, address: string): Promise<void> {
  await db.updateTable('stations').set({ last_seen_at: at.toISOString(), last_address: address }).where('id', '=', id).execute();
}
