// The operator's workflow: manual passes with a reason, cancelled passes kept (who/when/why) but no longer
// "the first pass of the day", photos added from verified admissions, and ё/е-folded search text.
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';
import { searchText } from '../search-text.js';

/** The students columns this migration reads and writes, as they are at this point of the schema's history. */
type StudentSearchTables = {
  students: {
    id: number;
    lastname: string;
    firstname: string;
    lotin: string | null;
    group: string | null;
    matricula: string | null;
    identifier: string | null;
    search_text: string;
  };
};

export async function up(db: Kysely<unknown>, kind: DbKind): Promise<void> {
  const pg = kind === 'postgres';
  const ts = pg ? sql`timestamptz` : sql`text`;
  if (pg) {
    for (const [name, type] of [
      ['reason', sql`text`],
      ['cancelled_at', ts],
      ['cancel_reason', sql`text`],
      ['cancelled_by', sql`text`],
    ] as const) {
      await db.schema.alterTable('passes').addColumn(name, type).execute();
    }
    await db.schema.alterTable('passes').dropConstraint('passes_student_day_uq').execute();
  } else {
    // SQLite cannot drop a table constraint: the table is rebuilt with the same rows.
    await db.schema
      .createTable('passes_new')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('student_id', 'integer', (c) => c.notNull().references('students.id').onDelete('cascade'))
      .addColumn('timestamp', ts, (c) => c.notNull())
      .addColumn('pass_date', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('station', 'text')
      .addColumn('distance', 'real')
      .addColumn('reason', 'text')
      .addColumn('cancelled_at', ts)
      .addColumn('cancel_reason', 'text')
      .addColumn('cancelled_by', 'text')
      .execute();
    await sql`insert into passes_new (id, student_id, timestamp, pass_date, source, station, distance)
              select id, student_id, timestamp, pass_date, source, station, distance from passes`.execute(db);
    await db.schema.dropTable('passes').execute();
    await sql`alter table passes_new rename to passes`.execute(db);
    await db.schema.createIndex('passes_date_idx').on('passes').columns(['pass_date', 'timestamp']).execute();
  }
  // One first pass per student and local day among the passes that stand; a cancelled one no longer counts.
  await db.schema
    .createIndex('passes_student_day_uq')
    .on('passes')
    .columns(['student_id', 'pass_date'])
    .unique()
    .where(sql.ref('cancelled_at'), 'is', null)
    .execute();

  // Extra enrolment photos of a student, added by the operator after checking documents.
  await db.schema
    .createTable('student_faces')
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('student_id', 'integer', (c) => c.notNull().references('students.id').onDelete('cascade'))
    .addColumn('embedding', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('embedding_model', 'text', (c) => c.notNull())
    .addColumn('photo', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('source', pg ? 'bytea' : 'blob')
    .addColumn('face_quality', 'text')
    .addColumn('added_at', ts, (c) => c.notNull())
    .addColumn('added_by', 'text')
    .addColumn('pass_id', 'integer')
    .execute();
  await db.schema.createIndex('student_faces_student_idx').on('student_faces').column('student_id').execute();

  const studentsDb = db.withTables<StudentSearchTables>();
  const rows = await studentsDb.selectFrom('students').select(['id', 'lastname', 'firstname', 'lotin', 'group', 'matricula', 'identifier']).execute();
  for (const r of rows)
    await studentsDb
      .updateTable('students')
      .set({ search_text: searchText(r) })
      .where('id', '=', r.id)
      .execute();
}
