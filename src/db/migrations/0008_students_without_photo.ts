// Every row of the sheet becomes a student (issue 26): a row whose photo is missing or unusable is stored without
// a face — an empty embedding of the model `none`, never in the index — and says why in photo_problem, so the
// student can be found, passed by hand and reported until a photo is added.
import type { Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, _kind: DbKind): Promise<void> {
  await db.schema.alterTable('students').addColumn('photo_problem', 'text').execute();
}
