// Schedule test fixtures: students written straight into the database, schedule workbooks with any cells.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/index.js';
import { searchText } from '../../src/db/search-text.js';
import { localDate, localTime } from '../../src/time.js';
import { ADMIN_TOKEN, multipart } from './app.js';

export const ADMIN = { 'x-admin-token': ADMIN_TOKEN };

export interface TestStudent {
  matricula: string | null;
  lastname: string;
  firstname: string;
  group: string | null;
}

/** Students straight into the database (no faces needed for the schedule); returns their ids in order. */
export async function insertStudents(db: Db, students: TestStudent[]): Promise<number[]> {
  const now = new Date().toISOString();
  const ids: number[] = [];
  for (const s of students) {
    const identifier = s.matricula === null ? `id-${s.lastname}` : null;
    const r = await db
      .insertInto('students')
      .values({
        ...s,
        lotin: null,
        short: null,
        identifier,
        // As a load writes it: the folded name first, so the lists sort in Russian order.
        search_text: searchText({ ...s, lotin: null, identifier }),
        date_of_birth: '2004-01-09',
        passport_number: `AB${Math.floor(Math.random() * 1e7)}`,
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
    ids.push(r.id);
  }
  return ids;
}

export type ScheduleCell = string | number | Date | null | { value: number | Date; numFmt: string };

/** A wall-clock time as an Excel time cell (exceljs writes a Date on 1899-12-30 as the day's fraction). */
export const excelTime = (h: number, m: number): ScheduleCell => ({ value: new Date(Date.UTC(1899, 11, 30, h, m)), numFmt: 'hh:mm' });
/** A date as an Excel date cell. */
export const excelDate = (iso: string): ScheduleCell => ({ value: new Date(`${iso}T00:00:00Z`), numFmt: 'dd.mm.yyyy' });

export const SCHEDULE_HEADER = ['Экзамен', 'Дата', 'Начало', 'Конец', 'Аудитория', 'Группа', 'Matricula'];

/** Writes an .xlsx schedule: a title line and a blank row if given, the header, then each row's cells in header order (text cells stay text). */
export async function writeSchedule(file: string, rows: ScheduleCell[][], header: string[] = SCHEDULE_HEADER, title?: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Расписание');
  if (title !== undefined) ws.addRows([[title], []]);
  ws.addRow(header);
  for (const cells of rows) {
    const row = ws.addRow(header.map(() => null));
    cells.forEach((v, i) => {
      const cell = row.getCell(i + 1);
      if (v && typeof v === 'object' && !(v instanceof Date)) {
        cell.value = v.value;
        cell.numFmt = v.numFmt;
      } else {
        cell.value = v;
        if (typeof v === 'string') cell.numFmt = '@';
      }
    });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await wb.xlsx.writeFile(file);
}

/** POST /admin/load_schedule with the file as multipart field `file`. */
export function uploadSchedule(app: FastifyInstance, bytes: Buffer, field = 'file') {
  const form = multipart([{ name: field, filename: 'расписание.xlsx', data: bytes }]);
  return app.inject({ method: 'POST', url: '/admin/load_schedule', payload: form.body, headers: { ...form.headers, ...ADMIN } });
}

const MINUTE = 60_000;

/** Milliseconds from now to the next midnight in `timeZone` (whole minutes): sittings of a browser test must fall on one day. */
export function untilMidnight(timeZone: string): number {
  const [h, m] = localTime(new Date(), timeZone).split(':').map(Number);
  return (24 * 60 - h! * 60 - m!) * MINUTE;
}

/** A sitting straight into the schedule tables, from `from` to `to` (ms, cut to whole minutes), in `timeZone`; its id. */
export async function insertSitting(db: Db, timeZone: string, exam: string, room: string, from: number, to: number): Promise<number> {
  const at = (ms: number) => new Date(Math.floor(ms / MINUTE) * MINUTE);
  const [s, e] = [at(from), at(to)];
  const hhmm = (d: Date) => localTime(d, timeZone).slice(0, 5);
  const now = new Date().toISOString();
  const row = await db
    .insertInto('sittings')
    .values({
      exam,
      room,
      sitting_date: localDate(s, timeZone),
      start_time: hhmm(s),
      end_time: hhmm(e),
      starts_at: s.toISOString(),
      ends_at: e.toISOString(),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
