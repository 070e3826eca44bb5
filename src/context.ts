// The services one app instance runs on, built once by server.ts (or a test) and passed to routes.
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import type { FaceEngine } from './face/engine.js';
import type { FaceIndex } from './face/index.js';
import type { Lookalikes } from './face/lookalikes.js';
import type { Roster } from './students/rebuild.js';
import type { Reembedder } from './students/reembed.js';
import type { RetentionJob } from './retention/daily.js';
import type { Clock } from './time.js';

export interface AppContext {
  config: Config;
  db: Db;
  engine: FaceEngine;
  index: FaceIndex;
  /** Enrolled students whose photos the match rule cannot tell apart (never named by the camera). */
  lookalikes: Lookalikes;
  /** Re-describes students enrolled with another model (server only; tests may leave it out). */
  reembed?: Reembedder;
  /** The daily retention sweep (server only): when the next runs. */
  retention?: RetentionJob;
  clock: Clock;
}

/** The in-memory roster of an app instance: its index and look-alike pairs, for the engine's model. */
export function rosterOf(ctx: Pick<AppContext, 'index' | 'lookalikes' | 'engine' | 'config'>): Roster {
  return { index: ctx.index, lookalikes: ctx.lookalikes, modelId: ctx.engine.model.id, addedRadius: ctx.config.verifyThreshold };
}
