// Worker thread: parses the schedule sheet with exceljs off the server's event loop and posts back the typed rows,
// in chunks, then the per-row problems (students/sheet-in-worker.ts).
import { serveSheet } from '../students/sheet-in-worker.js';
import { readScheduleSheet } from './sheet.js';

/** Rows per message: decoding one on the event loop stays in the milliseconds. */
const CHUNK = 2000;

void serveSheet(readScheduleSheet, CHUNK);
