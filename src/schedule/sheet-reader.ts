// Reads the schedule sheet in a worker thread, as the students sheet is read (students/sheet-in-worker.ts): exceljs
// takes seconds of CPU for a big workbook, and on the event loop that stalled health checks and the door.
import { readInWorker } from '../students/sheet-in-worker.js';
import type { ScheduleProblem, ScheduleRow, ScheduleSheet } from './sheet.js';

const workerUrl = new URL('./sheet-worker.js', import.meta.url);

/** Parses the schedule .xlsx at `source` (a path or its bytes) in a fresh worker thread; errors come back as the same AppError. */
export function readScheduleInWorker(source: string | Buffer): Promise<ScheduleSheet> {
  return readInWorker<ScheduleRow, ScheduleProblem>(workerUrl, source, 'schedule sheet worker');
}
