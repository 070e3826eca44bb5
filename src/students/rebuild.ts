// rebuildIndex(): reloads the in-memory face index and its look-alike pairs from the database (the seed's rebuild_index()).
import type { Db } from '../db/index.js';
import { FaceIndex, type IndexEntry } from '../face/index.js';
import { decodeEmbedding, euclidean } from '../face/embedding.js';
import type { Lookalikes } from '../face/lookalikes.js';
import { allEmbeddings, countStudents, lookalikePairs } from './repository.js';

/** What one instance holds in memory about the enrolled faces, for one descriptor model. */
export interface Roster {
  index: FaceIndex;
  lookalikes: Lookalikes;
  /** Only embeddings of this model are loaded (face/models.ts); others wait to be re-described. */
  modelId: string;
  /**
   * Added photos farther than this from their student's enrolled face stay out of the index (the 1:1
   * threshold: photos added before that check existed, or by another rule, never teach the camera a
   * stranger). Undefined: no added photo is loaded.
   */
  addedRadius?: number;
}

export async function rebuildIndex(db: Db, roster: Roster): Promise<{ size: number; ms: number }> {
  const t0 = performance.now();
  const expected = await countStudents(db, roster.modelId);
  const entries: IndexEntry[] = [];
  for await (const e of allEmbeddings(db, roster.modelId)) entries.push(e);
  const kept = verifiedFacesOnly(entries, roster.addedRadius);
  const pairs = await lookalikePairs(db, roster.modelId);
  // Swapped in the same tick: no search sees new faces with old look-alike pairs.
  roster.index.replaceAll(kept, expected);
  roster.lookalikes.replaceAll(pairs);
  return { size: roster.index.size, ms: performance.now() - t0 };
}

/** The primary faces, and each added photo only when it lies within `radius` of its student's primary face. */
export function verifiedFacesOnly(entries: IndexEntry[], radius: number | undefined): IndexEntry[] {
  const primary = new Map<number, IndexEntry['embedding']>();
  for (const e of entries) if (e.faceId === undefined) primary.set(e.id, e.embedding);
  return entries.filter((e) => {
    if (e.faceId === undefined) return true;
    const own = primary.get(e.id);
    return radius !== undefined && own !== undefined && own.byteLength === e.embedding.byteLength && euclidean(vector(own), vector(e.embedding)) <= radius;
  });
}

const vector = (v: IndexEntry['embedding']): Float32Array => (v instanceof Float32Array ? v : decodeEmbedding(v));
