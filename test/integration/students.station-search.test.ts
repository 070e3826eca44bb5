// A station token cannot dump the roster: the search's rule (names from 2 characters, numbers whole or from 4
// digits, 10 rows, no paging) on SQLite and PostgreSQL; per-station budgets on search and photos (429 +
// Retry-After, logged without the query) against dump attempts over HTTP; the operator and the admin unaffected.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FaceEngine } from '../../src/face/engine.js';
import type { Db } from '../../src/db/index.js';
import { searchText } from '../../src/db/search-text.js';
import { databaseKinds, sqliteDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp, type TestApp } from '../helpers/app.js';
import type { ErrorJson, PassAnswerJson, StudentSearchJson } from '../helpers/answers.js';

let engine: FaceEngine;

before(async () => {
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
});

after(async () => {
  await engine?.close();
});

const LASTNAMES = ['Иванов', 'Петров', 'Сидоров', 'Кузнецов', 'Смирнов', 'Попов', 'Васильев', 'Соколов', 'Михайлов', 'Новиков'];
const LASTNAMES_2 = ['Фёдоров', 'Морозов', 'Волков', 'Алексеев', 'Лебедев', 'Семёнов', 'Егоров', 'Павлов', 'Козлов', 'Степанов'];
const FIRSTNAMES = ['Азиз', 'Бахтиёр', 'Дильшод', 'Жасур', 'Камола', 'Лола', 'Малика', 'Нодир', 'Ойбек', 'Рустам', 'Сардор', 'Тимур', 'Улугбек'];
const FIRSTNAMES_2 = ['Фарход', 'Шахноза', 'Элёр', 'Юлдуз', 'Анна', 'Мария', 'Олег', 'Игорь', 'Нигора', 'Зарина', 'Алишер', 'Бобур'];
const ROSTER = 500;

type Row = { matricula: string | null; lastname: string; firstname: string; group: string | null; identifier: string | null };

/** 500 distinct students (Matricula 200000–200499, Идентификатор 900000000–900000499), each with a stored photo, plus two odd ones. */
async function seedRoster(db: Db): Promise<{ ids: number[]; shortMatricula: number; longIdentifier: number }> {
  const surnames = [...LASTNAMES, ...LASTNAMES_2];
  const names = [...FIRSTNAMES, ...FIRSTNAMES_2];
  const rows: Row[] = Array.from({ length: ROSTER }, (_, i) => ({
    matricula: `2${String(i).padStart(5, '0')}`,
    lastname: surnames[i % surnames.length]!,
    firstname: names[Math.floor(i / surnames.length) % names.length]!,
    group: `ФИ-${10 + (i % 12)}`,
    identifier: `9${String(i).padStart(8, '0')}`,
  }));
  rows.push({ matricula: '77', lastname: 'Короткова', firstname: 'Ия', group: null, identifier: null });
  rows.push({ matricula: null, lastname: 'Длинная', firstname: 'Вера', group: null, identifier: '12345678909876' });
  const now = new Date().toISOString();
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const batch = rows.slice(i, i + 100).map((r) => ({
      ...r,
      lotin: null,
      short: null,
      date_of_birth: null,
      passport_number: null,
      file_path: null,
      search_text: searchText({ ...r, lotin: null }),
      embedding: new Uint8Array(16),
      face_score: 0.9,
      face_width: 100,
      face_quality: null,
      created_at: now,
      updated_at: now,
    }));
    const got = await db.insertInto('students').values(batch).returning('id').execute();
    ids.push(...got.map((g) => g.id));
  }
  // A stand-in JPEG per student: the photo route only serves the stored bytes.
  for (let i = 0; i < ids.length; i += 100) {
    const photos = ids.slice(i, i + 100).map((id) => ({ student_id: id, mime: 'image/jpeg', data: Buffer.from(`jpeg-${id}`), source: null }));
    await db.insertInto('student_photos').values(photos).execute();
  }
  return { ids: ids.slice(0, ROSTER), shortMatricula: ids[ROSTER]!, longIdentifier: ids[ROSTER + 1]! };
}

const search = (t: TestApp, q: string, remoteAddress = '10.20.0.1', extra = '') =>
  t.app.inject({ method: 'GET', url: `/api/students?q=${encodeURIComponent(q)}${extra}`, remoteAddress });

for (const kind of databaseKinds) {
  test(`${kind.name}: station search — names from 2 characters, numbers whole or from 4 digits, at most 10 rows, no paging; the admin still pages`, async () => {
    const tdb = await kind.make();
    // Budgets out of the way: this test is about what one search may return.
    const t = await startApp(tdb, engine, { STATION_SEARCHES_PER_MIN: '1000', STATION_PHOTOS_PER_MIN: '1000' });
    try {
      const { ids, shortMatricula, longIdentifier } = await seedRoster(t.db);
      const found = async (q: string, extra = '') => {
        const r = await search(t, q, '10.20.0.1', extra);
        assert.equal(r.statusCode, 200, `${q}: ${r.body}`);
        return r.json<StudentSearchJson>();
      };
      // A name: substring, any case, ё = е; never more than 10 rows however many match.
      const ivanov = await found('иванов');
      assert.equal(ivanov.total, 25);
      assert.equal(ivanov.students.length, 10);
      assert.ok(ivanov.students.every((s) => s.lastname === 'Иванов'));
      assert.equal((await found('Федоров Фарход')).total, 1, 'surname and name, as one piece of text');
      assert.equal((await found('федоров')).total, 25, 'ё = е');
      const common = await found('ов');
      assert.ok(common.total > 400, `«ов» matches ${common.total}`);
      assert.equal(common.students.length, 10, 'a two-letter name is capped at 10 rows');
      // No paging for stations: offset is not a parameter, and limit stops at 10.
      assert.deepEqual(
        (await found('ов', '&offset=10')).students.map((s) => s.id),
        common.students.map((s) => s.id),
        'offset does not page',
      );
      for (const [extra, code] of [
        ['&limit=10', 200],
        ['&limit=3', 200],
        ['&limit=11', 400],
        ['&limit=20', 400],
      ] as const) {
        const r = await search(t, 'ов', '10.20.0.1', extra);
        assert.equal(r.statusCode, code, extra);
        if (code === 400) assert.match(r.json<ErrorJson>().message, /^Неверный параметр запроса limit/);
      }
      assert.equal((await found('ов', '&limit=3')).students.length, 3);

      // The number on the card always finds its student: a whole Matricula or Идентификатор, of any length.
      for (const [q, id] of [
        ['200123', ids[123]],
        ['900000321', ids[321]],
        ['77', shortMatricula],
        ['12345678909876', longIdentifier],
      ] as const) {
        const r = await found(q);
        assert.deepEqual(
          r.students.map((s) => s.id),
          [id],
          q,
        );
      }
      // From 4 digits, part of a number (as typed so far); shorter digit strings are whole numbers only.
      assert.deepEqual(
        (await found('0123')).students.map((s) => s.id),
        [ids[123]],
        '«0123» is part of Matricula 200123 and Идентификатор 900000123 of one student',
      );
      assert.equal((await found('5678')).students[0]?.id, longIdentifier);
      const partial = await found('2001');
      assert.deepEqual([partial.total, partial.students.length], [100, 10], '«2001»: 100 match, 10 rows');
      for (const q of ['20', '00', '200', '123', '0 0', '--', '1-2']) assert.equal((await found(q)).total, 0, `${q}: a short number is only a whole one`);
      // A number never matches names or groups (digits there are a group's, «ФИ-12»).
      assert.equal((await found('12')).total, 0);
      assert.equal((await found('фи-12')).total, Math.ceil((ROSTER - 2) / 12), 'a group with its letters is a text search');
      for (const q of ['ф', '7', '', ' ', ' 7 ']) {
        const r = await search(t, q);
        assert.equal(r.statusCode, 400, q);
        assert.deepEqual(r.json<ErrorJson>(), { error: 'bad_request', message: 'Введите хотя бы 2 символа для поиска' });
      }

      // The admin's /admin/students still pages through everybody (and is not a station's budget).
      const seen = new Set<number>();
      for (let offset = 0; offset < ROSTER + 2; offset += 200) {
        const r = await t.app.inject({ method: 'GET', url: `/admin/students?limit=200&offset=${offset}`, headers: { 'x-admin-token': ADMIN_TOKEN } });
        assert.equal(r.statusCode, 200, r.body);
        const page = r.json<StudentSearchJson>();
        assert.equal(page.total, ROSTER + 2);
        for (const s of page.students) seen.add(s.id);
      }
      assert.equal(seen.size, ROSTER + 2, 'the admin sees the whole roster');
      const q200 = await t.app.inject({ method: 'GET', url: '/admin/students?q=2001&limit=50&offset=50', headers: { 'x-admin-token': ADMIN_TOKEN } });
      assert.deepEqual([q200.json<StudentSearchJson>().total, q200.json<StudentSearchJson>().students.length], [100, 50], 'the admin pages a search');
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
}

const CYRILLIC = 'абвгдежзиклмнопрстуфхцчшщэюя';

/** What a dump attempt gets from one address: requests until the first 429, the students it saw, and that 429. */
async function dump(t: TestApp, address: string, queries: Iterable<string>) {
  const seen = new Set<number>();
  let requests = 0;
  for (const q of queries) {
    requests++;
    const r = await search(t, q, address);
    if (r.statusCode === 429) return { requests, seen, refusal: r };
    if (r.statusCode === 200) for (const s of r.json<StudentSearchJson>().students) seen.add(s.id);
    if (requests > 500) break;
  }
  throw new Error(`${address}: no 429 after ${requests} searches (${seen.size} students seen)`);
}

function* digitPrefixes(): Generator<string> {
  for (let len = 1; len <= 4; len++) for (let n = 0; n < 10 ** len; n++) yield String(n).padStart(len, '0');
}

function* bigrams(): Generator<string> {
  // The most common Russian surname endings first, then every pair: the best a name-walking attacker can do.
  yield* ['ов', 'ев', 'ин', 'ва', 'на', 'ан', 'ер', 'ол', 'ор', 'ир', 'ур', 'ам', 'ил', 'ар', 'ал', 'ос', 'ек', 'ма', 'ла', 'ка'];
  for (const a of CYRILLIC) for (const b of CYRILLIC) yield a + b;
}

function assertRefusal(r: Awaited<ReturnType<TestApp['app']['inject']>>, what: RegExp): void {
  assert.equal(r.statusCode, 429);
  const body = r.json<ErrorJson>();
  assert.equal(body.error, 'too_many_requests');
  assert.match(body.message, what);
  const retry = Number(r.headers['retry-after']);
  assert.ok(retry >= 1 && retry <= 60, `Retry-After ${String(r.headers['retry-after'])}`);
}

test('dump attempts with the station token hit the per-station limits fast; the operator, another station and the admin are unaffected; refusals are logged without the query', async (t: TestContext) => {
  const tdb = await sqliteDatabase();
  const lines: string[] = [];
  const app = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' }, undefined, { write: (l: string) => void lines.push(l) });
  try {
    const { ids } = await seedRoster(app.db);
    const started = Date.now();

    // 1. Digit prefixes 0–9, 00–99, …: the one-digit ones are 400s, the two-digit ones whole numbers (nobody) — and the budget is gone.
    const digits = await dump(app, '10.66.0.1', digitPrefixes());
    assertRefusal(digits.refusal, /^Слишком много поисков с этого пункта пропуска \(не больше 30 в минуту\)\. Повторите через \d+ с$/);
    assert.equal(digits.requests, 31, 'the 31st search of the minute is refused');
    assert.equal(digits.seen.size, 0, 'digit prefixes find nobody');

    // 2. The best name walk: common two-letter pieces, 10 rows each.
    const names = await dump(app, '10.66.0.2', bigrams());
    assert.equal(names.requests, 31);
    assert.ok(names.seen.size <= 300, `${names.seen.size} students`);

    // 3. The best number walk: four-digit pieces (each matches ~10 numbers).
    const numbers = await dump(
      app,
      '10.66.0.3',
      (function* () {
        for (let n = 0; n < 10_000; n++) yield String(n).padStart(4, '0');
      })(),
    );
    assert.equal(numbers.requests, 31);
    assert.ok(numbers.seen.size <= 300, `${numbers.seen.size} students`);
    const best = Math.max(digits.seen.size, names.seen.size, numbers.seen.size);
    assert.ok(best < ROSTER * 0.7, `at most ${best} of ${ROSTER} students in the first minute`);
    t.diagnostic(
      `dump attempts, 31 searches each: digit prefixes ${digits.seen.size}, name pieces ${names.seen.size}, 4-digit pieces ${numbers.seen.size} of ${ROSTER} students; ${Date.now() - started} ms`,
    );

    // Hammering on gets nothing more this minute.
    for (let i = 0; i < 20; i++) assert.equal((await search(app, 'ов', '10.66.0.2')).statusCode, 429);

    // 4. Photos: 60 a minute per station, then 429 — the walk over ids stops there.
    let photos = 0;
    let refused: Awaited<ReturnType<TestApp['app']['inject']>> | undefined;
    for (const id of ids) {
      const r = await app.app.inject({ method: 'GET', url: `/api/students/${id}/photo`, remoteAddress: '10.66.0.2' });
      if (r.statusCode !== 200) {
        refused = r;
        break;
      }
      photos++;
    }
    assert.equal(photos, 60);
    assertRefusal(refused!, /^Слишком много фото студентов с этого пункта пропуска \(не больше 60 в минуту\)\. Повторите через \d+ с$/);
    t.diagnostic(`photo walk: ${photos} photos of ${ROSTER}, then 429`);
    // The admin token is not a station: the admin page shows photos through this route, unlimited.
    for (let i = 0; i < 70; i++) {
      const r = await app.app.inject({
        method: 'GET',
        url: `/api/students/${ids[i]!}/photo`,
        remoteAddress: '10.66.0.2',
        headers: { 'x-admin-token': ADMIN_TOKEN },
      });
      assert.equal(r.statusCode, 200, `admin photo ${i}`);
    }
    // A wrong or missing token is a 401 as before (the guard runs first; it is not a search).
    assert.equal((await app.anon({ method: 'GET', url: '/api/students?q=ов', remoteAddress: '10.66.0.9' })).statusCode, 401);

    // 5. Meanwhile an operator at another station works as usual: a few searches, the photos, a manual pass.
    const door = '10.66.0.50';
    const byName = await search(app, 'Петров Азиз', door);
    assert.equal(byName.statusCode, 200, byName.body);
    const student = byName.json<StudentSearchJson>().students[0]!;
    assert.equal(student.lastname, 'Петров');
    for (const q of ['петр', 'Петров', student.matricula!]) {
      const r = await search(app, q, door);
      assert.equal(r.statusCode, 200, q);
      assert.ok(
        r.json<StudentSearchJson>().students.some((s) => s.id === student.id),
        q,
      );
    }
    for (const s of (await search(app, 'петров', door)).json<StudentSearchJson>().students) {
      assert.equal((await app.app.inject({ method: 'GET', url: s.photo_url, remoteAddress: door })).statusCode, 200);
    }
    const pass = await app.app.inject({ method: 'POST', url: '/api/passes', remoteAddress: door, payload: { student_id: student.id, station: 'Дверь 2' } });
    assert.equal(pass.json<PassAnswerJson>().status, 'ok', pass.body);
    // The admin's own search is not a station's budget either.
    for (let i = 0; i < 40; i++) {
      const r = await app.app.inject({
        method: 'GET',
        url: `/admin/students?q=ов&limit=10&offset=${i * 10}`,
        remoteAddress: '10.66.0.2',
        headers: { 'x-admin-token': ADMIN_TOKEN },
      });
      assert.equal(r.statusCode, 200, `admin page ${i}`);
    }

    // 6. Each refusal is logged as a warning with the station's address, never with the query.
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = logged.filter((l) => l.msg === 'station limit reached: request refused');
    assert.equal(refusals.length, 3 + 20 + 1, 'one line per refusal');
    assert.ok(refusals.every((l) => l.level === 40 && l.token === 'station' && typeof l.client === 'string' && (l.limit === 'search' || l.limit === 'photo')));
    assert.deepEqual([...new Set(refusals.map((l) => l.client))].sort(), ['10.66.0.1', '10.66.0.2', '10.66.0.3']);
    const text = lines.join('\n');
    assert.doesNotMatch(text, /[?&]q=(?!\*\*\*)/, 'every query value is masked');
    for (const q of ['Петров', 'петр', student.matricula!, encodeURIComponent('Петров')]) assert.ok(!text.includes(q), `«${q}» is not in the log`);
  } finally {
    await app.close();
    await tdb.drop();
  }
});

test('a paired station’s budget follows its own token: two stations behind one address each get theirs, one station hopping addresses does not get more', async () => {
  const tdb = await sqliteDatabase();
  const app = await startApp(tdb, engine, { TIMEZONE: 'Asia/Tashkent' });
  try {
    await seedRoster(app.db);
    const pairStation = async (name: string): Promise<Record<string, string>> => {
      const r = await app.app.inject({ method: 'POST', url: '/admin/stations', headers: { 'x-admin-token': ADMIN_TOKEN }, payload: { name } });
      assert.equal(r.statusCode, 200, r.body);
      return { 'x-station-token': decodeURIComponent(/#pair=(.+)$/.exec(r.json<{ url: string }>().url)![1]!) };
    };
    const a = await pairStation('Вход 1');
    const b = await pairStation('Вход 2');
    const ask = (headers: Record<string, string>, remoteAddress: string) =>
      app.app.inject({ method: 'GET', url: '/api/students?q=' + encodeURIComponent('ов'), headers, remoteAddress });
    // Both behind the faculty's NAT: 30 each, not 30 together.
    for (let i = 0; i < 30; i++) {
      assert.equal((await ask(a, '10.77.0.1')).statusCode, 200, `station A search ${i + 1}`);
      assert.equal((await ask(b, '10.77.0.1')).statusCode, 200, `station B search ${i + 1}`);
    }
    assert.equal((await ask(a, '10.77.0.1')).statusCode, 429);
    assert.equal((await ask(b, '10.77.0.1')).statusCode, 429);
    // A stolen token used from fresh addresses is still the same station's minute.
    for (const ip of ['10.77.0.2', '10.77.0.3', '192.0.2.9', '2001:db8::7']) assert.equal((await ask(a, ip)).statusCode, 429, ip);
    // The shared STATION_TOKEN still counts by address (IPv6 by /64): one neighbour in the /64 shares it.
    for (let i = 0; i < 30; i++) assert.equal((await search(app, 'ов', `2001:db8:1:2::${i + 1}`)).statusCode, 200, `shared token ${i + 1}`);
    assert.equal((await search(app, 'ов', '2001:db8:1:2:ffff::1')).statusCode, 429, 'same /64');
    assert.equal((await search(app, 'ов', '2001:db8:1:3::1')).statusCode, 200, 'another /64');
  } finally {
    await app.close();
    await tdb.drop();
  }
});
