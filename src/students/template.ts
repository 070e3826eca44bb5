// The downloadable `list of students.xlsx` template: the loader's 10 columns, one example row, and a
// second sheet explaining each column (required or not, the other names accepted). Identifier columns are
// text cells, so Excel keeps leading zeros.
import ExcelJS from 'exceljs';
import { ALIASES, COLUMNS, type Field } from './excel.js';

export const TEMPLATE_FILE_NAME = 'list of students.xlsx';

interface ColumnHelp {
  example: string | Date;
  width: number;
  /** Stored as text (`@`): typed numbers keep their leading zeros and never become 1.2E+9. */
  text?: boolean;
  required: string;
  help: string;
}

/** One entry per column of COLUMNS (the loader's own list: the template cannot drift from it). */
const HELP: Record<Field, ColumnHelp> = {
  matricula: {
    example: '00012345',
    width: 13,
    text: true,
    required: 'да: Matricula или Идентификатор',
    help: 'номер студента; ведущие нули сохраняются. Нужен столбец Matricula или Идентификатор (можно оба); строка без обоих номеров пропускается',
  },
  lastname: { example: 'Иванова', width: 16, required: 'да (в строке — фамилия или имя)', help: 'фамилия' },
  firstname: { example: 'Анна', width: 14, required: 'да (в строке — фамилия или имя)', help: 'имя' },
  lotin: { example: 'Ivanova Anna', width: 18, required: 'нет', help: 'имя латиницей (как в документах)' },
  short: { example: 'Ivanova A.', width: 14, required: 'нет', help: 'краткое имя' },
  group: { example: 'ИТ-21', width: 10, required: 'нет', help: 'группа: по ней фильтруется отчёт' },
  identifier: {
    example: '0701234567',
    width: 15,
    text: true,
    required: 'да: Matricula или Идентификатор',
    help: 'второй номер студента; ведущие нули сохраняются',
  },
  date_of_birth: { example: new Date(Date.UTC(2004, 0, 9)), width: 14, required: 'нет', help: 'дата Excel или текст дд.мм.гггг / гггг-мм-дд' },
  passport_number: {
    example: 'AB1234567',
    width: 16,
    text: true,
    required: 'нет',
    help: 'номер паспорта; на пункте пропуска показывается только замаскированным',
  },
  file_path: {
    example: 'photos/00012345.jpg',
    width: 24,
    required: 'нет (без фото студента не узнать по лицу)',
    help:
      'фото студента (JPEG, PNG или WebP): имя файла в папке photos (00012345.jpg) или путь от папки «Face ID docs» (photos/00012345.jpg); ' +
      'путь Windows (C:\\…\\Face ID docs\\photos\\00012345.jpg) тоже найдётся в папке photos',
  },
};

/** The template as .xlsx bytes: sheet «Студенты» (header + one example row) first, as the loader reads the first sheet. */
export async function templateWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'exam-face-checkin';
  wb.created = new Date(Date.UTC(2024, 0, 1)); // fixed: the same bytes' meaning on every download
  const ws = wb.addWorksheet('Студенты', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = COLUMNS.map(([name, field]) => ({ header: name, key: field, width: HELP[field].width }));
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
  COLUMNS.forEach(([, field], i) => {
    const col = ws.getColumn(i + 1);
    if (HELP[field].text) col.numFmt = '@';
    if (field === 'date_of_birth') col.numFmt = 'dd.mm.yyyy';
    header.getCell(i + 1).note = `${HELP[field].help}. Обязательно: ${HELP[field].required}.`;
  });
  header.numFmt = 'General';
  const example = ws.addRow(Object.fromEntries(COLUMNS.map(([, field]) => [field, HELP[field].example])));
  COLUMNS.forEach(([, field], i) => {
    const cell = example.getCell(i + 1);
    if (HELP[field].text) cell.numFmt = '@';
    if (field === 'date_of_birth') cell.numFmt = 'dd.mm.yyyy';
  });

  const help = wb.addWorksheet('Пояснения');
  help.columns = [
    { header: 'Столбец', key: 'name', width: 18 },
    { header: 'Обязательно', key: 'required', width: 24 },
    { header: 'Другие названия', key: 'aliases', width: 40 },
    { header: 'Пример', key: 'example', width: 22 },
    { header: 'Что вписать', key: 'help', width: 100 },
  ];
  help.getRow(1).font = { bold: true };
  for (const [name, field] of COLUMNS) {
    const h = HELP[field];
    help.addRow({
      name,
      required: h.required,
      aliases: ALIASES[field].join(', '),
      example: h.example instanceof Date ? '09.01.2004' : h.example,
      help: h.help,
    });
  }
  help.addRow({});
  for (const line of [
    'Первый лист — студенты: первая строка — заголовки (порядок столбцов любой), дальше по студенту на строку. Строку-пример замените своими.',
    'Столбец можно назвать как в первой колонке или одним из «Других названий» (регистр, пробелы и ё/е не важны). Необязательных столбцов может не быть; другие столбцы (например, «Отчество») не читаются.',
    'Одно поле — один столбец: «Фамилия» и «Lastname» вместе — ошибка. «ФИО» одним столбцом не читается: нужны отдельные «Фамилия» и «Имя».',
    'Рядом с таблицей — папка photos с фото. Для загрузки через страницу администратора: таблица и zip-архив папки photos (или всей папки «Face ID docs»).',
    'Повторная загрузка того же файла пропускает уже загруженных (Matricula или Идентификатор уже в базе); «Перезаписать» — обновить их.',
  ])
    help.addRow({ name: line });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
