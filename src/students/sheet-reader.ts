// Reads the student sheet in a worker thread (sheet-in-worker.ts), so that health checks, recognitions and the admin
// page keep answering while a large sheet is parsed (on the event loop a 100,000-row sheet blocked it for seconds).
import { readInWorker } from './sheet-in-worker.js';
import type { RowProblem, Sheet, SheetRow } from './excel.js';

const workerUrl = new URL('./sheet-worker.js', import.meta.url);

/** Parses the .xlsx at `source` (a path or its bytes) in a fresh worker thread; errors come back as the same AppError. */
export function readSheet(source: string | Buffer): Promise<Sheet> {
  return readInWorker<SheetRow, RowProblem>(workerUrl, source, 'sheet worker');
}
