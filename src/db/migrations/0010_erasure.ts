// Erasure (issue 27): every load is a record (file, when, counts) and each student remembers the load that first
// stored them, so a finished cohort can be erased by its load; passes of erased students may be kept only as
// anonymous counts (day, sitting, source). An index for the retention sweep over added photos.
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  const ts = pg ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable('loads')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('started_at', ts, (c) => c.notNull())
    .addColumn('finished_at', ts)
    .addColumn('added', 'integer')
    .addColumn('updated', 'integer')
    .execute();
  await db.schema.alterTable('students').addColumn('load_id', 'integer').execute();
  await db.schema.createIndex('students_load_idx').on('students').column('load_id').execute();
  await db.schema
    .createTable('erased_passes')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('pass_date', 'text', (c) => c.notNull())
    .addColumn('sitting_id', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('erased_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('erased_passes_date_idx').on('erased_passes').columns(['pass_date', 'sitting_id']).execute();
  await db.schema.createIndex('student_faces_added_idx').on('student_faces').column('added_at').execute();
}
