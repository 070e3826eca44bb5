// The downloadable `list of students.xlsx` template: the loader's exact 10 headers and one example row,
// read back with exceljs and loaded through the real loader (header check, cell types, a real photo).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FaceEngine } from '../../src/face/engine.js';
import { FaceIndex } from '../../src/face/index.js';
import { Lookalikes } from '../../src/face/lookalikes.js';
import { createDb } from '../../src/db/index.js';
import { ALIASES, COLUMNS, ONE_OF_FIELDS, readStudentSheet, REQUIRED_FIELDS } from '../../src/students/excel.js';
import { loadStudents } from '../../src/students/loader.js';
import { templateWorkbook, TEMPLATE_FILE_NAME } from '../../src/students/template.js';
import { databaseKinds } from '../helpers/db.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';

let fixture: IdPhotoFixture | undefined;
let engine: FaceEngine;
let work: string;
let bytes: Buffer;

before(async () => {
  fixture = await startIdPhotoFixture([1]);
  ({ engine, work } = fixture);
  bytes = await templateWorkbook();
});

after(async () => {
  await fixture?.close();
});

test("the template read back with exceljs: first sheet has the 10 headers in the loader's spelling and one example row", async () => {
  assert.equal(TEMPLATE_FILE_NAME, 'list of students.xlsx');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  assert.equal(ws.name, 'Студенты');
  const header = (ws.getRow(1).values as unknown[]).slice(1);
  assert.deepEqual(
    header,
    COLUMNS.map(([name]) => name),
    'exact header names, in order',
  );
  assert.equal(ws.actualRowCount, 2, 'header + one example row');
  const example = ws.getRow(2);
  const cell = (name: string) => example.getCell(COLUMNS.findIndex(([n]) => n === name) + 1);
  // Identifiers are text cells (leading zeros kept), the date is a real Excel date.
  assert.equal(cell('Matricula').value, '00012345');
  assert.equal(cell('Matricula').numFmt, '@');
  assert.equal(cell('Идентификатор').numFmt, '@');
  assert.equal(cell('Passport number').numFmt, '@');
  assert.ok(cell('Date of birth').value instanceof Date);
  assert.equal(ws.getColumn(1).numFmt, '@', 'rows typed in later keep their zeros too');
  const note = ws.getRow(1).getCell(1).note;
  assert.match(typeof note === 'string' ? note : JSON.stringify(note ?? ''), /ведущие нули/, 'each header carries a note');
  // The second sheet explains every column.
  const help = wb.getWorksheet('Пояснения')!;
  const explained = new Map<string, { required: string; aliases: string }>();
  help.eachRow((r) => explained.set(r.getCell(1).text, { required: r.getCell(2).text, aliases: r.getCell(3).text }));
  assert.deepEqual(explained.get('Столбец'), { required: 'Обязательно', aliases: 'Другие названия' });
  for (const [name] of COLUMNS) assert.ok(explained.has(name), `«${name}» explained`);
  // Required exactly where the loader requires the column: a number column (Matricula or Идентификатор), Lastname, Firstname.
  for (const [name, field] of COLUMNS) {
    const required = [...ONE_OF_FIELDS, ...REQUIRED_FIELDS].includes(field);
    assert.match(explained.get(name)!.required, required ? /^да/ : /^нет/, name);
  }
  // Every other name the loader accepts is listed.
  for (const [name, field] of COLUMNS) assert.equal(explained.get(name)!.aliases, ALIASES[field].join(', '), name);
  assert.match(explained.get('Lastname')!.aliases, /Фамилия/);
  assert.match(explained.get('Matricula')!.aliases, /Номер зачётки/);

  // The loader's own parser: no missing column, the example row parses as one good student.
  const sheet = readStudentSheet(wb);
  assert.equal(sheet.problems.length, 0, JSON.stringify(sheet.problems));
  assert.equal(sheet.rows.length, 1);
  const row = sheet.rows[0]!;
  assert.equal(row.matricula, '00012345');
  assert.equal(row.identifier, '0701234567');
  assert.equal(row.date_of_birth, '2004-01-09');
  assert.equal(row.file_path, 'photos/00012345.jpg');

  // The same sheet headed with the first of the other names of each column reads the same.
  COLUMNS.forEach(([, field], i) => (ws.getRow(1).getCell(i + 1).value = ALIASES[field][0]!));
  assert.deepEqual(readStudentSheet(wb).rows, sheet.rows);
});

for (const kind of databaseKinds) {
  test(`the template through the real loader (${kind.name}): without the photo the student is stored «без фото» (file_not_found) with a hint; with it, the re-run gives the face`, async () => {
    const docs = path.join(work, `docs-${kind.name}`);
    fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
    const file = path.join(docs, 'list of students.xlsx');
    fs.writeFileSync(file, bytes);
    const tdb = await kind.make();
    const db = await createDb(tdb.config);
    const load = (force: boolean) =>
      loadStudents({
        db,
        engine,
        roster: { index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), modelId: engine.model.id },
        lookalikeRadius: 0.3,
        quality: 'warn',
        maxImageBytes: 15 << 20,
        source: file,
        fileLabel: file,
        photos: { photosDir: path.join(docs, 'photos'), faceIdDocs: docs },
        force,
        log: { info: () => {}, warn: () => {} },
      });
    try {
      const missing = await load(false);
      assert.equal(missing.total_rows, 1);
      assert.deepEqual(
        missing.rows.map((r) => r.reason),
        ['file_not_found'],
      );
      assert.match(missing.hint ?? '', /Ни одного фото из таблицы не найдено.*нет ни одного фото.*«photos\/00012345\.jpg»/);
      fs.writeFileSync(path.join(docs, 'photos', '00012345.jpg'), fixture!.photos[0]!.bytes);
      assert.equal(missing.added, 1);
      assert.equal(missing.without_photo, 1);
      const loaded = await load(false);
      assert.equal(loaded.updated, 1, JSON.stringify(loaded.rows));
      assert.equal(loaded.without_photo, 0);
      assert.equal(loaded.hint, undefined);
      const st = await db.selectFrom('students').selectAll().executeTakeFirstOrThrow();
      assert.equal(st.matricula, '00012345');
      assert.equal(st.passport_number, 'AB1234567');
    } finally {
      await db.destroy();
      await tdb.drop();
    }
  });
}
