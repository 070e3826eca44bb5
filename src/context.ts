// The services one app instance runs on, built once by server.ts (or a test) and passed to routes: the core
// (core.ts) and the server's own jobs.
import type { Core } from './core.js';
import type { Roster } from './students/rebuild.js';
import type { Reembedder } from './students/reembed.js';
import type { RetentionJob } from './retention/daily.js';

export interface AppContext extends Core {
  /** Re-describes students enrolled with another model (server only; tests may leave it out). */
  reembed?: Reembedder;
  /** The daily retention sweep (server only): when the next runs. */
  retention?: RetentionJob;
}

/** The in-memory roster of an app instance: its index and look-alike pairs, for the engine's model. */
export function rosterOf(ctx: Pick<AppContext, 'index' | 'lookalikes' | 'engine' | 'config'>): Roster {
  return { index: ctx.index, lookalikes: ctx.lookalikes, modelId: ctx.engine.model.id, addedRadius: ctx.config.verifyThreshold };
}
