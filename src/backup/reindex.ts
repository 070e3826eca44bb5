// After a restore: the same index rebuild and look-alike audit a server start does (students/rebuild.ts,
// students/enrol.ts), on the restored database, with the counts the restore prints.
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import { FaceIndex } from '../face/index.js';
import { Lookalikes } from '../face/lookalikes.js';
import { rebuildIndex, type Roster } from '../students/rebuild.js';
import { auditRosterIfStale } from '../students/enrol.js';
import { NO_FACE_MODEL } from '../students/repository.js';

export interface Reindexed {
  students: number;
  /** Faces in the rebuilt index (enrolled faces of this model + verified added photos). */
  faces: number;
  passes: number;
  lookalikePairs: number;
  /** Whether the audit ran (false: the pairs stored with the backup were measured by this model and distance). */
  audited: boolean;
  /** Students described by another model: the next start re-describes them from their stored photos. */
  otherModel: number;
  withoutPhoto: number;
}

export async function reindexRestored(db: Db, config: Pick<Config, 'model' | 'verifyThreshold' | 'lookalikeDistance'>): Promise<Reindexed> {
  // The descriptor size: the model's, or (an ONNX model not loaded here) that of a stored descriptor of it.
  const sample = await db.selectFrom('students').select('embedding').where('embedding_model', '=', config.model.id).limit(1).executeTakeFirst();
  const dim = config.model.dim ?? (sample ? sample.embedding.byteLength / 4 : 128);
  const roster: Roster = { index: new FaceIndex(1024, { dim }), lookalikes: new Lookalikes(), modelId: config.model.id, addedRadius: config.verifyThreshold };
  const built = await rebuildIndex(db, roster);
  const audit = await auditRosterIfStale(db, roster, config.lookalikeDistance);
  const n = (r: { n: number | string | bigint }) => Number(r.n);
  const students = n(
    await db
      .selectFrom('students')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  );
  const passes = n(
    await db
      .selectFrom('passes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  );
  const withoutPhoto = n(
    await db
      .selectFrom('students')
      .where('embedding_model', '=', NO_FACE_MODEL)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  );
  const ofModel = n(
    await db
      .selectFrom('students')
      .where('embedding_model', '=', config.model.id)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  );
  return {
    students,
    faces: built.size,
    passes,
    lookalikePairs: audit.pairs,
    audited: audit.audited,
    otherModel: students - ofModel - withoutPhoto,
    withoutPhoto,
  };
}
