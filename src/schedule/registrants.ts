// Who each schedule row means: its groups (case and spacing aside) and Matricula, looked up in the roster in
// batches of the names the file uses (not the whole roster), then matched row by row with turns in between.
import type { Db } from '../db/index.js';
import type { ScheduleRow } from './sheet.js';
import { groupNames, studentsByMatricula, studentsOfGroups } from './store.js';
import { breathe } from './turns.js';

export interface Roster {
  /** Normalised group name → student ids. */
  byGroup: Map<string, number[]>;
  /** Matricula → student id (one: the column is unique). */
  byMatricula: Map<string, number[]>;
}

/** A row's verdict on its students: who, and what was not found. */
export interface Registrants {
  students: Set<number>;
  unknownGroups: string[];
  unknownMatriculas: string[];
}

export const normalGroup = (g: string): string => g.replace(/\s+/g, ' ').trim().toLowerCase();

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

/** The roster's students of every group and Matricula the rows name. */
export async function lookUpRoster(db: Db, rows: readonly Pick<ScheduleRow, 'groups' | 'matriculas'>[]): Promise<Roster> {
  const groups = new Set<string>();
  const matriculas = new Set<string>();
  for (const r of rows) {
    for (const g of r.groups) groups.add(normalGroup(g));
    for (const m of r.matriculas) matriculas.add(m);
  }
  const roster: Roster = { byGroup: new Map(), byMatricula: new Map() };
  if (groups.size > 0) {
    // The roster's spellings of the file's groups («ИТ-21» for «ит-21 »): SQL cannot lower-case Cyrillic on SQLite.
    const spellings = (await groupNames(db)).filter((n) => groups.has(normalGroup(n)));
    for (const s of await studentsOfGroups(db, spellings)) push(roster.byGroup, normalGroup(s.group), s.id);
  }
  if (matriculas.size > 0) for (const s of await studentsByMatricula(db, [...matriculas])) push(roster.byMatricula, s.matricula, s.id);
  return roster;
}

/** Each row's students and the names not found, in the rows' order. */
export async function registrantsOf(rows: readonly Pick<ScheduleRow, 'groups' | 'matriculas'>[], roster: Roster): Promise<Registrants[]> {
  const out: Registrants[] = [];
  for (const row of rows) {
    const r: Registrants = { students: new Set(), unknownGroups: [], unknownMatriculas: [] };
    for (const g of row.groups) {
      const ids = roster.byGroup.get(normalGroup(g));
      if (ids) for (const id of ids) r.students.add(id);
      else r.unknownGroups.push(g);
    }
    for (const m of row.matriculas) {
      const ids = roster.byMatricula.get(m);
      if (ids) for (const id of ids) r.students.add(id);
      else r.unknownMatriculas.push(m);
    }
    out.push(r);
    await breathe();
  }
  return out;
}
