// Excel rows → photos → embeddings (all worker threads) → batched transactional upserts → summary.
import fs from 'node:fs/promises';
import type { Db } from '../db/index.js';
import type { FaceEngine } from '../face/engine.js';
import { FaceIndex } from '../face/index.js';
import { rebuildIndex } from '../face/rebuild.js';
import { encodeEmbedding } from '../face/embedding.js';
import { AppError, isAppError } from '../errors.js';
import { maskPassport } from '../privacy.js';
import { openWorkbook, readStudentSheet, type SheetRow } from './excel.js';
import { resolvePhoto, type PhotoLocations } from './photos.js';
import { bumpIndexGeneration, existingKeys, recordLoadFinished, saveStudent, studentLabel, type StudentData } from './repository.js';

export type RowStatus = 'skipped' | 'failed' | 'warning';

export interface RowReport {
  row: number;
  matricula: string | null;
  status: RowStatus;
  /** exists, duplicate | missing_id, missing_name, bad_date, bad_cell, no_file_path, file_not_found, bad_image,
   *  image_too_large, no_face, face_too_small, conflict | multiple_faces, similar_face, duplicate_passport */
  reason: string;
  message: string;
}

export interface LoadSummary {
  file: string;
  total_rows: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
  warnings: number;
  interrupted: boolean;
  duration_ms: number;
  /** Photos described per second (rows that needed face work). */
  photos_per_second: number;
  index_size: number;
  rows: RowReport[];
}

export interface LoadProgress {
  done: number;
  total: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
}

export interface LoadLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface LoadOptions {
  db: Db;
  engine: FaceEngine;
  index: FaceIndex;
  matchThreshold: number;
  maxImageBytes: number;
  /** Path of the .xlsx, or its bytes (upload). */
  source: string | Buffer;
  fileLabel: string;
  photos: PhotoLocations;
  force: boolean;
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  log: LoadLogger;
}

/** Faces narrower than this (pixels of the photo) give descriptors too poor to enrol. */
const MIN_FACE_PX = 40;
const BATCH = 50;

interface Ready {
  sheet: SheetRow;
  existingId: number | undefined;
  data: StudentData;
  photo: Uint8Array | undefined;
  warnings: RowReport[];
}

const ID_LABEL = (r: { matricula: string | null }) => r.matricula ?? '—';

let running = false;

/** One load at a time per process (HTTP answers 409 to a second one). */
export function loadInProgress(): boolean {
  return running;
}

export async function loadStudents(opts: LoadOptions): Promise<LoadSummary> {
  if (running) throw new AppError('conflict', 'Загрузка уже выполняется: дождитесь её окончания');
  running = true;
  try {
    return await load(opts);
  } finally {
    running = false;
  }
}

async function load(opts: LoadOptions): Promise<LoadSummary> {
  const t0 = performance.now();
  const { db, engine, log } = opts;
  const sheet = readStudentSheet(await openWorkbook(opts.source));
  const reports: RowReport[] = [];
  const counts = { added: 0, updated: 0, skipped: 0, failed: 0 };
  const total = sheet.dataRows;
  let done = 0;
  const report = (r: RowReport) => {
    reports.push(r);
    if (r.status === 'skipped') counts.skipped++;
    if (r.status === 'failed') counts.failed++;
    if (r.status !== 'warning') done++;
    (r.status === 'warning' || r.status === 'failed' ? log.warn : log.info)(`строка ${r.row} (Matricula ${ID_LABEL(r)}): ${r.reason} — ${r.message}`);
  };
  const progress = () => opts.onProgress?.({ done, total, ...counts });
  const saved = (r: Ready) => {
    if (r.existingId === undefined) counts.added++;
    else counts.updated++;
    done++;
    for (const w of r.warnings) report(w);
  };

  for (const p of sheet.problems) report({ row: p.row, matricula: p.matricula, status: 'failed', reason: p.reason, message: p.message });

  // Rows that need face work: not repeated inside the file, and not enrolled already (unless force).
  const keys = await existingKeys(db);
  const firstRowOf = new Map<string, number>();
  const passportRow = new Map<string, number>();
  const todo: { sheet: SheetRow; existingId: number | undefined }[] = [];
  for (const row of sheet.rows) {
    const ids = [row.matricula ? `m:${row.matricula}` : '', row.identifier ? `i:${row.identifier}` : ''].filter(Boolean);
    const earlier = ids.map((k) => firstRowOf.get(k)).find((r) => r !== undefined);
    if (earlier !== undefined) {
      report({ row: row.row, matricula: row.matricula, status: 'skipped', reason: 'duplicate', message: `повтор: тот же Matricula или Идентификатор уже в строке ${earlier}` });
      continue;
    }
    for (const k of ids) firstRowOf.set(k, row.row);
    // Two students with one passport number is a slip in the sheet; the log shows the number masked.
    if (row.passport_number) {
      const same = passportRow.get(row.passport_number);
      if (same === undefined) passportRow.set(row.passport_number, row.row);
      else report({ row: row.row, matricula: row.matricula, status: 'warning', reason: 'duplicate_passport', message: `номер паспорта ${maskPassport(row.passport_number)} уже в строке ${same}: проверьте таблицу` });
    }
    const byM = row.matricula ? keys.byMatricula.get(row.matricula) : undefined;
    const byI = row.identifier ? keys.byIdentifier.get(row.identifier) : undefined;
    if (byM !== undefined && byI !== undefined && byM !== byI) {
      report({ row: row.row, matricula: row.matricula, status: 'failed', reason: 'conflict', message: 'Matricula и Идентификатор принадлежат двум разным студентам в базе' });
      continue;
    }
    const existingId = byM ?? byI;
    if (existingId !== undefined && !opts.force) {
      report({ row: row.row, matricula: row.matricula, status: 'skipped', reason: 'exists', message: 'студент уже в базе (перезапись: force)' });
      continue;
    }
    if (!row.file_path) {
      report({ row: row.row, matricula: row.matricula, status: 'failed', reason: 'no_file_path', message: 'пустой столбец File path' });
      continue;
    }
    todo.push({ sheet: row, existingId });
  }
  progress();

  const fresh = new FaceIndex(Math.max(16, todo.length));
  let batch: Ready[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    const b = batch;
    batch = [];
    writing = writing.then(() => writeBatch(opts, b, { report, saved })).then(progress);
    return writing;
  };

  const describeOne = async (item: { sheet: SheetRow; existingId: number | undefined }): Promise<void> => {
    const row = item.sheet;
    const fail = (reason: string, message: string) => report({ row: row.row, matricula: row.matricula, status: 'failed', reason, message });
    const file = resolvePhoto(row.file_path!, opts.photos);
    if (!file) return fail('file_not_found', `файл не найден: ${row.file_path}`);
    let bytes: Buffer;
    try {
      const st = await fs.stat(file);
      if (st.size > opts.maxImageBytes) return fail('image_too_large', `файл больше ${Math.round(opts.maxImageBytes / 1048576)} МБ: ${row.file_path}`);
      bytes = await fs.readFile(file);
    } catch (e) {
      return fail('file_not_found', `не удалось прочитать файл ${row.file_path}: ${(e as Error).message}`);
    }
    let result;
    try {
      result = await engine.describe(bytes, { purpose: 'enrol', thumbnail: true });
    } catch (e) {
      if (isAppError(e) && (e.code === 'bad_image' || e.code === 'image_too_large')) return fail(e.code, `${e.message}: ${row.file_path}`);
      throw e;
    }
    const face = result.faces[0];
    if (!face?.descriptor) return fail('no_face', `на фото не найдено лицо: ${row.file_path}`);
    if (face.box.width < MIN_FACE_PX) return fail('face_too_small', `лицо слишком маленькое (${Math.round(face.box.width)} пикс.): ${row.file_path}`);
    const warnings: RowReport[] = [];
    if (result.faces.length > 1) {
      warnings.push({ row: row.row, matricula: row.matricula, status: 'warning', reason: 'multiple_faces', message: `на фото ${result.faces.length} лица: взято самое крупное` });
    }
    // Two students with nearly the same face make both unrecognisable (the margin rule refuses them): say so now.
    for (const idx of [opts.index, fresh]) {
      const near = idx.search(face.descriptor);
      if (near && near.best.distance <= opts.matchThreshold && near.best.studentId !== item.existingId) {
        const other = idx === fresh ? `строку ${-near.best.studentId} этого файла` : await studentLabel(db, near.best.studentId);
        warnings.push({
          row: row.row, matricula: row.matricula, status: 'warning', reason: 'similar_face',
          message: `лицо очень похоже на ${other} (расстояние ${near.best.distance.toFixed(3)}): проверьте фото`,
        });
        break;
      }
    }
    fresh.upsert(-row.row, face.descriptor); // this file's faces, keyed by minus the row number
    const { row: _r, ...fields } = row;
    batch.push({
      sheet: row,
      existingId: item.existingId,
      data: { ...fields, embedding: encodeEmbedding(face.descriptor), face_score: face.score, face_width: Math.round(face.box.width) },
      photo: result.thumbnail,
      warnings,
    });
    if (batch.length >= BATCH) await flush();
  };

  // Keep every worker busy: two photos in flight per worker (one describing, one decoding/queued).
  const concurrency = Math.max(2, engine.size * 2);
  let next = 0;
  let interrupted = false;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
      while (next < todo.length) {
        if (opts.signal?.aborted) {
          interrupted = true;
          return;
        }
        await describeOne(todo[next++]!);
      }
    }),
  );
  await flush();
  const described = todo.length;
  const faceSeconds = (performance.now() - t1) / 1000;

  if (counts.added + counts.updated > 0) {
    await bumpIndexGeneration(db);
  }
  if (!interrupted) await recordLoadFinished(db, new Date());
  const built = await rebuildIndex(db, opts.index);
  reports.sort((a, b) => a.row - b.row || (a.status === 'warning' ? 1 : -1));
  return {
    file: opts.fileLabel,
    total_rows: total,
    ...counts,
    warnings: reports.filter((r) => r.status === 'warning').length,
    interrupted,
    duration_ms: Math.round(performance.now() - t0),
    photos_per_second: described > 0 && faceSeconds > 0 ? Math.round((described / faceSeconds) * 10) / 10 : 0,
    index_size: built.size,
    rows: reports,
  };
}

/** Writes one batch in one transaction; if a row collides (a concurrent load), retries row by row. */
async function writeBatch(opts: LoadOptions, batch: Ready[], sink: { report: (r: RowReport) => void; saved: (r: Ready) => void }): Promise<void> {
  if (batch.length === 0) return;
  const now = new Date().toISOString();
  try {
    await opts.db.transaction().execute(async (trx) => {
      for (const r of batch) await saveStudent(trx, r.existingId, r.data, r.photo, now);
    });
    for (const r of batch) sink.saved(r);
  } catch {
    for (const r of batch) {
      try {
        await opts.db.transaction().execute((trx) => saveStudent(trx, r.existingId, r.data, r.photo, now));
        sink.saved(r);
      } catch (e) {
        sink.report({ row: r.sheet.row, matricula: r.sheet.matricula, status: 'failed', reason: 'conflict', message: `не записано: ${(e as Error).message.slice(0, 200)}` });
      }
    }
  }
}
