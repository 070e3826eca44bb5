// Worker thread: parses the student sheet with exceljs off the server's event loop (a 100,000-row
// sheet takes seconds of CPU) and posts back the typed rows, in chunks, and the per-row problems.
import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../errors.js';
import { openWorkbook, readStudentSheet } from './excel.js';
import type { SheetJob, SheetReply } from './sheet-reader.js';

/**
 * Rows per message. The receiving side decodes a message on its event loop (~15 ms per 5,000 rows) and
 * takes every queued message in one go, so each chunk waits for the reader's "next" (100,000 rows sent
 * at once held the loop for 350 ms).
 */
const CHUNK = 5000;

async function run(job: SheetJob): Promise<void> {
  const post = (m: SheetReply) => parentPort!.postMessage(m);
  try {
    const source = typeof job.source === 'string' ? job.source : Buffer.from(job.source.buffer, job.source.byteOffset, job.source.byteLength);
    const sheet = readStudentSheet(await openWorkbook(source));
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

void run(workerData as SheetJob);
