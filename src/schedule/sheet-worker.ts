// Worker thread: parses the schedule sheet with exceljs off the server's event loop and posts back the
// typed rows, in chunks (each waits for the reader's "next"), then the per-row problems.
import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../errors.js';
import { openWorkbook } from '../students/excel.js';
import { readScheduleSheet } from './sheet.js';
import type { ScheduleSheetJob, ScheduleSheetReply } from './sheet-reader.js';

/** Rows per message: decoding one on the event loop stays in the milliseconds. */
const CHUNK = 2000;

async function run(job: ScheduleSheetJob): Promise<void> {
  const post = (m: ScheduleSheetReply) => parentPort!.postMessage(m);
  try {
    const source = typeof job.source === 'string' ? job.source : Buffer.from(job.source.buffer, job.source.byteOffset, job.source.byteLength);
    const sheet = readScheduleSheet(await openWorkbook(source));
    for (let i = 0; i < sheet.rows.length; i += CHUNK) {
      post({ rows: sheet.rows.slice(i, i + CHUNK) });
      await new Promise((next) => parentPort!.once('message', next));
    }
    post({ done: { problems: sheet.problems, dataRows: sheet.dataRows } });
  } catch (e) {
    if (isAppError(e)) post({ error: { code: e.code, message: e.message, detail: e.detail } });
    else post({ error: { code: 'bad_excel', message: 'Не удалось прочитать файл Excel: нужен файл .xlsx', detail: String((e as Error)?.stack ?? e) } });
  }
}

void run(workerData as ScheduleSheetJob);
