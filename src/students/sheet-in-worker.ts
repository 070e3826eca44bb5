// A workbook parsed in a worker thread, for the student sheet and the schedule alike: exceljs takes seconds of CPU
// on a big file, and on the event loop that stalled health checks and the door for the whole parse. The worker side
// (`serveSheet`) posts the typed rows in chunks, each after the reader's "next", then the per-row problems; the
// server side (`readInWorker`) collects them, and any failure comes back as the same AppError.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type ExcelJS from 'exceljs';
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import { openWorkbook } from './excel.js';

/** What a parse gives: the rows, the rows refused with their reasons, how many data rows the sheet had. */
export interface ParsedSheet<Row, Problem> {
  rows: Row[];
  problems: Problem[];
  dataRows: number;
}

interface SheetJob {
  source: string | Uint8Array;
}

type SheetReply<Row, Problem> =
  { rows: Row[] } | { done: Omit<ParsedSheet<Row, Problem>, 'rows'> } | { error: { code: ErrorCode; message: string; detail: string | undefined } };

const unreadable = (detail: string) => new AppError('bad_excel', 'Не удалось прочитать файл Excel: файл слишком большой или повреждён', detail);

/** Parses the .xlsx at `source` (a path or its bytes) in a fresh worker thread running `workerUrl` (a serveSheet module). */
export function readInWorker<Row, Problem>(workerUrl: URL, source: string | Buffer, label: string): Promise<ParsedSheet<Row, Problem>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { source } satisfies SheetJob });
    let settled = false;
    const rows: Row[] = [];
    worker.on('message', (reply: SheetReply<Row, Problem>) => {
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
      reject(unreadable(`${label} exited with code ${code}`));
    });
  });
}

/**
 * In the worker: opens the job's workbook, parses it with `parse` and posts the rows `chunk` at a time (the reader
 * decodes each message on its event loop and takes every queued one in one go, so each waits for its "next").
 */
export async function serveSheet<Row, Problem>(parse: (wb: ExcelJS.Workbook) => ParsedSheet<Row, Problem>, chunk: number): Promise<void> {
  const job = workerData as SheetJob;
  const post = (m: SheetReply<Row, Problem>) => parentPort!.postMessage(m);
  try {
    const source = typeof job.source === 'string' ? job.source : Buffer.from(job.source.buffer, job.source.byteOffset, job.source.byteLength);
    const sheet = parse(await openWorkbook(source));
    for (let i = 0; i < sheet.rows.length; i += chunk) {
      post({ rows: sheet.rows.slice(i, i + chunk) });
      await new Promise((next) => parentPort!.once('message', next));
    }
    post({ done: { problems: sheet.problems, dataRows: sheet.dataRows } });
  } catch (e) {
    if (isAppError(e)) post({ error: { code: e.code, message: e.message, detail: e.detail } });
    else post({ error: { code: 'bad_excel', message: 'Не удалось прочитать файл Excel: нужен файл .xlsx', detail: String((e as Error)?.stack ?? e) } });
  }
}
