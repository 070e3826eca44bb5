// Runs the retention sweep once a day (the first a minute after start), records it, and knows when the next one is due.
import type { Db } from '../db/index.js';
import { lastSweep, recordSweep, sweepRetention, type RetentionCounts, type RetentionPolicy } from './sweep.js';

export interface RetentionJob {
  /** When the next sweep runs. */
  nextAt(): Date;
  /** Sweeps now (also what the timer does); never two at once. */
  runNow(): Promise<RetentionCounts>;
  stop(): void;
}

const DAY_MS = 86_400_000;

/**
 * A sweep each `everyMs` (a day), the first `firstAfterMs` after start — unless the last recorded sweep (any instance)
 * is younger than a day, then a day after it. `onSwept` gets the counts (the server logs them; the sweep itself wrote its
 * audit row, in its transaction).
 */
export function startRetention(
  db: Db,
  policy: RetentionPolicy,
  clock: () => Date,
  onSwept: (counts: RetentionCounts, at: Date) => Promise<void> | void,
  onError: (e: unknown) => void,
  opts: { firstAfterMs?: number; everyMs?: number } = {},
): RetentionJob {
  const every = opts.everyMs ?? DAY_MS;
  let next = new Date(clock().getTime() + (opts.firstAfterMs ?? 60_000));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionCounts> | undefined;
  let stopped = false;

  const runNow = (): Promise<RetentionCounts> => {
    running ??= (async () => {
      try {
        const at = clock();
        const counts = await sweepRetention(db, policy, at);
        await recordSweep(db, { at: at.toISOString(), ...counts });
        await onSwept(counts, at);
        return counts;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const arm = () => {
    if (stopped) return;
    timer = setTimeout(
      () =>
        void runNow()
          .catch(onError)
          .finally(() => {
            next = new Date(clock().getTime() + every);
            arm();
          }),
      Math.max(0, next.getTime() - clock().getTime()),
    );
    timer.unref();
  };
  // Another instance (or an earlier run of this one) swept less than a day ago: the next is a day after it.
  void lastSweep(db)
    .then((last) => {
      if (last && new Date(last.at).getTime() + every > next.getTime()) next = new Date(new Date(last.at).getTime() + every);
    })
    .catch(onError)
    .finally(arm);

  return {
    nextAt: () => next,
    runNow,
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
