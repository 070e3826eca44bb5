// Worker thread: parses the student sheet with exceljs off the server's event loop (a 100,000-row sheet takes
// seconds of CPU) and posts back the typed rows, in chunks, and the per-row problems (sheet-in-worker.ts).
import { readStudentSheet } from './excel.js';
import { serveSheet } from './sheet-in-worker.js';

/** Rows per message: decoding 5,000 on the reader's event loop takes ~15 ms (100,000 at once held it for 350 ms). */
const CHUNK = 5000;

void serveSheet(readStudentSheet, CHUNK);
