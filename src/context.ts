// The services one app instance runs on, built once by server.ts (or a test) and passed to routes: the core
// (core.ts) and the server's own jobs.
import type { Core } from './core.js';
import type { Roster } from './students/rebuild.js';
import type { Reembedder } from './students/reembed.js';
import type { RetentionJob } from './retention/daily.js';
import { StudentLoadJob } from './students/load-job.js';
import { ScheduleLoadJob } from './schedule/load-job.js';

export interface AppContext extends Core {
  /** Re-describes students enrolled with another model (server only; tests may leave it out). */
  reembed?: Reembedder;
  /** The daily retention sweep (server only): when the next runs. */
  retention?: RetentionJob;
  /** The sheet and schedule loads (one at a time each, their progress and last rows); buildApp makes them if absent. */
  loads?: LoadJobs;
}

export interface LoadJobs {
  students: StudentLoadJob;
  schedule: ScheduleLoadJob;
}

/** The load services of an app instance. */
export function loadJobs(ctx: Omit<AppContext, 'loads'>): LoadJobs {
  return {
    students: new StudentLoadJob({ db: ctx.db, engine: ctx.engine, config: ctx.config, roster: () => rosterOf(ctx) }),
    schedule: new ScheduleLoadJob({ db: ctx.db, config: ctx.config, clock: ctx.clock }),
  };
}

/** The in-memory roster of an app instance: its index and look-alike pairs, for the engine's model. */
export function rosterOf(ctx: Pick<AppContext, 'index' | 'lookalikes' | 'engine' | 'config'>): Roster {
  return { index: ctx.index, lookalikes: ctx.lookalikes, modelId: ctx.engine.model.id, addedRadius: ctx.config.verifyThreshold };
}
