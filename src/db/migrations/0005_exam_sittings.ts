// Exam sittings: the schedule (exam, room, local date, start and end) and who is registered for each.
// A pass made in a room with a current sitting belongs to that sitting: one standing pass per student per
// sitting; passes without a sitting keep the «one first pass a day» rule.
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  const ts = pg ? sql`timestamptz` : sql`text`;
  await db.schema
    .createTable('sittings')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('exam', 'text', (c) => c.notNull())
    .addColumn('room', 'text', (c) => c.notNull())
    // The exam centre's local date and wall-clock times (TIMEZONE), as the schedule gives them.
    .addColumn('sitting_date', 'text', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text', (c) => c.notNull())
    // The same start and end as UTC instants (what "now" is compared with).
    .addColumn('starts_at', ts, (c) => c.notNull())
    .addColumn('ends_at', ts, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  // A re-run of the same schedule finds its sittings again: one sitting per room and start.
  await db.schema.createIndex('sittings_room_start_uq').on('sittings').columns(['room', 'starts_at']).unique().execute();
  await db.schema.createIndex('sittings_date_idx').on('sittings').columns(['sitting_date', 'room']).execute();

  await db.schema
    .createTable('sitting_students')
    .addColumn('sitting_id', 'integer', (c) => c.notNull().references('sittings.id').onDelete('cascade'))
    .addColumn('student_id', 'integer', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('sitting_students_pk', ['sitting_id', 'student_id'])
    .execute();
  await db.schema.createIndex('sitting_students_student_idx').on('sitting_students').column('student_id').execute();

  await db.schema
    .alterTable('passes')
    .addColumn('sitting_id', 'integer', (c) => c.references('sittings.id'))
    .execute();
  // The day rule now holds for passes outside any sitting; a sitting's own rule is one pass per student.
  await db.schema.dropIndex('passes_student_day_uq').execute();
  await db.schema
    .createIndex('passes_student_day_uq')
    .on('passes')
    .columns(['student_id', 'pass_date'])
    .unique()
    .where(sql<boolean>`cancelled_at is null and sitting_id is null`)
    .execute();
  await db.schema
    .createIndex('passes_student_sitting_uq')
    .on('passes')
    .columns(['student_id', 'sitting_id'])
    .unique()
    .where(sql<boolean>`cancelled_at is null and sitting_id is not null`)
    .execute();

  // Attempts remember the room and sitting they were made at (who tried to enter without registration).
  await db.schema.alterTable('attempts').addColumn('room', 'text').execute();
  await db.schema.alterTable('attempts').addColumn('sitting_id', 'integer').execute();
  await db.schema.createIndex('attempts_sitting_idx').on('attempts').column('sitting_id').execute();
}
