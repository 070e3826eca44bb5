// Students SQL: embeddings for the index, lookups by id.
import type { Db } from '../db/index.js';
import type { IndexEntry } from '../face/index.js';

/** Every enrolled embedding, streamed in id order (100k rows = 51 MB: fetched in pages, not at once). */
export async function* allEmbeddings(db: Db, pageSize = 20_000): AsyncGenerator<IndexEntry> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('students')
      .select(['id', 'embedding'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    for (const r of rows) yield { id: r.id, embedding: r.embedding };
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.id;
  }
}

export async function countStudents(db: Db): Promise<number> {
  const r = await db.selectFrom('students').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}
