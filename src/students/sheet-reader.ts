// Reads the student sheet in a worker thread, so that health checks, recognitions and the admin page
// keep answering while a large sheet is parsed (on the event loop a 100,000-row sheet blocked it for seconds).
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../errors.js';
import type { Sheet, SheetRow } from './excel.js';

export interface SheetJob {
  source: string | Uint8Array;
}

export type SheetReply = { rows: SheetRow[] } | { done: Omit<Sheet, 'rows'> } | { error: { code: ErrorCode; message: string; detail: string | undefined } };

const workerUrl = new URL('./sheet-worker.js', import.meta.url);

/** Parses the .xlsx at `source` (a path or its bytes) in a fresh worker thread; errors come back as the same AppError. */
export function readSheet(source: string | Buffer): Promise<Sheet> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { source } satisfies SheetJob });
    let settled = false;
    const rows: SheetRow[] = [];
    worker.on('message', (reply: SheetReply) => {
      if ('rows' in reply) {
        for (const r of reply.rows) rows.push(r);
        setImmediate(() => worker.postMessage('next')); // the next chunk after whatever else is waiting
        return;
      }
      settled = true;
      if ('done' in reply) resolve({ rows, ...reply.done });
      else reject(new AppError(reply.error.code, reply.error.message, reply.error.detail));
      void worker.terminate();
    });
    worker.once('error', (e) => {
      if (settled) return;
      settled = true;
      reject(new AppError('bad_excel', 'Не удалось прочитать файл Excel: файл слишком большой или повреждён', String(e?.stack ?? e)));
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new AppError('bad_excel', 'Не удалось прочитать файл Excel: файл слишком большой или повреждён', `sheet worker exited with code ${code}`));
    });
  });
}
