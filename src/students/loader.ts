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
import { locatePhoto, OUTSIDE_MESSAGE, photoLayoutHint, type PhotoLocations } from './photo-paths.js';
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
import { actionsOf, reasonText } from './row-report.js';
import type { LoadLogger, LoadProgress, LoadSummary, LookalikeReport, RowReport } from './load-summary.js';

export type { LoadLogger, LoadProgress, LoadSummary, LookalikeReport, RowReport, RowStatus } from './load-summary.js';

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

/** A row waiting for its photo: the sheet's row, the student it updates (if any) and whether they have a face now. */
interface PhotoTodo {
  sheet: SheetRow;
  existingId: number | undefined;
  hadFace: boolean;
}

/**
 * One load's running state: the row reports and counts, progress, the batch being written and the students
 * changed. Its stages run in order: plan (which rows need a photo), photos (located, read, described and written
 * in batches), lookalikes (the new faces audited), summary.
 */
class LoadRun {
  readonly reports: RowReport[] = [];
  readonly counts = { added: 0, updated: 0, skipped: 0, failed: 0 };
  withoutPhoto = 0;
  done = 0;
  /** Rows that need photo work, and the rows finished before that stage (skips, sheet errors: not photo work). */
  queued = 0;
  doneBeforePhotos = 0;
  /** Student id → row, for every student written. */
  readonly changed = new Map<number, number>();
  processed = 0;
  photosFound = 0;
  photosDescribed = 0;
  interrupted = false;
  faceSeconds = 0;
  /** The first rows (by row number) whose photo was not found: their File path values go into the hint. */
  notFoundExamples: { row: number; path: string }[] = [];
  private batch: Ready[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: LoadOptions,
    private readonly loadId: number,
    readonly total: number,
  ) {}

  /** A row ends either here (skipped, failed) or in saved (added, updated — with its warnings reported too). */
  readonly report = (r: RowReport): void => {
    this.reports.push(r);
    if (r.status === 'skipped') this.counts.skipped++;
    if (r.status === 'failed') this.counts.failed++;
    if (r.status === 'skipped' || r.status === 'failed') this.done++;
    this.opts.log[r.status === 'skipped' ? 'info' : 'warn'](`строка ${r.row} (Matricula ${ID_LABEL(r)}): ${r.reason} — ${r.message}`);
  };

  private readonly saved = (r: Ready, id: number): void => {
    if (r.existingId === undefined) this.counts.added++;
    else this.counts.updated++;
    if (r.data.embedding !== undefined && r.data.photo_problem !== null) this.withoutPhoto++;
    this.done++;
    this.changed.set(id, r.sheet.row);
    for (const w of r.warnings) this.report(w);
  };

  readonly progress = (): void =>
    this.opts.onProgress?.({ done: this.done, total: this.total, ...this.counts, queued: this.queued, processed: this.done - this.doneBeforePhotos });

  /** Stage 1: rows that need face work — not repeated inside the file, and not enrolled already (unless force). */
  async plan(rows: SheetRow[]): Promise<PhotoTodo[]> {
    const keys = await existingKeys(this.opts.db);
    const firstRowOf = new Map<string, number>();
    const passportRow = new Map<string, number>();
    const todo: PhotoTodo[] = [];
    for (const [i, row] of rows.entries()) {
      if (i % 2000 === 1999) await new Promise((r) => setImmediate(r)); // a huge sheet: let requests in between
      const ids = [row.matricula ? `m:${row.matricula}` : '', row.identifier ? `i:${row.identifier}` : ''].filter(Boolean);
      const earlier = ids.map((k) => firstRowOf.get(k)).find((r) => r !== undefined);
      if (earlier !== undefined) {
        this.report({
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
          this.report({
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
        this.report({
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
      if (existingId !== undefined && !this.opts.force && !retry) {
        this.report({
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
    this.queued = todo.length;
    this.doneBeforePhotos = this.done;
    this.progress();
    return todo;
  }

  /** Stage 2: every row's photo, keeping every worker busy (two photos in flight per worker), written in batches. */
  async photos(todo: PhotoTodo[]): Promise<void> {
    const concurrency = Math.max(2, this.opts.engine.size * 2);
    let next = 0;
    const t1 = performance.now();
    let lastYield = t1;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
        while (next < todo.length) {
          if (this.opts.signal?.aborted) {
            this.interrupted = true;
            return;
          }
          const ready = await this.describe(todo[next++]!);
          this.batch.push(ready);
          if (this.batch.length >= BATCH) await this.flush();
          this.processed++;
          // Rows that fail without I/O (thousands in a row) would otherwise never give requests a turn.
          if (performance.now() - lastYield > 20) {
            lastYield = performance.now();
            await new Promise((r) => setImmediate(r));
          }
        }
      }),
    );
    await this.flush();
    this.faceSeconds = (performance.now() - t1) / 1000;
  }

  private flush(): Promise<void> {
    const b = this.batch;
    this.batch = [];
    this.writing = this.writing.then(() => writeBatch(this.opts.db, b, { report: this.report, saved: this.saved })).then(this.progress);
    return this.writing;
  }

  /** One row's photo → what to write: the student with a face, or without one (or keeping the face they had). */
  private async describe(item: PhotoTodo): Promise<Ready> {
    const { opts } = this;
    const row = item.sheet;
    const { row: _r, notes, ...sheetFields } = row;
    const fields = item.existingId === undefined ? { ...sheetFields, load_id: this.loadId } : sheetFields;
    const noted: RowReport[] = (notes ?? []).map((n) => ({
      row: row.row,
      matricula: row.matricula,
      status: 'warning',
      reason: n.reason,
      message: `${n.message} — ячейка не сохранена, остальное записано`,
    }));
    // No usable photo: the student is stored all the same, without a face (or keeps the face they had).
    const fail = (reason: string, message: string): Ready => {
      const kept = item.hadFace;
      return {
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
      };
    };
    if (!row.file_path) return fail('no_file_path', 'фото не указано (столбец «File path» пуст или его нет)');
    const found = await locatePhoto(row.file_path, opts.photos);
    if ('reason' in found) {
      if (found.reason === 'path_outside_docs') return fail(found.reason, OUTSIDE_MESSAGE);
      // Not one photo found usually means a wrong layout, not 2,500 missing photos: the summary says so.
      if (this.photosFound === 0)
        this.notFoundExamples = [...this.notFoundExamples, { row: row.row, path: row.file_path }].sort((a, b) => a.row - b.row).slice(0, 3);
      return fail(found.reason, `файл не найден: ${row.file_path}`);
    }
    this.photosFound++;
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
    this.photosDescribed++;
    try {
      face = await enrolFace(opts.engine, bytes, true);
    } catch (e) {
      if (isAppError(e) && PHOTO_REFUSALS.has(e.code)) return fail(e.code, `${e.message}: ${row.file_path}`);
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
    return {
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
    };
  }

  /**
   * Stage 3: the new faces audited for look-alikes before any search can see them (here or in another instance);
   * the nearest pairs listed, one warning per row of this file.
   */
  async lookalikes(): Promise<{ listed: LookalikeReport[]; total: number }> {
    const { db, roster, lookalikeRadius } = this.opts;
    const changed = this.changed;
    const listed: LookalikeReport[] = [];
    if (changed.size === 0) {
      // nothing written: the stored audit stands
      if (this.queued > 0) await saveLookalikes(db, roster.modelId, [], [], lookalikeRadius);
      return { listed, total: 0 };
    }
    const pairs = await auditChanged(db, roster, [...changed.keys()], lookalikeRadius);
    // The nearest pairs are listed (a sheet of one photo repeated could make thousands); all are stored and refused.
    const shown = pairs.slice(0, MAX_LISTED_PAIRS);
    const who = await studentLabels(
      db,
      shown.flatMap((p) => [p.a, p.b]),
    );
    const label = (id: number) => ({ id, row: changed.get(id) ?? null, ...who.get(id)!, photo_url: `/api/students/${id}/photo` });
    for (const p of shown) listed.push({ distance: Math.round(p.distance * 1000) / 1000, students: [label(p.a), label(p.b)] });
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
      this.report({
        row: changed.get(self)!,
        matricula: names.get(self)!.matricula,
        status: 'warning',
        reason: 'similar_face',
        message: `лицо очень похоже на ${whom} (расстояние ${n.distance.toFixed(3)})${more}: камера не назовёт таких студентов, пока не загружено лучшее фото`,
      });
    }
    await bumpIndexGeneration(db);
    return { listed, total: pairs.length };
  }

  /** Stage 4: the summary, rows in order (a row's warnings after its outcome). */
  summary(t0: number, indexSize: number, lookalikes: { listed: LookalikeReport[]; total: number }, hint: string | undefined): LoadSummary {
    const reports = this.reports.sort((a, b) => a.row - b.row || (a.status === 'warning' ? 1 : -1));
    const byReason: Record<string, number> = {};
    for (const r of reports) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    const { photosDescribed, faceSeconds } = this;
    return {
      file: this.opts.fileLabel,
      load_id: this.loadId,
      total_rows: this.total,
      ...this.counts,
      warnings: reports.filter((r) => r.status === 'warning').length,
      without_photo: this.withoutPhoto,
      actions: actionsOf(reports),
      interrupted: this.interrupted,
      duration_ms: Math.round(performance.now() - t0),
      processed_rows: this.processed,
      photos_described: photosDescribed,
      photos_per_second: photosDescribed > 0 && faceSeconds > 0 ? Math.round((photosDescribed / faceSeconds) * 10) / 10 : 0,
      index_size: indexSize,
      rows: reports,
      by_reason: byReason,
      reason_text: Object.fromEntries(Object.keys(byReason).map((c) => [c, reasonText(c)])),
      lookalikes: lookalikes.listed,
      lookalikes_total: lookalikes.total,
      ...(hint ? { hint } : {}),
    };
  }
}

/** The engine's refusals of an enrolment photo: the student is stored without it (a row report, not a failed load). */
const PHOTO_REFUSALS = new Set(['bad_image', 'image_too_large', 'image_too_small', 'no_face', 'face_too_small', 'face_unclear', 'two_faces']);

async function load(opts: LoadOptions): Promise<LoadSummary> {
  const t0 = performance.now();
  const { db } = opts;
  const sheet = await readSheet(opts.source);
  // The load's record: the students it stores first carry its id (a finished cohort is erased by it).
  const loadId = await startLoad(db, opts.fileLabel, new Date());
  const run = new LoadRun(opts, loadId, sheet.dataRows);
  for (const p of sheet.problems) run.report({ row: p.row, matricula: p.matricula, status: 'failed', reason: p.reason, message: p.message });
  const todo = await run.plan(sheet.rows);
  // Until this load's faces are audited, a restart must audit the whole roster (see auditRosterIfStale).
  if (todo.length > 0) await markAuditPending(db);
  await run.photos(todo);
  const hint =
    run.photosFound === 0 && run.notFoundExamples.length > 0
      ? await photoLayoutHint(
          opts.photos,
          run.notFoundExamples.map((e) => e.path),
        )
      : undefined;
  const lookalikes = await run.lookalikes();
  if (!run.interrupted) await recordLoadFinished(db, new Date());
  await finishLoad(db, loadId, new Date(), run.counts.added, run.counts.updated);
  const built = await rebuildIndex(db, opts.roster);
  return run.summary(t0, built.size, lookalikes, hint);
}
