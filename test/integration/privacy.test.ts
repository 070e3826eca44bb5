// What the logs may hold: a whole session of real requests (load, recognise, search, report, wrong
// tokens) through the real pino logger, then the captured lines are searched for secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FaceEngine } from '../../src/face/engine.js';
import { maskPassport, maskUrl } from '../../src/privacy.js';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { ADMIN_TOKEN, startApp } from '../helpers/app.js';
import type { LoadJson, PassAnswerJson } from '../helpers/answers.js';
import { makeIdPhotos, studentRow, writeSheet } from '../helpers/students.js';
import { systemClock } from '../../src/time.js';

const STATION_TOKEN = 'station-token-abcdef123456';

test('maskPassport keeps only the ends; maskUrl masks every query value but dates, paging and flags', () => {
  assert.equal(maskPassport('AB1234567'), 'AB*****67');
  assert.equal(maskPassport(' 0012345 '), '0*****5');
  assert.equal(maskPassport('1234'), '****');
  assert.equal(maskUrl('/admin/students?q=AB1234567&limit=50'), '/admin/students?q=***&limit=50');
  assert.equal(maskUrl('/admin/export_report?date=2026-11-24&group=%D0%98%D0%A2&token=x'), '/admin/export_report?date=2026-11-24&group=%D0%98%D0%A2&token=***');
  assert.equal(maskUrl('/api/health'), '/api/health');
});

test('logs never hold tokens, images, whole passport numbers or search terms', async () => {
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  const tdb = await sqliteDatabase();
  const docs = tempDir();
  const lines: string[] = [];
  try {
    const people = await makeIdPhotos(engine, [1]);
    fs.mkdirSync(path.join(docs, 'photos'));
    people.forEach((p, i) => fs.writeFileSync(path.join(docs, 'photos', `${i}.jpg`), p.bytes));
    const rows = people.map((_, i) => studentRow(i, `${i}.jpg`));
    rows[2]!['Passport number'] = rows[0]!['Passport number']!; // a slip in the sheet: one passport twice
    await writeSheet(path.join(docs, 'list of students.xlsx'), rows);
    // studentRow writes the passport as text (AB0…).
    const passports = rows.map((r) => {
      const v = r['Passport number'];
      if (typeof v !== 'string') throw new Error('studentRow gives the passport as text');
      return v;
    });

    const t = await startApp(tdb, engine, { STATION_TOKEN, FACE_ID_DOCS: docs, LOG_LEVEL: 'info' }, systemClock, { write: (l: string) => void lines.push(l) });
    try {
      const admin = { 'x-admin-token': ADMIN_TOKEN };
      const load = await t.app.inject({ method: 'POST', url: '/admin/load_excel', headers: admin });
      assert.equal(load.statusCode, 200, load.body);
      assert.equal(load.json<LoadJson>().added, people.length);
      const image = people[0]!.bytes.toString('base64');
      const rec = await t.app.inject({ method: 'POST', url: '/api/recognize', headers: { authorization: `Bearer ${STATION_TOKEN}` }, payload: { image } });
      const answer = rec.json<PassAnswerJson>();
      assert.equal(answer.status, 'ok');
      assert.equal(answer.student.passport_number, undefined, 'never the whole number (F1)');
      assert.equal(answer.student.passport_masked, `${passports[0]!.slice(0, 2)}******${passports[0]!.slice(-2)}`);
      assert.equal((await t.app.inject({ method: 'GET', url: `/admin/students?q=${passports[1]}`, headers: admin })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/export_report', headers: admin })).statusCode, 200);
      assert.equal((await t.app.inject({ method: 'GET', url: '/admin/load_status', headers: { 'x-admin-token': 'a-wrong-token-0000' } })).statusCode, 401);
      assert.equal(
        (await t.app.inject({ method: 'POST', url: '/api/recognize', headers: { 'x-station-token': 'a-wrong-station-token' }, payload: { image } })).statusCode,
        401,
      );
    } finally {
      await t.close();
    }
  } finally {
    await engine.close();
    await tdb.drop();
    fs.rmSync(docs, { recursive: true, force: true });
  }
  const log = lines.join('');
  // The log is really there and really about these requests (else the checks below prove nothing).
  assert.match(log, /"url":"\/admin\/students\?q=\*\*\*"/);
  assert.match(log, /duplicate_passport — номер паспорта AB\*+\d\d уже в строке 2/);
  assert.match(log, /"url":"\/api\/recognize"/);
  for (const secret of [ADMIN_TOKEN, STATION_TOKEN, 'a-wrong-token-0000', 'a-wrong-station-token']) {
    assert.ok(!log.includes(secret), `the log does not contain ${secret.slice(0, 3)}…`);
  }
  assert.deepEqual(log.match(/AB0\d{7}/g) ?? [], [], 'no whole passport number (the generated ones are AB0 + 7 digits)');
  assert.ok(!/[A-Za-z0-9+/]{200}/.test(log), 'no Base64 image in the log');
});
