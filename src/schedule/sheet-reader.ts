// Reads the schedule sheet in a worker thread, as the students sheet is read: exceljs takes seconds of CPU
// for a big workbook, and on the event loop that stalled health checks and the door for the whole parse.
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../errors.js';
import type { ScheduleRow, ScheduleSheet } from './sheet.js';

export interface ScheduleSheetJob {
  source: string | Uint8Array;
}

export type ScheduleSheetReply =
  { rows: ScheduleRow[] } | { done: Omit<ScheduleSheet, 'rows'> } | { error: { code: ErrorCode; message: string; detail: string | undefined } };

const workerUrl = new URL('./sheet-worker.js', import.meta.url);

const unreadable = (detail: string) => new AppError('bad_excel', 'Не удалось прочитать файл Excel: файл слишком большой или повреждён', detail);

/** Parses the schedule .xlsx at `source` (a path or its bytes) in a fresh worker thread; errors come back as the same AppError. */
export function readScheduleInWorker(source: string | Buffer): Promise<ScheduleSheet> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { source } satisfies ScheduleSheetJob });
    let settled = false;
    const rows: ScheduleRow[] = [];
    worker.on('message', (reply: ScheduleSheetReply) => {
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
      reject(unreadable(String(e?.stack ?? e)));
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(unreadable(`schedule sheet worker exited with code ${code}`));
    });
  });
}
