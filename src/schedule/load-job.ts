// The schedule import as a service of the app instance: one at a time (the loader's flag), the database's lock kind,
// the exam centre's clock and time zone. The HTTP route only receives the file and answers.
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../time.js';
import { loadSchedule, scheduleLoadInProgress, type ScheduleSummary } from './loader.js';

export class ScheduleLoadJob {
  constructor(private readonly deps: { db: Db; config: Pick<Config, 'database' | 'timezone'>; clock: Clock }) {}

  /** An import is running in this process (a second is refused with 409 before its upload is read). */
  get running(): boolean {
    return scheduleLoadInProgress();
  }

  /** Imports the workbook at `xlsx`; `name` is how the summary names it (the uploaded file's name). */
  run(xlsx: string, name: string | undefined): Promise<ScheduleSummary> {
    const { db, config, clock } = this.deps;
    return loadSchedule({ db, kind: config.database.kind, source: xlsx, timeZone: config.timezone, now: clock(), fileLabel: name ?? 'upload' });
  }
}
