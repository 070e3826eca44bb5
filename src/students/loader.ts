// Excel rows → photos → embeddings (all worker threads) → batched transactional upserts → summary.
import fs from 'node:fs/promises';
import type { Db } from '../db/index.js';
import type { FaceEngine } from '../face/engine.js';
import { encodeEmbedding } from '../face/embedding.js';
import { AppError, isAppError } from '../errors.js';
import { rebuildIndex, type Roster } from './rebuild.js';
import { auditChanged, enrolFace } from './enrol.js';
import { maskPassport } from '../privacy.js';
import type { SheetRow } from './excel.js';
import { readSheet } from './sheet-reader.js';
import { locatePhoto, OUTSIDE_MESSAGE, photoLayoutHint, type PhotoLocations } from './photos.js';
import {
  bumpIndexGeneration,
  existingKeys,
  finishLoad,
  markAuditPending,
  noFace,
  recordLoadFinished,
  saveLookalikes,
  startLoad,
  studentLabels,
} from './repository.js';
import { writeBatch, type Ready } from './write-batch.js';
import { actionsOf, type LoadAction } from './row-report.js';

/** `no_photo`: the student is stored, but without a face (the camera cannot name them; a manual pass can). */
export type RowStatus = 'skipped' | 'failed' | 'warning' | 'no_photo';

export interface RowReport {
  row: number;
  matricula: string | null;
  status: RowStatus;
  /** skipped: exists, duplicate | failed: missing_id, missing_name, conflict | no_photo (stored without a face) or warning
   *  (a student who keeps the face they had): no_file_path, file_not_found, path_outside_docs, bad_image, image_too_large,
   *  image_too_small, no_face, face_too_small, face_unclear, two_faces, poor_photo (ENROL_QUALITY=refuse) | warning:
   *  bad_date, bad_cell (an optional cell dropped), multiple_faces, poor_photo, similar_face (a look-alike: see
   *  `lookalikes`), duplicate_passport */
  reason: string;
  message: string;
}

export interface LoadSummary {
  file: string;
  /** The load's record (table loads): its students are erased as a cohort by it. */
  load_id?: number;
  total_rows: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
  warnings: number;
  /** Students of this file stored (or left) without a face: the camera cannot name them, a manual pass can. */
  without_photo: number;
  /** What needs the office's action, by kind, most important first: students without photo, then the warnings, each with advice. */
  actions: LoadAction[];
  interrupted: boolean;
  duration_ms: number;
  /** Rows that went to the photo stage (not skipped, not refused by the sheet check): the speed is measured over these. */
  processed_rows: number;
  /** Of them, photos read and given to the face engine. */
  photos_described: number;
  /** Photos described per second of photo work (0 when nothing needed it, e.g. a re-run that skips every row). */
  photos_per_second: number;
  index_size: number;
  rows: RowReport[];
  /** How many rows ended with each reason (all of them, also where `rows` is cut short for HTTP). */
  by_reason: Record<string, number>;
  /** Pairs of enrolled students (at least one loaded now) the camera cannot tell apart: neither is named until a better photo is loaded (the nearest MAX_LISTED_PAIRS). */
  lookalikes: LookalikeReport[];
  lookalikes_total: number;
  /** Set when not one photo of the sheet was found: the layout expected, what is there, a few File path values (Russian). */
  hint?: string;
}

export interface LookalikeReport {
  distance: number;
  students: { id: number; row: number | null; matricula: string | null; name: string; photo_url: string }[];
}

export interface LoadProgress {
  done: number;
  total: number;
  added: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows that need photo work (known once the sheet is checked; 0 before) and how many of them are finished: the speed is theirs. */
  queued: number;
  processed: number;
}

export interface LoadLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface LoadOptions {
  db: Db;
  engine: FaceEngine;
  roster: Roster;
  /** Faces closer than this are look-alikes (the match threshold). */
  lookalikeRadius: number;
  /** The enrolment-photo gate (ENROL_QUALITY). */
  quality: 'warn' | 'refuse' | 'off';
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

const BATCH = 50;
/** Look-alike pairs listed in a summary; the rest are counted (lookalikes_total) and shown on the admin page. */
const MAX_LISTED_PAIRS = 500;

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
  const sheet = await readSheet(opts.source);
  // The load's record: the students it stores first carry its id (a finished cohort is erased by it).
  const loadId = await startLoad(db, opts.fileLabel, new Date());
  const reports: RowReport[] = [];
  const counts = { added: 0, updated: 0, skipped: 0, failed: 0 };
  let withoutPhoto = 0;
  const total = sheet.dataRows;
  let done = 0;
  // A row ends either in report (skipped, failed) or in saved (added, updated — with its warnings reported too).
  const report = (r: RowReport) => {
    reports.push(r);
    if (r.status === 'skipped') counts.skipped++;
    if (r.status === 'failed') counts.failed++;
    if (r.status === 'skipped' || r.status === 'failed') done++;
    log[r.status === 'skipped' ? 'info' : 'warn'](`строка ${r.row} (Matricula ${ID_LABEL(r)}): ${r.reason} — ${r.message}`);
  };
  // Rows finished before the photo stage (skips, sheet errors) are not photo work: `processed` counts only the rest.
  let queued = 0;
  let doneBeforePhotos = 0;
  const progress = () => opts.onProgress?.({ done, total, ...counts, queued, processed: done - doneBeforePhotos });
  const changed = new Map<number, number>(); // student id → row
  const saved = (r: Ready, id: number) => {
    if (r.existingId === undefined) counts.added++;
    else counts.updated++;
    if (r.data.embedding !== undefined && r.data.photo_problem !== null) withoutPhoto++;
    done++;
    changed.set(id, r.sheet.row);
    for (const w of r.warnings) report(w);
  };

  for (const p of sheet.problems) report({ row: p.row, matricula: p.matricula, status: 'failed', reason: p.reason, message: p.message });

  // Rows that need face work: not repeated inside the file, and not enrolled already (unless force).
  const keys = await existingKeys(db);
  const firstRowOf = new Map<string, number>();
  const passportRow = new Map<string, number>();
  const todo: { sheet: SheetRow; existingId: number | undefined; hadFace: boolean }[] = [];
  for (const [i, row] of sheet.rows.entries()) {
    if (i % 2000 === 1999) await new Promise((r) => setImmediate(r)); // a huge sheet: let requests in between
    const ids = [row.matricula ? `m:${row.matricula}` : '', row.identifier ? `i:${row.identifier}` : ''].filter(Boolean);
    const earlier = ids.map((k) => firstRowOf.get(k)).find((r) => r !== undefined);
    if (earlier !== undefined) {
      report({
        row: row.row,
        matricula: row.matricula,
        status: 'skipped',
        reason: 'duplicate',
        message: `повтор: тот же Matricula или Идентификатор уже в строке ${earlier}`,
      });
      continue;
    }
    for (const k of ids) firstRowOf.set(k, row.row);
    // Two students with one passport number is a slip in the sheet; the log shows the number masked.
    if (row.passport_number) {
      const same = passportRow.get(row.passport_number);
      if (same === undefined) passportRow.set(row.passport_number, row.row);
      else
        report({
          row: row.row,
          matricula: row.matricula,
          status: 'warning',
          reason: 'duplicate_passport',
          message: `номер паспорта ${maskPassport(row.passport_number)} уже в строке ${same}: проверьте таблицу`,
        });
    }
    const byM = row.matricula ? keys.byMatricula.get(row.matricula) : undefined;
    const byI = row.identifier ? keys.byIdentifier.get(row.identifier) : undefined;
    if (byM !== undefined && byI !== undefined && byM !== byI) {
      report({
        row: row.row,
        matricula: row.matricula,
        status: 'failed',
        reason: 'conflict',
        message: 'Matricula и Идентификатор принадлежат двум разным студентам в базе',
      });
      continue;
    }
    const existingId = byM ?? byI;
    const hadFace = existingId !== undefined && !keys.withoutFace.has(existingId);
    // A student stored without a photo is tried again when the sheet names one (the office may have added the file).
    const retry = existingId !== undefined && !hadFace && row.file_path !== null;
    if (existingId !== undefined && !opts.force && !retry) {
      report({
        row: row.row,
        matricula: row.matricula,
        status: 'skipped',
        reason: 'exists',
        message: 'студент уже в базе (перезаписать: --force или «Перезаписать существующих»)',
      });
      continue;
    }
    todo.push({ sheet: row, existingId, hadFace });
  }
  queued = todo.length;
  doneBeforePhotos = done;
  progress();
  // Until this load's faces are audited, a restart must audit the whole roster (see auditRosterIfStale).
  if (todo.length > 0) await markAuditPending(db);

  let batch: Ready[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = () => {
    const b = batch;
    batch = [];
    writing = writing.then(() => writeBatch(opts.db, b, { report, saved })).then(progress);
    return writing;
  };

  // Not one photo found (all file_not_found) usually means a wrong layout, not 2,500 missing photos: the summary says so.
  let photosFound = 0;
  let processed = 0;
  let photosDescribed = 0;
  /** The first rows (by row number) whose photo was not found: their File path values go into the hint. */
  let notFoundExamples: { row: number; path: string }[] = [];
  const describeOne = async (item: (typeof todo)[number]): Promise<void> => {
    const row = item.sheet;
    const { row: _r, notes, ...sheetFields } = row;
    const fields = item.existingId === undefined ? { ...sheetFields, load_id: loadId } : sheetFields;
    const noted: RowReport[] = (notes ?? []).map((n) => ({
      row: row.row,
      matricula: row.matricula,
      status: 'warning',
      reason: n.reason,
      message: `${n.message} — ячейка не сохранена, остальное записано`,
    }));
    // No usable photo: the student is stored all the same, without a face (or keeps the face they had).
    const fail = async (reason: string, message: string): Promise<void> => {
      const kept = item.hadFace;
      batch.push({
        sheet: row,
        existingId: item.existingId,
        data: kept ? fields : { ...fields, ...noFace(message) },
        photo: undefined,
        warnings: [
          {
            row: row.row,
            matricula: row.matricula,
            status: kept ? 'warning' : 'no_photo',
            reason,
            message: kept ? `${message} — фото не обновлено, прежнее оставлено` : `${message} — студент записан без фото: пропустить можно только вручную`,
          },
          ...noted,
        ],
      });
      if (batch.length >= BATCH) await flush();
    };
    if (!row.file_path) return fail('no_file_path', 'фото не указано (столбец «File path» пуст или его нет)');
    const found = await locatePhoto(row.file_path, opts.photos);
    if ('reason' in found) {
      if (found.reason === 'path_outside_docs') return fail(found.reason, OUTSIDE_MESSAGE);
      if (photosFound === 0) notFoundExamples = [...notFoundExamples, { row: row.row, path: row.file_path }].sort((a, b) => a.row - b.row).slice(0, 3);
      return fail(found.reason, `файл не найден: ${row.file_path}`);
    }
    photosFound++;
    const file = found.file;
    let bytes: Buffer;
    try {
      const st = await fs.stat(file);
      if (st.size > opts.maxImageBytes) return fail('image_too_large', `файл больше ${Math.round(opts.maxImageBytes / 1048576)} МБ: ${row.file_path}`);
      bytes = await fs.readFile(file);
    } catch (e) {
      return fail('file_not_found', `не удалось прочитать файл ${row.file_path}: ${(e as Error).message}`);
    }
    let face;
    photosDescribed++;
    try {
      face = await enrolFace(engine, bytes, true);
    } catch (e) {
      if (
        isAppError(e) &&
        (e.code === 'bad_image' ||
          e.code === 'image_too_large' ||
          e.code === 'image_too_small' ||
          e.code === 'no_face' ||
          e.code === 'face_too_small' ||
          e.code === 'face_unclear' ||
          e.code === 'two_faces')
      )
        return fail(e.code, `${e.message}: ${row.file_path}`);
      throw e;
    }
    const warnings: RowReport[] = [...noted];
    const warn = (reason: string, message: string) => warnings.push({ row: row.row, matricula: row.matricula, status: 'warning', reason, message });
    if (face.faces > 1) warn('multiple_faces', `на фото ${face.faces} лица: взято самое крупное`);
    if (opts.quality === 'refuse' && face.issues.length > 0) {
      return fail('poor_photo', `фото не годится для распознавания: ${face.issues.map((i) => i.message).join(', ')}: ${row.file_path}`);
    }
    // Several faces are already said by multiple_faces.
    const issues = face.issues.filter((i) => i.issue !== 'several_faces');
    if (opts.quality === 'warn' && issues.length > 0) warn('poor_photo', `фото плохо подходит для распознавания: ${issues.map((i) => i.message).join(', ')}`);
    batch.push({
      sheet: row,
      existingId: item.existingId,
      data: {
        ...fields,
        embedding: encodeEmbedding(face.descriptor),
        embedding_model: opts.roster.modelId,
        face_score: face.score,
        face_width: face.width,
        face_quality: face.qualityJson,
        photo_problem: null,
      },
      photo: face.photo,
      warnings,
    });
    if (batch.length >= BATCH) await flush();
  };

  // Keep every worker busy: two photos in flight per worker (one describing, one decoding/queued).
  const concurrency = Math.max(2, engine.size * 2);
  let next = 0;
  let interrupted = false;
  const t1 = performance.now();
  let lastYield = t1;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
      while (next < todo.length) {
        if (opts.signal?.aborted) {
          interrupted = true;
          return;
        }
        await describeOne(todo[next++]!);
        processed++;
        // Rows that fail without I/O (thousands in a row) would otherwise never give requests a turn.
        if (performance.now() - lastYield > 20) {
          lastYield = performance.now();
          await new Promise((r) => setImmediate(r));
        }
      }
    }),
  );
  await flush();
  const faceSeconds = (performance.now() - t1) / 1000;
  const hint =
    photosFound === 0 && notFoundExamples.length > 0
      ? await photoLayoutHint(
          opts.photos,
          notFoundExamples.map((e) => e.path),
        )
      : undefined;

  // New faces are audited for look-alikes before any search can see them (here or in another instance).
  const lookalikes: LookalikeReport[] = [];
  let lookalikesTotal = 0;
  if (changed.size > 0) {
    const pairs = await auditChanged(db, opts.roster, [...changed.keys()], opts.lookalikeRadius);
    lookalikesTotal = pairs.length;
    // The nearest pairs are listed (a sheet of one photo repeated could make thousands); all are stored and refused.
    const shown = pairs.slice(0, MAX_LISTED_PAIRS);
    const who = await studentLabels(
      db,
      shown.flatMap((p) => [p.a, p.b]),
    );
    const label = (id: number) => ({ id, row: changed.get(id) ?? null, ...who.get(id)!, photo_url: `/api/students/${id}/photo` });
    for (const p of shown) lookalikes.push({ distance: Math.round(p.distance * 1000) / 1000, students: [label(p.a), label(p.b)] });
    // One warning per row of this file: its nearest look-alike, and how many more it has.
    const nearest = new Map<number, { other: number; distance: number; count: number }>();
    for (const p of pairs) {
      for (const [self, other] of [
        [p.a, p.b],
        [p.b, p.a],
      ] as const) {
        if (!changed.has(self)) continue;
        const n = nearest.get(self);
        if (!n) nearest.set(self, { other, distance: p.distance, count: 1 });
        else n.count++;
      }
    }
    const names = await studentLabels(
      db,
      [...nearest].flatMap(([self, n]) => [self, n.other]),
    );
    for (const [self, n] of nearest) {
      const otherRow = changed.get(n.other);
      const o = names.get(n.other)!;
      const whom = otherRow === undefined ? `${o.name} (${o.matricula ?? '—'})` : `строки ${otherRow} этого файла`;
      const more = n.count > 1 ? ` и ещё на ${n.count - 1}` : '';
      report({
        row: changed.get(self)!,
        matricula: names.get(self)!.matricula,
        status: 'warning',
        reason: 'similar_face',
        message: `лицо очень похоже на ${whom} (расстояние ${n.distance.toFixed(3)})${more}: камера не назовёт таких студентов, пока не загружено лучшее фото`,
      });
    }
    await bumpIndexGeneration(db);
  } else if (todo.length > 0) {
    await saveLookalikes(db, opts.roster.modelId, [], [], opts.lookalikeRadius); // nothing written: the stored audit stands
  }
  if (!interrupted) await recordLoadFinished(db, new Date());
  await finishLoad(db, loadId, new Date(), counts.added, counts.updated);
  const built = await rebuildIndex(db, opts.roster);
  reports.sort((a, b) => a.row - b.row || (a.status === 'warning' ? 1 : -1));
  const byReason: Record<string, number> = {};
  for (const r of reports) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  return {
    file: opts.fileLabel,
    load_id: loadId,
    total_rows: total,
    ...counts,
    warnings: reports.filter((r) => r.status === 'warning').length,
    without_photo: withoutPhoto,
    actions: actionsOf(reports),
    interrupted,
    duration_ms: Math.round(performance.now() - t0),
    processed_rows: processed,
    photos_described: photosDescribed,
    photos_per_second: photosDescribed > 0 && faceSeconds > 0 ? Math.round((photosDescribed / faceSeconds) * 10) / 10 : 0,
    index_size: built.size,
    rows: reports,
    by_reason: byReason,
    lookalikes,
    lookalikes_total: lookalikesTotal,
    ...(hint ? { hint } : {}),
  };
}
