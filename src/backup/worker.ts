// Worker thread of a scheduled backup: writeBackup() holds one read transaction while it copies every page, which
// would stall the server's event loop for the length of the copy; here it runs beside it.
import { parentPort, workerData } from 'node:worker_threads';
import { writeBackup, type BackupResult } from './sqlite.js';

export interface BackupJob {
  source: string;
  out: string;
}

export type BackupReply = { done: BackupResult } | { error: string };

const job = workerData as BackupJob;
writeBackup(job.source, job.out).then(
  (done) => parentPort!.postMessage({ done } satisfies BackupReply),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies BackupReply),
);
