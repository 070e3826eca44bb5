// Builds a `Face ID docs` folder from real faces: ID-photo crops of face-api's demo photos + an Excel sheet.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import assert from 'node:assert/strict';
import type { FaceEngine } from '../../src/face/engine.js';
import { loadStudents } from '../../src/students/loader.js';
import { rosterOf } from '../../src/context.js';
import type { TestApp } from './app.js';
import { COLUMNS } from '../../src/students/excel.js';
import sharp from 'sharp';
import { cropFace, sampleBytes } from './faces.js';

export interface IdPhoto {
  /** `s<sample>f<face>` */
  key: string;
  sample: number;
  face: number;
  bytes: Buffer;
  /** The face's descriptor in the group photo (a different picture of the same person). */
  descriptor: Float32Array;
}

/** Samples whose faces make plausible ID photos (sample 2's heads are bowed to a phone). */
export const ID_SAMPLES = [1, 3, 4, 5, 6];

/**
 * Faces of the demo photos that show a person already in an earlier sample: the woman of s1f1 is s3f0 (Intel's
 * descriptor puts them 0.73 apart, as close as two photos of one person; face-api's never noticed).
 */
export const SAME_PERSON_AGAIN = new Set(['s3f0']);

/** One ID-style crop per person found in the demo photos (a face showing someone already cropped is left out). */
export async function makeIdPhotos(engine: FaceEngine, samples = ID_SAMPLES): Promise<IdPhoto[]> {
  const out: IdPhoto[] = [];
  for (const s of samples) {
    const r = await engine.describe(sampleBytes(s), { purpose: 'probe', describe: 'all' });
    for (let f = 0; f < r.faces.length; f++) {
      if (SAME_PERSON_AGAIN.has(`s${s}f${f}`)) continue;
      out.push({ key: `s${s}f${f}`, sample: s, face: f, bytes: await cropFace(sampleBytes(s), r.faces[f]!.box, 0.3), descriptor: r.faces[f]!.descriptor! });
    }
  }
  return out;
}

/**
 * What a door camera sends of this person: their sample photo (not the enrolled ID crop) cropped loosely around the
 * face, 480 px wide, JPEG 85 — a real frame of the same person that is not the enrolled picture.
 */
export async function doorFrame(engine: FaceEngine, p: IdPhoto): Promise<Buffer> {
  const seen = await engine.describe(sampleBytes(p.sample), { purpose: 'probe', describe: 'all' });
  return sharp(await cropFace(sampleBytes(p.sample), seen.faces[p.face]!.box, 0.45))
    .resize(480)
    .jpeg({ quality: 85 })
    .toBuffer();
}

export type CellValue = string | number | Date | null | { value: number; numFmt: string } | { formula: string; result: string | number };

export type StudentSheetRow = Partial<Record<(typeof COLUMNS)[number][0], CellValue>>;

/** Writes an .xlsx with the given header (default: the 10 seed columns) and rows. */
export async function writeSheet(file: string, rows: StudentSheetRow[], header: string[] = COLUMNS.map(([n]) => n)): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Students');
  ws.addRow(header);
  for (const r of rows) {
    const row = ws.addRow(header.map(() => null));
    header.forEach((h, i) => {
      const v = r[h as keyof StudentSheetRow];
      const cell = row.getCell(i + 1);
      if (v && typeof v === 'object' && 'numFmt' in v) {
        cell.value = v.value;
        cell.numFmt = v.numFmt;
      } else if (v && typeof v === 'object' && 'formula' in v) {
        cell.value = { formula: v.formula, result: v.result };
      } else if (v instanceof Date) {
        cell.value = v;
        cell.numFmt = 'dd.mm.yyyy';
      } else {
        cell.value = v ?? null;
      }
    });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await wb.xlsx.writeFile(file);
}

/** A student row for an ID photo, with identifiers that carry leading zeros. */
export function studentRow(n: number, filePath: string, over: StudentSheetRow = {}): StudentSheetRow {
  return {
    Matricula: `00${1000 + n}`,
    Lastname: `Иванова-${n}`,
    Firstname: `Анна`,
    Lotin: `Ivanova-${n} Anna`,
    Short: `Ivanova A.`,
    Group: n % 2 ? 'ИТ-21' : 'ЭК-22',
    Идентификатор: `0${700000000 + n}`,
    'Date of birth': '09.01.2004',
    'Passport number': `AB0${1234560 + n}`,
    'File path': filePath,
    ...over,
  };
}

/** Enrols ID photos (and extra rows) into a test app through the real loader; asserts all were added. */
export async function enrol(app: TestApp, engine: FaceEngine, photos: IdPhoto[], dir: string, extraRows: StudentSheetRow[] = []): Promise<void> {
  fs.mkdirSync(path.join(dir, 'photos'), { recursive: true });
  for (const p of photos) fs.writeFileSync(path.join(dir, 'photos', `${p.key}.jpg`), p.bytes);
  const sheet = path.join(dir, 'list.xlsx');
  await writeSheet(sheet, [...photos.map((p, i) => studentRow(i, `${p.key}.jpg`)), ...extraRows]);
  const s = await loadStudents({
    db: app.db,
    engine,
    roster: rosterOf(app.ctx),
    lookalikeRadius: app.ctx.config.lookalikeDistance,
    quality: app.ctx.config.enrolQuality,
    maxImageBytes: 15 << 20,
    source: sheet,
    fileLabel: sheet,
    photos: { photosDir: path.join(dir, 'photos'), faceIdDocs: dir },
    force: false,
    log: { info: () => {}, warn: () => {} },
  });
  assert.equal(s.added, photos.length + extraRows.length, JSON.stringify(s.rows));
}
