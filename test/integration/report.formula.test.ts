// F10: text from the sheet or a station that starts like a formula (= + - @ tab CR) is written to the
// pass report with a leading single quote (OWASP), so it stays text once edited or saved as CSV;
// the dates and distances the server writes stay typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { createDb } from '../../src/db/index.js';
import { writeReport, REPORT_COLUMNS } from '../../src/passes/period-report.js';
import { safeCellText } from '../../src/spreadsheet-text.js';
import { databaseKinds } from '../helpers/db.js';

const DANGEROUS = ['=', '+', '-', '@', '\t', '\r'];

for (const kind of databaseKinds) {
  test(`report on ${kind.name}: formula-like text cells begin with ', no cell is a formula, dates and numbers stay typed`, async () => {
    const tdb = await kind.make();
    const db = await createDb(tdb.config);
    try {
      const now = '2026-06-10T04:30:00.000Z';
      for (const [i, c] of DANGEROUS.entries()) {
        const { id } = await db
          .insertInto('students')
          .values({
            matricula: `${c}M${i}`,
            lastname: `${c}cmd|' /C calc'!A0`,
            firstname: `${c}1+1`,
            lotin: `${c}HYPERLINK("http://x.invalid","y")`,
            short: null,
            group: `${c}SUM(A1:A9)`,
            identifier: `${c}7${i}`,
            date_of_birth: null,
            passport_number: `${c}AB${i}`,
            file_path: null,
            embedding: new Uint8Array(16),
            face_score: 0.9,
            face_width: 100,
            face_quality: null,
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('passes')
          .values({ student_id: id, timestamp: now, pass_date: '2026-06-10', source: 'web', station: `${c}station`, distance: 0.3 })
          .execute();
      }
      // An ordinary student: nothing added to ordinary text.
      const { id } = await db
        .insertInto('students')
        .values({
          matricula: '001000',
          lastname: 'Иванова',
          firstname: 'Анна',
          lotin: "O'rolov",
          short: null,
          group: 'ИТ-21',
          identifier: '0700000000',
          date_of_birth: null,
          passport_number: 'AB0123',
          file_path: null,
          embedding: new Uint8Array(16),
          face_score: 0.9,
          face_width: 100,
          face_quality: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('passes')
        .values({ student_id: id, timestamp: now, pass_date: '2026-06-10', source: 'camera', station: 'A-1', distance: 0.25 })
        .execute();

      const chunks: Buffer[] = [];
      for await (const c of writeReport(db, { from: '2026-06-10', to: '2026-06-10' }, 'Asia/Tashkent')) chunks.push(c as Buffer);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      assert.equal(ws.rowCount, 1 + DANGEROUS.length + 1);
      const col = (key: string) => REPORT_COLUMNS.findIndex((c) => c.key === key) + 1;
      const textKeys = ['matricula', 'lastname', 'firstname', 'lotin', 'group', 'identifier', 'passport_number', 'station'];
      let checked = 0;
      for (let r = 2; r <= ws.rowCount; r++) {
        const row = ws.getRow(r);
        row.eachCell({ includeEmpty: false }, (cell) => {
          assert.notEqual(cell.type, ExcelJS.ValueType.Formula, `row ${r}: no formula`);
          assert.ok(
            !(cell.value && typeof cell.value === 'object' && ('formula' in cell.value || 'sharedFormula' in cell.value)),
            `row ${r}: no formula value`,
          );
        });
        const ordinary = row.getCell(col('matricula')).value === '001000';
        for (const key of textKeys) {
          const v = row.getCell(col(key)).value;
          assert.ok(typeof v === 'string', `row ${r} ${key} is text`);
          if (ordinary) {
            assert.ok(!v.startsWith("'"), `row ${r} ${key}: ordinary text untouched: ${v}`);
          } else {
            // (XML reads a stored CR back as LF.)
            assert.ok(v.startsWith("'") && [...DANGEROUS, '\n'].includes(v[1]!), `row ${r} ${key}: ${JSON.stringify(v)}`);
            checked++;
          }
        }
        assert.ok(row.getCell(col('datetime')).value instanceof Date, 'the pass time is a real date');
        assert.equal(typeof row.getCell(col('distance')).value, 'number', 'the distance is a number');
      }
      assert.equal(checked, DANGEROUS.length * textKeys.length);
    } finally {
      await db.destroy();
      await tdb.drop();
    }
  });
}

test('safeCellText: only a formula-like start is prefixed; null and ordinary text pass as they are', () => {
  for (const c of DANGEROUS) assert.equal(safeCellText(`${c}x`), `'${c}x`);
  for (const s of ['Иванова', "O'rolov", 'a=b', '1+1', ' =x', '']) assert.equal(safeCellText(s), s);
  assert.equal(safeCellText(null), null);
});
