// The downloadable `schedule.xlsx` template: the schedule's 7 columns, two example rows (a sitting by group,
// one by a Matricula list) and a second sheet explaining each column. Text columns are text cells (`@`), so
// Excel keeps a Matricula's leading zeros and a room «101» stays text.
import ExcelJS from 'exceljs';
import { SCHEDULE_COLUMNS, type ScheduleField } from './sheet.js';

export const SCHEDULE_TEMPLATE_FILE_NAME = 'schedule.xlsx';
export const SCHEDULE_SHEET = 'Расписание';
export const SCHEDULE_HELP_SHEET = 'Пояснения';

/** A wall-clock time as exceljs writes an Excel time: a Date on 1899-12-30 (the serial's day 0). */
const excelTime = (h: number, m: number) => new Date(Date.UTC(1899, 11, 30, h, m));

interface ColumnHelp {
  width: number;
  text?: boolean;
  numFmt?: string;
  required: string;
  example: string;
  help: string;
}

const HELP: Record<ScheduleField, ColumnHelp> = {
  exam: { width: 26, text: true, required: 'да', example: 'Математический анализ', help: 'название экзамена, как его увидят пункт пропуска и отчёт' },
  date: {
    width: 12,
    numFmt: 'dd.mm.yyyy',
    required: 'да',
    example: '15.06.2026',
    help: 'дата экзамена: дата Excel или текст дд.мм.гггг / гггг-мм-дд',
  },
  start: {
    width: 9,
    numFmt: 'hh:mm',
    required: 'да',
    example: '09:00',
    help: 'время начала по часам экзаменационного центра (TIMEZONE): время Excel или текст ЧЧ:ММ',
  },
  end: { width: 9, numFmt: 'hh:mm', required: 'да', example: '11:00', help: 'время окончания, позже начала (экзамен не переходит через полночь)' },
  room: {
    width: 12,
    text: true,
    required: 'да',
    example: 'А-101',
    help: 'аудитория, как её называет пункт пропуска; в одной аудитории экзамены не должны пересекаться по времени',
  },
  group: {
    width: 18,
    text: true,
    required: 'Группа или Matricula',
    example: 'ИТ-21; ИТ-22',
    help: 'кто сдаёт: одна или несколько групп из столбца Group списка студентов, через запятую или точку с запятой',
  },
  matricula: {
    width: 30,
    text: true,
    required: 'Группа или Matricula',
    example: '00012345, 00012346',
    help: 'кто сдаёт: номера Matricula через запятую, точку с запятой, пробел или с новой строки; ведущие нули сохраняются. Можно вместе с группой',
  },
};

/** The example rows: one sitting by groups, one by a Matricula list. */
const EXAMPLES: Record<ScheduleField, string | Date | null>[] = [
  {
    exam: 'Математический анализ',
    date: new Date(Date.UTC(2026, 5, 15)),
    start: excelTime(9, 0),
    end: excelTime(11, 0),
    room: 'А-101',
    group: 'ИТ-21; ИТ-22',
    matricula: null,
  },
  {
    exam: 'Физика (пересдача)',
    date: new Date(Date.UTC(2026, 5, 15)),
    start: excelTime(13, 0),
    end: excelTime(14, 30),
    room: 'Б-204',
    group: null,
    matricula: '00012345, 00012346',
  },
];

/** The template as .xlsx bytes: sheet «Расписание» first (the loader reads the first sheet), then «Пояснения». */
export async function scheduleTemplateWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'exam-face-checkin';
  wb.created = new Date(Date.UTC(2024, 0, 1));
  const ws = wb.addWorksheet(SCHEDULE_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = SCHEDULE_COLUMNS.map((c) => ({ header: c.name, key: c.field, width: HELP[c.field].width }));
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
  const formatOf = (f: ScheduleField) => (HELP[f].text ? '@' : HELP[f].numFmt);
  SCHEDULE_COLUMNS.forEach((c, i) => {
    const fmt = formatOf(c.field);
    if (fmt) ws.getColumn(i + 1).numFmt = fmt;
    header.getCell(i + 1).note = `${HELP[c.field].help}. Обязательно: ${HELP[c.field].required}.`;
  });
  header.numFmt = 'General';
  for (const example of EXAMPLES) {
    const row = ws.addRow(example);
    SCHEDULE_COLUMNS.forEach((c, i) => {
      const fmt = formatOf(c.field);
      if (fmt) row.getCell(i + 1).numFmt = fmt;
    });
  }

  const help = wb.addWorksheet(SCHEDULE_HELP_SHEET);
  help.columns = [
    { header: 'Столбец', key: 'name', width: 14 },
    { header: 'Обязательно', key: 'required', width: 22 },
    { header: 'Пример', key: 'example', width: 24 },
    { header: 'Что вписать', key: 'help', width: 110 },
  ];
  help.getRow(1).font = { bold: true };
  for (const c of SCHEDULE_COLUMNS) {
    const h = HELP[c.field];
    help.addRow({ name: c.name, required: h.required, example: h.example, help: h.help });
  }
  help.addRow({});
  for (const line of [
    'Первый лист — расписание: первая строка — заголовки (порядок столбцов любой), дальше по экзамену (аудитория и время) на строку. Строки-примеры замените своими.',
    'Один экзамен в нескольких аудиториях — по строке на аудиторию. Сначала загрузите список студентов: группы и Matricula ищутся в нём.',
    'Повторная загрузка находит экзамен по аудитории и времени начала: меняет название, конец и список сдающих; экзамены, которых нет в файле, не удаляются.',
  ])
    help.addRow({ name: line });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
