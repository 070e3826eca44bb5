// Keeps this instance's face index current when another instance (or the CLI) changes enrolled faces.
import type { Db } from '../db/index.js';
import { rebuildIndex, type Roster } from './rebuild.js';
import { indexGeneration } from './repository.js';

export interface IndexSync {
  stop(): void;
  /** Checks once now (the first call only records the current generation); true when the index was rebuilt. */
  check(): Promise<boolean>;
}

/**
 * Every load bumps `meta.index_generation`; each instance polls it (cheap: one row) and rebuilds its
 * in-memory index when it changes, so students loaded through instance A are recognised by B within
 * one interval, without a restart. Works the same on SQLite (CLI loader + server) and PostgreSQL.
 */
export function startIndexSync(db: Db, roster: Roster, intervalMs: number, log: (msg: string, err?: unknown) => void, onReload?: () => void): IndexSync {
  let known: string | undefined;
  let primed = false;
  let running = false;
  const check = async (): Promise<boolean> => {
    if (running) return false;
    running = true;
    try {
      const gen = await indexGeneration(db);
      // The first check only records the generation the index was just built from.
      if (!primed || gen === known) {
        primed = true;
        known = gen;
        return false;
      }
      known = gen;
      const r = await rebuildIndex(db, roster);
      log(`face index reloaded after a change elsewhere: ${r.size} students in ${Math.round(r.ms)} ms`);
      onReload?.();
      return true;
    } catch (e) {
      log('face index sync failed', e);
      return false;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), check };
}
