// More students for a served app, through the real loader: e.g. «Фёдорова» for the manual-pass search.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { loadStudents } from '../../src/students/loader.js';
import { rosterOf } from '../../src/context.js';
import type { ServedApp } from './served.js';
import { studentRow, writeSheet, type IdPhoto, type StudentSheetRow } from './students.js';

let batch = 0;

/** Enrols each photo as row `n` of studentRow with the given overrides (name, ids…); asserts all were added. */
export async function addStudents(app: ServedApp, students: { photo: IdPhoto; n: number; over?: StudentSheetRow }[]): Promise<void> {
  const dir = path.join(app.work, `extra-${++batch}`);
  fs.mkdirSync(path.join(dir, 'photos'), { recursive: true });
  for (const s of students) fs.writeFileSync(path.join(dir, 'photos', `${s.photo.key}.jpg`), s.photo.bytes);
  const sheet = path.join(dir, 'list.xlsx');
  await writeSheet(
    sheet,
    students.map((s) => studentRow(s.n, `${s.photo.key}.jpg`, s.over)),
  );
  const { t, engine } = app;
  const summary = await loadStudents({
    db: t.db,
    engine,
    roster: rosterOf(t.ctx),
    lookalikeRadius: t.ctx.config.lookalikeDistance,
    quality: t.ctx.config.enrolQuality,
    maxImageBytes: 15 << 20,
    source: sheet,
    fileLabel: sheet,
    photos: { photosDir: path.join(dir, 'photos'), faceIdDocs: dir },
    force: false,
    log: { info: () => {}, warn: () => {} },
  });
  assert.equal(summary.added, students.length, JSON.stringify(summary.rows));
}
