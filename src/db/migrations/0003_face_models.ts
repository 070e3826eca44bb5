// Each embedding records its model; enrolment-photo quality; the enrolment photo as loaded (to re-describe it); the roster's look-alike pairs.
import type { Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

/** Embeddings made before this migration: face-api's descriptor of an axis-aligned box crop. */
const LEGACY_MODEL_ID = 'faceapi-box';

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  await db.schema
    .alterTable('students')
    .addColumn('embedding_model', 'text', (c) => c.notNull().defaultTo(LEGACY_MODEL_ID))
    .execute();
  await db.schema.alterTable('students').addColumn('face_quality', 'text').execute();
  await db.schema.createIndex('students_embedding_model_idx').on('students').column('embedding_model').execute();
  // The photo as loaded (up to 2048 px): after a model switch the descriptor is made again from it, not from the 360 px thumbnail.
  await db.schema
    .alterTable('student_photos')
    .addColumn('source', pg ? 'bytea' : 'blob')
    .execute();
  await db.schema
    .createTable('lookalikes')
    .addColumn('student_id', 'integer', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('other_id', 'integer', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('distance', pg ? 'double precision' : 'real', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('lookalikes_pk', ['student_id', 'other_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('lookalikes').execute();
  await db.schema.alterTable('student_photos').dropColumn('source').execute();
  await db.schema.dropIndex('students_embedding_model_idx').execute();
  await db.schema.alterTable('students').dropColumn('face_quality').execute();
  await db.schema.alterTable('students').dropColumn('embedding_model').execute();
}
