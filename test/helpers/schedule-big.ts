// Big schedules for load tests and the benchmark: a roster of groups written straight into the database,
// a schedule of N sittings over many rooms and days (with a few overlaps and repeats), and a health probe.
import http from 'node:http';
import type { Db } from '../../src/db/index.js';
import { multipart } from './app.js';
import type { ScheduleCell } from './schedule.js';
import type { TestStudent } from './schedule.js';

export interface BigSchedule {
  students: TestStudent[];
  rows: ScheduleCell[][];
  /** What the first load of `rows` into a database holding only `students` must report. */
  expected: { total: number; added: number; overlap: number; duplicate: number; registrations: number };
}

const GROUP_SIZE = 20;
const ROOMS = 100;
/** Three sittings a day per room: 09:00–11:00, 12:00–14:00, 15:00–17:00. */
const SLOTS = [
  ['09:00', '11:00'],
  ['12:00', '14:00'],
  ['15:00', '17:00'],
] as const;

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const dayOf = (first: string, k: number) => new Date(Date.parse(`${first}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);

/** `groups` groups `ГР-0000`, … of 20 students each, Matricula `M0000000`, … */
export function bigRoster(groups: number): TestStudent[] {
  const students: TestStudent[] = [];
  for (let g = 0; g < groups; g++)
    for (let k = 0; k < GROUP_SIZE; k++)
      students.push({ matricula: `M${pad(g * GROUP_SIZE + k, 7)}`, lastname: `Фамилия${g * GROUP_SIZE + k}`, firstname: 'Имя', group: `ГР-${pad(g, 4)}` });
  return students;
}

/**
 * `rows` schedule rows as an exam office would write them (text cells: date, times, one group per row,
 * every tenth row also three Matricula). Every 100th row is a second sitting in the room just used, an hour
 * after its start (an `overlap`), every 250th repeats the row above's room and start (a `duplicate`).
 */
export function bigSchedule(rows: number, firstDate = '2026-06-01'): BigSchedule {
  const groups = Math.max(30, Math.ceil(rows / 10));
  const students = bigRoster(groups);
  const out: ScheduleCell[][] = [];
  const expected = { total: rows, added: 0, overlap: 0, duplicate: 0, registrations: 0 };
  let slot = 0;
  let prev: { date: string; start: string; end: string; room: string; group: string } | undefined;
  for (let i = 1; i <= rows; i++) {
    if (prev && i % 100 === 0) {
      const later = `${pad(Number(prev.start.slice(0, 2)) + 1, 2)}${prev.start.slice(2)}`;
      out.push([`Пересечение ${i}`, prev.date, later, '18:00', prev.room, prev.group, null]);
      expected.overlap++;
      continue;
    }
    if (prev && i % 250 === 0) {
      out.push([`Повтор ${i}`, prev.date, prev.start, prev.end, prev.room, prev.group, null]);
      expected.duplicate++;
      continue;
    }
    const s = Math.floor(slot / ROOMS) % SLOTS.length;
    const group = slot % groups;
    const extra = slot % 10 === 0 ? [1, 2, 3].map((k) => students[((group + k) % groups) * GROUP_SIZE]!.matricula!).join(', ') : null;
    prev = {
      date: dayOf(firstDate, Math.floor(slot / (ROOMS * SLOTS.length))),
      start: SLOTS[s]![0],
      end: SLOTS[s]![1],
      room: `Ауд. ${pad(slot % ROOMS, 3)}`,
      group: `ГР-${pad(group, 4)}`,
    };
    out.push([`Экзамен ${slot % 400}`, prev.date, prev.start, prev.end, prev.room, prev.group, extra]);
    slot++;
    expected.added++;
    expected.registrations += GROUP_SIZE + (extra ? 3 : 0);
  }
  return { students, rows: out, expected };
}

/** Students in batches of 500 (a 20,000-row schedule needs 40,000 of them: one insert each is minutes on PostgreSQL). */
export async function insertManyStudents(db: Db, students: TestStudent[]): Promise<void> {
  const now = new Date().toISOString();
  for (let i = 0; i < students.length; i += 500) {
    await db
      .insertInto('students')
      .values(
        students.slice(i, i + 500).map((s, k) => ({
          ...s,
          lotin: null,
          short: null,
          identifier: null,
          date_of_birth: '2004-01-09',
          passport_number: `AB${pad(i + k, 7)}`,
          file_path: null,
          embedding: new Uint8Array(16),
          face_score: 0.9,
          face_width: 100,
          face_quality: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
}

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentile. */
export const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

export const latencyStats = (xs: number[]): LatencyStats => ({
  n: xs.length,
  p50: Math.round(percentile(xs, 0.5)),
  p95: Math.round(percentile(xs, 0.95)),
  max: Math.round(Math.max(...xs)),
});

/** GET over one kept-alive connection: a stalled server must not fill its accept queue with a new connection per probe. */
function getStatus(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/**
 * Asks `GET base/api/health` every `periodMs` until stopped. Each latency is counted from the moment the
 * request was due, not from when it left: a probe queued behind a stalled one (or in the same process as a
 * stalled server) cannot send on time, and the stall must still show (coordinated omission).
 */
export function probeHealth(base: string, periodMs = 300): { stop(): Promise<{ latencies: number[]; failures: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failures = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let k = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const due = t0 + k * periodMs;
    k++;
    pending.push(
      getStatus(`${base}/api/health`, agent).then(
        (status) => {
          // A 503 (the event loop over MAX_EVENT_LOOP_DELAY_MS) is an answer too, but a failed one.
          if (status !== 200) failures++;
          latencies.push(performance.now() - due);
        },
        () => void failures++,
      ),
    );
    // The next request is due on the fixed grid; if this tick ran late, the overdue ones go at once.
    timer = setTimeout(tick, Math.max(0, t0 + k * periodMs - performance.now()));
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(pending);
      agent.destroy();
      return { latencies, failures };
    },
  };
}

export interface ProbedImport {
  status: number;
  body: string;
  import_ms: number;
  health: LatencyStats;
  /** Health answers other than 200. */
  failures: number;
}

/** POST with node:http: no client-side timeout (before the fix a 20,000-row import ran for minutes). */
function post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /admin/load_schedule to a listening server while the health probe runs; the probe starts a little before. */
export async function importWhileProbing(base: string, adminToken: string, bytes: Buffer, periodMs = 300): Promise<ProbedImport> {
  const form = multipart([{ name: 'file', filename: 'schedule.xlsx', data: bytes }]);
  const probe = probeHealth(base, periodMs);
  await new Promise((r) => setTimeout(r, periodMs));
  const t = performance.now();
  const res = await post(`${base}/admin/load_schedule`, { ...form.headers, 'x-admin-token': adminToken }, form.body);
  const import_ms = Math.round(performance.now() - t);
  const { latencies, failures } = await probe.stop();
  return { status: res.status, body: res.body, import_ms, health: latencyStats(latencies), failures };
}
