// rebuildIndex(): reloads the in-memory face index from the database (the seed's rebuild_index()).
import type { Db } from '../db/index.js';
import { allEmbeddings, countStudents } from '../students/repository.js';
import { FaceIndex, type IndexEntry } from './index.js';

export async function rebuildIndex(db: Db, index: FaceIndex): Promise<{ size: number; ms: number }> {
  const t0 = performance.now();
  const expected = await countStudents(db);
  const entries: IndexEntry[] = [];
  for await (const e of allEmbeddings(db)) entries.push(e);
  index.replaceAll(entries, expected);
  return { size: index.size, ms: performance.now() - t0 };
}
