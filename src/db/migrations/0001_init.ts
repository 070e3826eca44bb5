// Initial schema: students (+ photos), passes with one first pass per student and local day, attempts, meta.
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  const id = pg ? 'serial' : 'integer';
  const blob = pg ? 'bytea' : 'blob';
  const ts = pg ? sql`timestamptz` : sql`text`;

  await db.schema
    .createTable('students')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('matricula', 'text', (c) => c.unique())
    .addColumn('lastname', 'text', (c) => c.notNull())
    .addColumn('firstname', 'text', (c) => c.notNull())
    .addColumn('lotin', 'text')
    .addColumn('short', 'text')
    .addColumn('group', 'text')
    .addColumn('identifier', 'text', (c) => c.unique())
    .addColumn('date_of_birth', 'text')
    .addColumn('passport_number', 'text')
    .addColumn('file_path', 'text')
    .addColumn('embedding', blob, (c) => c.notNull())
    .addColumn('face_score', 'real', (c) => c.notNull())
    .addColumn('face_width', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('students_has_id', sql`matricula is not null or identifier is not null`)
    .execute();
  await db.schema.createIndex('students_group_idx').on('students').column('group').execute();

  await db.schema
    .createTable('student_photos')
    .addColumn('student_id', 'integer', (c) => c.primaryKey().references('students.id').onDelete('cascade'))
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('data', blob, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('passes')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('student_id', 'integer', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('timestamp', ts, (c) => c.notNull())
    .addColumn('pass_date', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('station', 'text')
    .addColumn('distance', 'real')
    // The rule "one first pass per student per local day" lives in this key, not in read-then-write code.
    .addUniqueConstraint('passes_student_day_uq', ['student_id', 'pass_date'])
    .execute();
  await db.schema.createIndex('passes_date_idx').on('passes').columns(['pass_date', 'timestamp']).execute();

  await db.schema
    .createTable('attempts')
    .addColumn('id', id, (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('timestamp', ts, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('student_id', 'integer')
    .addColumn('distance', 'real')
    .addColumn('second_distance', 'real')
    .addColumn('faces', 'integer')
    .addColumn('source', 'text')
    .addColumn('station', 'text')
    .addColumn('duration_ms', 'integer')
    .execute();
  await db.schema.createIndex('attempts_timestamp_idx').on('attempts').column('timestamp').execute();

  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['meta', 'attempts', 'passes', 'student_photos', 'students']) await db.schema.dropTable(t).execute();
}
