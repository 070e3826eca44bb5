// Card + face (1:1): attempts remember how the student was sought (identify / verify / roster) and whom a card
// claimed; an added photo remembers the client address and its distance to the enrolled face, and one pass
// adds at most one photo (cancelling the pass removes it).
import { sql, type Kysely } from 'kysely';
import type { DbKind } from '../kind.js';

export async function up(db: Kysely<unknown>, _kind: DbKind): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('mode', 'text').execute();
  await db.schema.alterTable('attempts').addColumn('claimed_student_id', 'integer').execute();
  await db.schema.alterTable('student_faces').addColumn('client', 'text').execute();
  await db.schema.alterTable('student_faces').addColumn('distance', 'real').execute();
  // Earlier versions let one pass add several photos: those keep their faces but no longer count as the pass's own.
  await sql`update student_faces set pass_id = null
            where pass_id is not null and id not in (select min(id) from student_faces where pass_id is not null group by pass_id)`.execute(db);
  await db.schema
    .createIndex('student_faces_pass_uq')
    .on('student_faces')
    .column('pass_id')
    .unique()
    .where(sql<boolean>`pass_id is not null`)
    .execute();
}
