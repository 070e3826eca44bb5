// Stations as records through HTTP: pairing creates a station with its own token (only its hash stored); the station's
// room comes from the server, whatever the request says (manual pass and recognition with a real face); a station
// without a room on an exam day is told so and its passes say so in the report; rename, move, new link, revoke —
// each without touching the other stations; the shared token still works for scripts; bad input is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { STATION_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from '../helpers/students.js';
import { ADMIN, uploadSchedule, writeSchedule } from '../helpers/schedule.js';
import { tokenHash } from '../../src/stations/repository.js';
import { NO_ROOM_NOTICE, SHARED_TOKEN_NOTICE } from '../../src/http/station-view.js';
import { NO_ROOM } from '../../src/passes/period-report.js';
import type { ErrorJson, PassAnswerJson } from '../helpers/answers.js';

let engine: FaceEngine;
let people: IdPhoto[];
let work: string;
// Noon in Tashkent on an exam day: Математика in А-101 and Физика in Б-204 are open.
const NOW = new Date('2026-12-07T07:00:00Z');
const DAY = '2026-12-07';

interface StationJson {
  id: number;
  name: string;
  room: string | null;
  last_seen: string | null;
  last_address: string | null;
  revoked: string | null;
}
interface Paired {
  station: StationJson;
  url: string;
  warning: string | null;
}

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  people = (await makeIdPhotos(engine, [1, 4])).slice(0, 3);
  work = tempDir();
});

after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function setup(): Promise<{ t: TestApp; close: () => Promise<void> }> {
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, {}, () => NOW);
  const docs = fs.mkdtempSync(path.join(work, 'd-'));
  // 001000 and 001001 sit Математика in А-101; 001002 sits Физика in Б-204.
  await enrol(t, engine, people, docs);
  const file = path.join(docs, 'schedule.xlsx');
  await writeSchedule(file, [
    ['Математика', DAY, '11:30', '13:30', 'А-101', null, '001000, 001001'],
    ['Физика', DAY, '11:30', '13:30', 'Б-204', null, '001002'],
  ]);
  assert.equal((await uploadSchedule(t.app, fs.readFileSync(file))).statusCode, 200);
  return {
    t,
    close: async () => {
      await t.close();
      await tdb.drop();
    },
  };
}

const pair = async (t: TestApp, body: object) => {
  const res = await t.app.inject({ method: 'POST', url: '/admin/stations', headers: ADMIN, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  const p = res.json<Paired>();
  return { ...p, token: decodeURIComponent(/#pair=(.+)$/.exec(p.url)![1]!) };
};
const as = (token: string) => ({ 'x-station-token': token });
const manual = (t: TestApp, token: string, studentId: number, extra: object = {}) =>
  t.app.inject({ method: 'POST', url: '/api/passes', headers: as(token), payload: { student_id: studentId, ...extra } });

test('pairing makes a station with its own token, stored only as a hash; its room is the server’s, not the request’s', async () => {
  const { t, close } = await setup();
  try {
    const ids = new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula!, r.id]));
    const a = await pair(t, { name: ' Вход А-101\u202E ', room: 'А-101' });
    assert.equal(a.station.name, 'Вход А-101', 'direction marks and spaces dropped');
    assert.equal(a.station.room, 'А-101');
    assert.match(a.url, /^http:\/\/localhost\/#pair=[A-Za-z0-9_-]{43}$/);
    assert.match(a.warning ?? '', /localhost/, 'a link to localhost is useless on a door tablet: said so');
    const row = await t.db.selectFrom('stations').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.token_hash, tokenHash(a.token));
    for (const table of ['stations', 'meta'] as const)
      assert.doesNotMatch(JSON.stringify(await t.db.selectFrom(table).selectAll().execute()), new RegExp(a.token));

    const settings = await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(a.token) });
    assert.deepEqual(settings.json<{ station: unknown; notice: unknown }>().station, { id: a.station.id, name: 'Вход А-101', room: 'А-101' });
    assert.equal(settings.json<{ notice: unknown }>().notice, null);

    // 001002 is registered in Б-204: the station in А-101 says «wrong room» even when the request claims Б-204 or no room.
    for (const extra of [{ room: 'Б-204' }, { room: null }, {}]) {
      const r = (await manual(t, a.token, ids.get('001002')!, extra)).json<PassAnswerJson>();
      assert.equal(r.status, 'wrong_room', `${JSON.stringify(extra)}: ${JSON.stringify(r)}`);
    }
    // A recognition naming another room is judged in the station's room too (a real face of 001002).
    const frame = people[2]!.bytes.toString('base64');
    const rec = (
      await t.app.inject({ method: 'POST', url: '/api/recognize', headers: as(a.token), payload: { image: frame, room: 'Б-204', station: 'Б-204 вход' } })
    ).json<PassAnswerJson>();
    assert.equal(rec.status, 'wrong_room', JSON.stringify(rec));
    assert.equal((await t.db.selectFrom('passes').selectAll().execute()).length, 0, 'nobody admitted in the wrong room');

    // 001000 is registered here: admitted, the pass records the station (its name, id and room), not what the request said.
    const ok = (await manual(t, a.token, ids.get('001000')!, { room: 'Б-204', station: 'Чужой пункт' })).json<PassAnswerJson>();
    assert.equal(ok.status, 'ok', JSON.stringify(ok));
    const pass = await t.db.selectFrom('passes').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([pass.station, pass.station_id, pass.station_room, pass.sitting_id !== null], ['Вход А-101', a.station.id, 'А-101', true]);
    const attempt = await t.db.selectFrom('attempts').selectAll().where('status', '=', 'manual').executeTakeFirstOrThrow();
    assert.equal(attempt.station_id, a.station.id);
    // Seen: when and from where.
    const list = (await t.app.inject({ method: 'GET', url: '/admin/stations', headers: ADMIN })).json<{ stations: StationJson[] }>().stations;
    assert.equal(list[0]!.last_address, '127.0.0.1');
    assert.match(list[0]!.last_seen ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    // The shared token still works (scripts): there the request's room counts, and the page is told to re-pair.
    const shared = await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(STATION_TOKEN) });
    assert.deepEqual(shared.json<{ station: unknown; notice: unknown }>(), { result_fade_s: 20, station: null, notice: SHARED_TOKEN_NOTICE });
    assert.equal((await manual(t, STATION_TOKEN, ids.get('001002')!, { room: 'Б-204' })).json<PassAnswerJson>().status, 'ok');
  } finally {
    await close();
  }
});

test('a station without a room on an exam day is told so, and its pass says so in the report', async () => {
  const { t, close } = await setup();
  try {
    const ids = new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula!, r.id]));
    const s = await pair(t, { name: 'Коридор' });
    assert.equal(s.station.room, null);
    const settings = (await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(s.token) })).json<{ notice: string | null }>();
    assert.equal(settings.notice, NO_ROOM_NOTICE);
    const rooms = (await t.app.inject({ method: 'GET', url: '/api/rooms', headers: as(s.token) })).json<{ notice: string | null }>();
    assert.equal(rooms.notice, NO_ROOM_NOTICE);
    assert.equal((await manual(t, s.token, ids.get('001001')!)).json<PassAnswerJson>().status, 'ok', 'the day rule');
    const report = await t.app.inject({ method: 'GET', url: `/admin/export_report?date=${DAY}`, headers: ADMIN });
    assert.equal(report.statusCode, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(report.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const header = (ws.getRow(1).values as unknown[]).map(String);
    const room = ws.getRow(2).getCell(header.indexOf('Аудитория')).value;
    assert.equal(room, NO_ROOM);
  } finally {
    await close();
  }
});

test('rename, move, a new link and revoke touch one station only; a station token cannot administer; bad input is refused', async () => {
  const { t, close } = await setup();
  try {
    const ids = new Map((await t.db.selectFrom('students').select(['id', 'matricula']).execute()).map((r) => [r.matricula!, r.id]));
    const a = await pair(t, { name: 'Вход А-101', room: 'А-101' });
    const b = await pair(t, { name: 'Вход Б-204', room: 'Б-204' });
    const patch = (id: number, body: object) => t.app.inject({ method: 'PATCH', url: `/admin/stations/${id}`, headers: ADMIN, payload: body });
    // Moved to Б-204: 001002 is now admitted at station a.
    assert.equal((await patch(a.station.id, { name: 'Вход А-101 (перенесён)', room: 'Б-204' })).statusCode, 200);
    assert.equal((await manual(t, a.token, ids.get('001002')!)).json<PassAnswerJson>().status, 'ok');
    // A new link: the old token stops, the new one works; station b is untouched.
    const relink = await t.app.inject({ method: 'POST', url: `/admin/stations/${a.station.id}/link`, headers: ADMIN });
    const fresh = decodeURIComponent(/#pair=(.+)$/.exec(relink.json<Paired>().url)![1]!);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(a.token) })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(fresh) })).statusCode, 200);
    // Revoked: refused at once with its reason; b still works.
    assert.equal((await t.app.inject({ method: 'POST', url: `/admin/stations/${a.station.id}/revoke`, headers: ADMIN })).statusCode, 200);
    const refused = await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(fresh) });
    assert.equal(refused.statusCode, 401);
    assert.match(refused.json<ErrorJson>().message, /Пункт отключён администратором/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/settings', headers: as(b.token) })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'POST', url: `/admin/stations/${a.station.id}/revoke`, headers: ADMIN })).statusCode, 404, 'already revoked');
    assert.equal((await patch(a.station.id, { name: 'x' })).statusCode, 404, 'a revoked station is not edited');
    const list = (await t.app.inject({ method: 'GET', url: '/admin/stations', headers: ADMIN })).json<{ stations: StationJson[] }>().stations;
    assert.deepEqual(
      list.map((s) => [s.name, s.revoked !== null]),
      [
        ['Вход Б-204', false],
        ['Вход А-101 (перенесён)', true],
      ],
    );

    // Only the admin administers stations.
    for (const [method, url] of [
      ['GET', '/admin/stations'],
      ['POST', '/admin/stations'],
      ['PATCH', `/admin/stations/${b.station.id}`],
      ['POST', `/admin/stations/${b.station.id}/revoke`],
      ['POST', `/admin/stations/${b.station.id}/link`],
    ] as const) {
      for (const headers of [{}, as(b.token), as(STATION_TOKEN)]) {
        const res = await t.app.inject({ method, url, headers, payload: { name: 'x' } });
        assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
      }
    }
    // Bad names and rooms, a big body, an unknown station.
    for (const body of [{ name: '' }, { name: 'a\u0000b' }, { name: 'x'.repeat(65) }, { name: 'ok', room: 'r'.repeat(65) }, { name: 'ok', room: 'a\nb' }, {}]) {
      const res = await t.app.inject({ method: 'POST', url: '/admin/stations', headers: ADMIN, payload: body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.match(res.json<ErrorJson>().message, /[А-Яа-я]/);
    }
    const big = await t.app.inject({
      method: 'POST',
      url: '/admin/stations',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x', pad: 'y'.repeat(1 << 20) }),
    });
    assert.equal(big.statusCode, 413);
    assert.equal((await patch(999_999, { name: 'x' })).statusCode, 404);
    assert.equal((await t.db.selectFrom('stations').selectAll().execute()).length, 2, 'nothing stored by the refused requests');
  } finally {
    await close();
  }
});
