// Audit log (issue 27): one append-only row per admin or station action that changes data — who (token kind, paired
// station), from where (client address), when (server time), what (action code, target ids, a short JSON detail).
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  await db.schema
    .createTable('audit_log')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', pg ? sql`timestamptz` : sql`text`, (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('station_id', 'integer')
    .addColumn('actor_name', 'text')
    .addColumn('ip', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'at']).execute();
}
