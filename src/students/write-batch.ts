// One batch of described rows → one transaction; on a collision (a concurrent load) row by row.
import type { Db } from '../db/index.js';
import type { SheetRow } from './excel.js';
import type { RowReport } from './load-summary.js';
import { saveStudent, type StudentData } from './repository.js';

/** A row whose face is described, waiting to be written. */
export interface Ready {
  sheet: SheetRow;
  existingId: number | undefined;
  data: StudentData;
  photo: { thumbnail: Uint8Array; source: Uint8Array } | undefined;
  warnings: RowReport[];
}

/** Writes one batch in one transaction; if a row collides (a concurrent load), retries row by row. */
export async function writeBatch(db: Db, batch: Ready[], sink: { report: (r: RowReport) => void; saved: (r: Ready, id: number) => void }): Promise<void> {
  if (batch.length === 0) return;
  const now = new Date().toISOString();
  try {
    const ids = await db.transaction().execute(async (trx) => {
      const out: number[] = [];
      for (const r of batch) out.push(await saveStudent(trx, r.existingId, r.data, r.photo, now));
      return out;
    });
    batch.forEach((r, i) => sink.saved(r, ids[i]!));
  } catch {
    for (const r of batch) {
      try {
        const id = await db.transaction().execute((trx) => saveStudent(trx, r.existingId, r.data, r.photo, now));
        sink.saved(r, id);
      } catch (e) {
        sink.report({
          row: r.sheet.row,
          matricula: r.sheet.matricula,
          status: 'failed',
          reason: 'conflict',
          message: `не записано: ${(e as Error).message.slice(0, 200)}`,
        });
      }
    }
  }
}
