// The student-sheet load as a service of the app instance: one at a time (the loader's flag), the progress and the
// last full row report for the admin page, the photos of an uploaded zip unpacked and located, the configured
// sheet when nothing is uploaded. The HTTP route only receives the files and answers.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { FaceEngine } from '../face/engine.js';
import { AppError } from '../errors.js';
import { loadInProgress, loadStudents, type LoadLogger, type LoadProgress, type LoadSummary } from './loader.js';
import { zipPhotoLocations, type PhotoLocations } from './photo-paths.js';
import type { Roster } from './rebuild.js';
import type { FullRowReport } from './row-report.js';
import { extractPhotos } from './zip.js';

export interface StudentLoadRequest {
  /** An uploaded sheet; absent: FACE_ID_DOCS/list of students.xlsx on the server. */
  xlsx?: string;
  /** An uploaded zip of photos and the upload's folder it is unpacked in (removed by the caller). */
  zip?: { file: string; dir: string };
  force: boolean;
  log: LoadLogger;
  /** Told how many zip entries were written and ignored. */
  onZip?: (r: { written: number; ignored: number }) => void;
}

type LoadConfig = Pick<Config, 'faceIdDocs' | 'maxUploadBytes' | 'maxImageBytes' | 'lookalikeDistance' | 'enrolQuality'>;

export class StudentLoadJob {
  private lastProgress: LoadProgress | undefined;
  private lastRows: FullRowReport | undefined;

  constructor(private readonly deps: { db: Db; engine: FaceEngine; config: LoadConfig; roster: () => Roster }) {}

  /** A load is running in this process (a second is refused with 409 before its upload is read). */
  get running(): boolean {
    return loadInProgress();
  }

  /** The running or last load's progress in this process. */
  get progress(): LoadProgress | null {
    return this.lastProgress ?? null;
  }

  /** The last finished load's full row report in this process (GET /admin/load_rows). */
  get rows(): FullRowReport | undefined {
    return this.lastRows;
  }

  async run(req: StudentLoadRequest): Promise<LoadSummary> {
    if (this.running) throw new AppError('conflict', 'Загрузка уже выполняется: дождитесь её окончания');
    const { config } = this.deps;
    const photos = req.zip ? await this.unpack(req.zip, req.onZip) : this.configuredPhotos();
    const source = req.xlsx ?? path.join(config.faceIdDocs, 'list of students.xlsx');
    if (!req.xlsx && !fs.existsSync(source)) {
      throw new AppError('not_found', `Файл не найден на сервере: ${path.basename(config.faceIdDocs)}/list of students.xlsx`);
    }
    const summary = await loadStudents({
      db: this.deps.db,
      engine: this.deps.engine,
      roster: this.deps.roster(),
      lookalikeRadius: config.lookalikeDistance,
      quality: config.enrolQuality,
      maxImageBytes: config.maxImageBytes,
      source,
      fileLabel: req.xlsx ? 'upload' : path.relative(path.dirname(config.faceIdDocs), source),
      photos,
      force: req.force,
      onProgress: (p) => (this.lastProgress = p),
      log: req.log,
    });
    this.lastRows = {
      file: summary.file,
      finished_at: new Date().toISOString(),
      total_rows: summary.total_rows,
      by_reason: summary.by_reason,
      rows: summary.rows,
    };
    return summary;
  }

  /** Without a zip a File path is read only inside FACE_ID_DOCS: path_outside_docs otherwise. */
  private configuredPhotos(): PhotoLocations {
    const docs = this.deps.config.faceIdDocs;
    return { photosDir: path.join(docs, 'photos'), faceIdDocs: docs, root: docs };
  }

  /** The zip's photos in the upload's folder: photos/…, photos at the root, or the whole Face ID docs folder. */
  private async unpack(zip: { file: string; dir: string }, onZip?: StudentLoadRequest['onZip']): Promise<PhotoLocations> {
    const { config } = this.deps;
    const dest = path.join(zip.dir, 'photos');
    fs.mkdirSync(dest);
    const r = await extractPhotos(zip.file, dest, {
      maxEntries: 200_000,
      maxTotalBytes: config.maxUploadBytes * 4,
      maxEntryBytes: config.maxImageBytes,
    });
    fs.rmSync(zip.file);
    onZip?.(r);
    return zipPhotoLocations(dest, config.faceIdDocs);
  }
}
