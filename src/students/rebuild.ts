// rebuildIndex(): reloads the in-memory face index and its look-alike pairs from the database (the seed's rebuild_index()).
import type { Db } from '../db/index.js';
import { FaceIndex, type IndexEntry } from '../face/index.js';
import type { Lookalikes } from '../face/lookalikes.js';
import { allEmbeddings, countStudents, lookalikePairs } from './repository.js';

/** What one instance holds in memory about the enrolled faces, for one descriptor model. */
export interface Roster {
  index: FaceIndex;
  lookalikes: Lookalikes;
  /** Only embeddings of this model are loaded (face/models.ts); others wait to be re-described. */
  modelId: string;
}

export async function rebuildIndex(db: Db, roster: Roster): Promise<{ size: number; ms: number }> {
  const t0 = performance.now();
  const expected = await countStudents(db, roster.modelId);
  const entries: IndexEntry[] = [];
  for await (const e of allEmbeddings(db, roster.modelId)) entries.push(e);
  const pairs = await lookalikePairs(db, roster.modelId);
  // Swapped in the same tick: no search sees new faces with old look-alike pairs.
  roster.index.replaceAll(entries, expected);
  roster.lookalikes.replaceAll(pairs);
  return { size: roster.index.size, ms: performance.now() - t0 };
}
