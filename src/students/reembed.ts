// After a model switch: re-describes, from their stored photos, the students whose embedding another model made.
import type { Db } from '../db/index.js';
import type { FaceEngine } from '../face/engine.js';
import { encodeEmbedding } from '../face/embedding.js';
import { isAppError } from '../errors.js';
import type { Roster } from './rebuild.js';
import { admitFace, enrolFace } from './enrol.js';
import { bumpIndexGeneration, countStudents, replaceEmbedding, staleStudents } from './repository.js';

export interface ReembedStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  /** The model the embeddings are being moved to. */
  model: string;
  done: number;
  total: number;
  /** Students whose stored photo gave no usable face: they stay unrecognisable until reloaded from Excel. */
  failed: number;
  error?: string;
}

export interface ReembedDeps {
  db: Db;
  engine: FaceEngine;
  roster: Roster;
  /** Look-alike radius of the match rule now in force. */
  lookalikeRadius: number;
  log: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

const PAGE = 64;

/**
 * Embeddings of another model are never compared with the current one's: they are left out of the
 * index (those students get «Лицо не найдено») until this job has re-described their stored photo.
 * Progress is in /admin/load_status. Idempotent across instances: a row is replaced only while it
 * still holds another model's embedding.
 */
export class Reembedder {
  private current: ReembedStatus;
  private running: Promise<void> | undefined;
  /** Students whose stored photo gave no usable face: not tried again by this process (a reload from Excel replaces them). */
  private readonly unusable = new Set<number>();
  private written = 0;

  constructor(private readonly deps: ReembedDeps) {
    this.current = { state: 'idle', model: deps.roster.modelId, done: 0, total: 0, failed: 0 };
  }

  get status(): ReembedStatus {
    return { ...this.current };
  }

  /** Starts (or joins) the background run; resolves when it has finished. */
  start(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const { db, roster, log } = this.deps;
    const model = roster.modelId;
    const stale = (await countStudents(db)) - (await countStudents(db, model));
    const total = Math.max(0, stale - this.unusable.size);
    if (total === 0) {
      // Nothing new to do (the last run's report stays readable in /admin/load_status).
      if (this.current.state === 'idle') this.current = { state: 'done', model, done: 0, total: 0, failed: this.unusable.size };
      return;
    }
    this.current = { state: 'running', model, done: 0, total, failed: 0 };
    this.written = 0;
    log('info', `re-describing ${total} enrolled students with ${model} (embeddings of another model are not compared)`);
    try {
      let after = 0;
      for (;;) {
        const page = await staleStudents(db, model, after, PAGE);
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        await Promise.all(page.filter((s) => !this.unusable.has(s.id)).map((s) => this.redo(s.id, s.photo)));
      }
      // Other instances reload; only when something changed (a bump would bring this instance back here too).
      if (this.written > 0) await bumpIndexGeneration(db);
      this.current.state = 'done';
      log(
        this.current.failed ? 'warn' : 'info',
        `re-description finished: ${this.current.done - this.current.failed} of ${total} students; ${this.current.failed} without a usable stored photo (reload them from Excel)`,
      );
    } catch (e) {
      this.current.state = 'failed';
      this.current.error = (e as Error).message;
      log('error', `re-description stopped: ${(e as Error).message}`);
    }
  }

  private async redo(id: number, photo: Uint8Array | null): Promise<void> {
    const { db, engine, roster } = this.deps;
    try {
      if (!photo) throw new Error('no stored photo');
      const face = await enrolFace(engine, photo);
      const written = await replaceEmbedding(db, id, roster.modelId, {
        embedding: encodeEmbedding(face.descriptor),
        embedding_model: roster.modelId,
        face_score: face.score,
        face_width: face.width,
        face_quality: face.qualityJson,
        photo_problem: null,
      });
      if (written) {
        await admitFace(db, roster, id, face.descriptor, this.deps.lookalikeRadius);
        this.written++;
      }
    } catch (e) {
      this.current.failed++;
      this.unusable.add(id);
      this.deps.log('warn', `student ${id}: stored photo not re-described (${isAppError(e) ? e.code : (e as Error).message})`);
    } finally {
      this.current.done++;
    }
  }
}
