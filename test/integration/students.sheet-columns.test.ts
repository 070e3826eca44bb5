// Student sheets as offices make them: only Matricula/Идентификатор, Lastname and Firstname are required
// (missing optional columns load as empty), Russian headers (any case, spaces, ё/е), a title line above the
// header; a missing required column or one field named twice is a clear bad_excel (400 over HTTP).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createDb } from '../../src/db/index.js';
import { AppError } from '../../src/errors.js';
import { FaceIndex } from '../../src/face/index.js';
import { Lookalikes } from '../../src/face/lookalikes.js';
import { ALIASES, COLUMNS, headerKey, readStudentSheet } from '../../src/students/excel.js';
import { loadStudents } from '../../src/students/loader.js';
import { databaseKinds, sqliteDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, multipart, startApp } from '../helpers/app.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';
import type { ErrorJson } from '../helpers/answers.js';

type Cell = string | number | Date | null;

/** A workbook whose first sheet holds `lines` as they are (header and rows, any text). */
function workbook(lines: Cell[][]): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Лист1');
  for (const l of lines) ws.addRow(l);
  return wb;
}

async function xlsx(lines: Cell[][]): Promise<Buffer> {
  return Buffer.from(await workbook(lines).xlsx.writeBuffer());
}

/** The bad_excel message readStudentSheet throws for `lines`. */
function refusal(lines: Cell[][]): string {
  let message = '';
  assert.throws(
    () => readStudentSheet(workbook(lines)),
    (e: unknown) => {
      assert.ok(e instanceof AppError, String(e));
      assert.equal(e.code, 'bad_excel');
      message = e.message;
      return true;
    },
  );
  return message;
}

test('every header spelling names one field only; «ФИО» names none', () => {
  const seen = new Map<string, string>();
  for (const [name, field] of COLUMNS) {
    for (const n of [name, ...ALIASES[field]]) {
      const k = headerKey(n);
      assert.ok(!seen.has(k) || seen.get(k) === field, `«${n}» is both ${seen.get(k)} and ${field}`);
      seen.set(k, field);
    }
  }
  for (const whole of ['ФИО', 'Ф.И.О.', 'фио студента', 'Name', 'Full name']) assert.ok(!seen.has(headerKey(whole)), whole);
  assert.equal(headerKey(' Номер  зачетки* '), headerKey('Номер зачётки'));
  assert.equal(headerKey('DATE_OF_BIRTH'), headerKey('Date of birth'));
});

test('only the required columns: the sheet reads, every other field is empty; Идентификатор may stand for Matricula', () => {
  const sheet = readStudentSheet(
    workbook([
      ['Matricula', 'Lastname', 'Firstname'],
      ['00012345', 'Иванова', 'Анна'],
      ['00012346', null, 'Борис'],
    ]),
  );
  assert.deepEqual(sheet.problems, []);
  assert.deepEqual(sheet.rows, [
    {
      row: 2,
      matricula: '00012345',
      lastname: 'Иванова',
      firstname: 'Анна',
      lotin: null,
      short: null,
      group: null,
      identifier: null,
      date_of_birth: null,
      passport_number: null,
      file_path: null,
    },
    {
      row: 3,
      matricula: '00012346',
      lastname: '',
      firstname: 'Борис',
      lotin: null,
      short: null,
      group: null,
      identifier: null,
      date_of_birth: null,
      passport_number: null,
      file_path: null,
    },
  ]);
  const byId = readStudentSheet(
    workbook([
      ['Идентификатор', 'Фамилия', 'Имя'],
      ['0701234567', 'Иванова', 'Анна'],
    ]),
  );
  assert.deepEqual(
    byId.rows.map((r) => [r.matricula, r.identifier, r.lastname]),
    [[null, '0701234567', 'Иванова']],
  );
});

test('Russian headers (case, spaces, ё/е, asterisks), under a title line, beside an unknown column: each value in its field', () => {
  const sheet = readStudentSheet(
    workbook([
      ['Список студентов группы ИТ-21 на сессию'],
      [
        'ФАМИЛИЯ',
        ' имя ',
        'Отчество',
        'Номер зачетки*',
        'Группа',
        'ФИО латиницей',
        'Краткое  имя',
        'ID',
        'Дата рождения',
        'Серия и номер паспорта',
        'Путь к фото',
      ],
      ['Иванова', 'Анна', 'Петровна', '00012345', 'ИТ-21', 'Ivanova Anna', 'Ivanova A.', '0701234567', '09.01.2004', 'AB1234567', 'photos/00012345.jpg'],
    ]),
  );
  assert.deepEqual(sheet.problems, []);
  assert.deepEqual(sheet.rows, [
    {
      row: 3,
      matricula: '00012345',
      lastname: 'Иванова',
      firstname: 'Анна',
      lotin: 'Ivanova Anna',
      short: 'Ivanova A.',
      group: 'ИТ-21',
      identifier: '0701234567',
      date_of_birth: '2004-01-09',
      passport_number: 'AB1234567',
      file_path: 'photos/00012345.jpg',
    },
  ]);
  // The other aliases of the list in the template.
  const other = readStudentSheet(
    workbook([
      ['№ зачётки', 'Фамилия', 'Имя', 'Латиница', 'Сокращение', 'Паспорт', 'Фото'],
      ['1', 'Б', 'В', 'B V', 'B.', 'AA1', 'b.jpg'],
    ]),
  ).rows[0]!;
  assert.deepEqual([other.matricula, other.lotin, other.short, other.passport_number, other.file_path], ['1', 'B V', 'B.', 'AA1', 'b.jpg']);
});

test('a missing required column: the message names exactly the missing ones and the columns found', () => {
  const noFirst = refusal([
    ['Matricula', 'Lastname', 'Group'],
    ['1', 'Иванова', 'ИТ-21'],
  ]);
  assert.match(noFirst, /нет обязательного столбца «Firstname» \(Имя\) \(строка заголовков 1\)/);
  assert.match(noFirst, /Найдены столбцы: «Matricula», «Lastname», «Group»\./);
  for (const optional of ['Lotin', 'Short', 'Идентификатор', 'Date of birth', 'Passport number', 'File path'])
    assert.ok(!noFirst.includes(`«${optional}»`), `${optional} is not required: ${noFirst}`);

  // «ФИО» in one column is not split into last and first name: said so.
  const whole = refusal([
    ['ФИО', 'Группа', 'Фото'],
    ['Иванова Анна Петровна', 'ИТ-21', 'a.jpg'],
  ]);
  assert.match(whole, /нет обязательных столбцов «Matricula» \(Номер зачётки\) или «Идентификатор», «Lastname» \(Фамилия\), «Firstname» \(Имя\)/);
  assert.match(whole, /Найдены столбцы: «ФИО», «Группа», «Фото»\./);
  assert.match(whole, /Столбец «ФИО» не читается: фамилия и имя нужны в отдельных столбцах/);

  const noNumber = refusal([['Фамилия', 'Имя', 'Группа']]);
  assert.match(noNumber, /нет обязательного столбца «Matricula» \(Номер зачётки\) или «Идентификатор» /);
});

test('one field named twice (two spellings, or the same header twice): refused, naming both columns', () => {
  const two = refusal([
    ['Matricula', 'Фамилия', 'Имя', 'Lastname'],
    ['1', 'Иванова', 'Анна', 'Ivanova'],
  ]);
  assert.match(two, /одно и то же поле названо дважды — «Lastname» \(Фамилия\): «Фамилия» \(столбец B\) и «Lastname» \(столбец D\)/);
  const same = refusal([['Matricula', 'Lastname', 'Firstname', 'Фото', 'File path', 'Фото']]);
  assert.match(same, /«File path» \(Фото\): «Фото» \(столбец D\) и «File path» \(столбец E\) и «Фото» \(столбец F\)/);
});

let fixture: IdPhotoFixture | undefined;

before(async () => {
  fixture = await startIdPhotoFixture([1]);
});

after(async () => {
  await fixture?.close();
});

for (const kind of databaseKinds) {
  test(`Russian headers, only the required columns and a photo column, through the real loader (${kind.name})`, async () => {
    const { engine, photos, work } = fixture!;
    const docs = path.join(work, `docs-${kind.name}`);
    fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
    const two = photos.slice(0, 2);
    assert.equal(two.length, 2);
    for (const p of two) fs.writeFileSync(path.join(docs, 'photos', `${p.key}.jpg`), p.bytes);
    const file = path.join(docs, 'list of students.xlsx');
    fs.writeFileSync(
      file,
      await xlsx([
        ['Фамилия', 'Имя', '№ зачётки', 'Фото'],
        ['Иванова', 'Анна', '00012345', `${two[0]!.key}.jpg`],
        ['Петров', 'Борис', '00012346', `photos/${two[1]!.key}.jpg`],
      ]),
    );
    const tdb = await kind.make();
    const db = await createDb(tdb.config);
    try {
      const s = await loadStudents({
        db,
        engine,
        roster: { index: new FaceIndex(1024, { dim: engine.dim }), lookalikes: new Lookalikes(), modelId: engine.model.id },
        lookalikeRadius: 0.3,
        quality: 'warn',
        maxImageBytes: 15 << 20,
        source: file,
        fileLabel: file,
        photos: { photosDir: path.join(docs, 'photos'), faceIdDocs: docs },
        force: false,
        log: { info: () => {}, warn: () => {} },
      });
      assert.equal(s.added, 2, JSON.stringify(s.rows));
      const stored = await db
        .selectFrom('students')
        .select(['matricula', 'lastname', 'firstname', 'lotin', 'short', 'group', 'identifier', 'date_of_birth', 'passport_number', 'file_path'])
        .orderBy('matricula')
        .execute();
      assert.deepEqual(
        stored.map((r) => ({ ...r })),
        [
          ['00012345', 'Иванова', 'Анна', `${two[0]!.key}.jpg`],
          ['00012346', 'Петров', 'Борис', `photos/${two[1]!.key}.jpg`],
        ].map(([matricula, lastname, firstname, file_path]) => ({
          matricula,
          lastname,
          firstname,
          lotin: null,
          short: null,
          group: null,
          identifier: null,
          date_of_birth: null,
          passport_number: null,
          file_path,
        })),
      );
    } finally {
      await db.destroy();
      await tdb.drop();
    }
  });
}

test('over HTTP: a sheet without a required column is a 400 bad_excel naming it, nothing stored; with only the required ones every row is a student «без фото»', async () => {
  const { engine, work } = fixture!;
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, { FACE_ID_DOCS: path.join(work, 'http-docs'), DATA_DIR: path.join(work, 'http-data') });
  try {
    const send = async (lines: Cell[][]) => {
      const form = multipart([{ name: 'file', filename: 'students.xlsx', data: await xlsx(lines) }]);
      return t.app.inject({ method: 'POST', url: '/admin/load_excel', payload: form.body, headers: { ...form.headers, 'x-admin-token': ADMIN_TOKEN } });
    };
    const res = await send([
      ['№ зачётки', 'Фамилия', 'Группа'],
      ['00012345', 'Иванова', 'ИТ-21'],
    ]);
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json<ErrorJson>();
    assert.equal(body.error, 'bad_excel');
    assert.match(body.message, /нет обязательного столбца «Firstname» \(Имя\).*Найдены столбцы: «№ зачётки», «Фамилия», «Группа»/);
    const twice = await send([['Matricula', 'Lastname', 'Firstname', 'Группа', 'Group']]);
    assert.equal(twice.statusCode, 400, twice.body);
    assert.match(twice.json<ErrorJson>().message, /«Группа» \(столбец D\) и «Group» \(столбец E\)/);
    assert.equal((await t.db.selectFrom('students').select('id').execute()).length, 0);

    // Only the three required columns, no photos at all: every row is a student «без фото», findable at the door.
    const bare = await send([
      ['Номер зачётки', 'Фамилия', 'Имя'],
      ['00012345', 'Иванова', 'Анна'],
      ['00012346', 'Петров', 'Борис'],
    ]);
    assert.equal(bare.statusCode, 200, bare.body);
    const summary = bare.json<{ added: number; without_photo: number; rows: { status: string; reason: string; message: string }[] }>();
    assert.deepEqual([summary.added, summary.without_photo], [2, 2]);
    assert.ok(summary.rows.every((r) => r.status === 'no_photo' && r.reason === 'no_file_path' && /столбец «File path» пуст или его нет/.test(r.message)));
    const found = await t.app.inject({ method: 'GET', url: `/api/students?q=${encodeURIComponent('Петров')}` });
    assert.equal(found.json<{ students: { lastname: string; photo_problem: string | null }[] }>().students[0]?.photo_problem !== null, true);
  } finally {
    await t.close();
    await tdb.drop();
  }
});
