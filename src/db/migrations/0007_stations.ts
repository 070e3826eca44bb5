// Stations as records: each paired door has its own token (only its hash is stored), a name and a room set by the
// admin; passes, attempts and added photos remember which station made them, and a pass the room it was made in.
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  const ts = pg ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable('stations')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull())
    // The exam room the station stands at (the schedule's spelling); null: no room, the day rule.
    .addColumn('room', 'text')
    // SHA-256 of the station's token (hex): the token itself is shown once, in the pairing link.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts)
    .addColumn('last_address', 'text')
    .addColumn('revoked_at', ts)
    .execute();
  await db.schema.alterTable('passes').addColumn('station_id', 'integer').execute();
  // The station's room when the pass was made (a pass outside any sitting at a station without a room says so in the reports).
  await db.schema.alterTable('passes').addColumn('station_room', 'text').execute();
  await db.schema.alterTable('attempts').addColumn('station_id', 'integer').execute();
  await db.schema.alterTable('student_faces').addColumn('station_id', 'integer').execute();
}
