// Adds students.search_text: a lower-cased copy of the searchable fields (SQLite's lower() and LIKE know only ASCII).
import type { Kysely } from 'kysely';

export function searchText(s: {
  lastname: string;
  firstname: string;
  lotin: string | null;
  group: string | null;
  matricula: string | null;
  identifier: string | null;
}): string {
  return [s.lastname, s.firstname, s.lotin, s.group, s.matricula, s.identifier].filter(Boolean).join(' ').toLocaleLowerCase('ru');
}

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

export async function up(schemaDb: Kysely<unknown>): Promise<void> {
  await schemaDb.schema
    .alterTable('students')
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  const db = schemaDb.withTables<StudentSearchTables>();
  const rows = await db.selectFrom('students').select(['id', 'lastname', 'firstname', 'lotin', 'group', 'matricula', 'identifier']).execute();
  for (const r of rows)
    await db
      .updateTable('students')
      .set({ search_text: searchText(r) })
      .where('id', '=', r.id)
      .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('students').dropColumn('search_text').execute();
}
