// «Допустить»: an operator admits a student who is not registered for the room's exam (or registered in another room)
// with a required reason — a pass of the room's current sitting with source `override`, listed in the sitting report;
// «no exam now» cannot be overridden. And lists in Russian order: «Ёлдошев» after «Абдуллаева».
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sqliteDatabase, tempDir } from '../helpers/db.js';
import { startApp } from '../helpers/app.js';
import { FaceEngine } from '../../src/face/engine.js';
import { ADMIN, insertStudents, uploadSchedule, writeSchedule } from '../helpers/schedule.js';
import type { ErrorJson, PassAnswerJson } from '../helpers/answers.js';

// Noon in Tashkent: Математика in А-101 is open; Физика in Б-204 too; Химия in В-305 starts at 16:00.
const NOW = new Date('2026-12-07T07:00:00Z');
const DAY = '2026-12-07';

test('override: reason required; a not-registered or wrong-room student is admitted into this room’s sitting as «override»; no exam now stays refused', async () => {
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, {}, () => NOW);
  const work = tempDir();
  try {
    const [a, b, c] = await insertStudents(t.db, [
      { matricula: '0001', lastname: 'Ёлдошев', firstname: 'Бахтиёр', group: 'ИТ-21' },
      { matricula: '0002', lastname: 'Абдуллаева', firstname: 'Айгуль', group: 'ИТ-21' },
      { matricula: '0003', lastname: 'Валиев', firstname: 'Вали', group: 'ЭК-22' },
    ]);
    const file = path.join(work, 'schedule.xlsx');
    await writeSchedule(file, [
      ['Математика', DAY, '11:30', '13:30', 'А-101', null, '0002'],
      ['Физика', DAY, '11:30', '13:30', 'Б-204', null, '0003'],
      ['Химия', DAY, '16:00', '17:00', 'В-305', null, '0001'],
    ]);
    assert.equal((await uploadSchedule(t.app, fs.readFileSync(file))).statusCode, 200);
    const pass = (body: object) => t.app.inject({ method: 'POST', url: '/api/passes', payload: { room: 'А-101', ...body } });

    // a (Ёлдошев) is not registered for Математика: refused; «Допустить» without a reason: 400.
    assert.equal((await pass({ student_id: a })).json<PassAnswerJson>().status, 'not_registered');
    const noReason = await pass({ student_id: a, override: true });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.json<ErrorJson>().message, /Укажите причину/);
    const late = (await pass({ student_id: a, override: true, reason: 'поздняя запись' })).json<PassAnswerJson>();
    assert.equal(late.status, 'ok', JSON.stringify(late));
    assert.equal(late.pass.source, 'override');
    assert.match(late.message, /Допущен на экзамен оператором/);
    // c (Валиев) sits Физика in Б-204: wrong room here; admitted here by override, for Математика.
    assert.equal((await pass({ student_id: c })).json<PassAnswerJson>().status, 'wrong_room');
    assert.equal((await pass({ student_id: c, override: true, reason: 'перевели в эту аудиторию' })).json<PassAnswerJson>().status, 'ok');
    // No exam open in В-305 now: an override does not invent one.
    assert.equal((await pass({ student_id: a, room: 'В-305', override: true, reason: 'пусть' })).json<PassAnswerJson>().status, 'no_sitting');
    // b is registered: an override flag changes nothing, a plain manual pass.
    const plain = (await pass({ student_id: b, override: true, reason: 'паспорт' })).json<PassAnswerJson>();
    assert.equal(plain.pass.source, 'manual');

    const rows = await t.db
      .selectFrom('passes')
      .innerJoin('sittings', 'sittings.id', 'passes.sitting_id')
      .select(['passes.student_id', 'passes.source', 'sittings.exam'])
      .orderBy('passes.id')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.student_id, r.source, r.exam]),
      [
        [a, 'override', 'Математика'],
        [c, 'override', 'Математика'],
        [b, 'manual', 'Математика'],
      ],
    );
    const attempts = await t.db.selectFrom('attempts').select('status').orderBy('id').execute();
    assert.ok(attempts.filter((x) => x.status === 'override').length === 2, JSON.stringify(attempts));

    // The sitting report lists them among those who came, with how they were admitted.
    const sittings = (await t.app.inject({ method: 'GET', url: `/admin/sittings?date=${DAY}`, headers: ADMIN })).json<{
      sittings: { id: number; exam: string }[];
    }>();
    const math = sittings.sittings.find((s) => s.exam === 'Математика')!;
    const report = (await t.app.inject({ method: 'GET', url: `/admin/sittings/${math.id}`, headers: ADMIN })).json<{
      came: { lastname: string; source: string }[];
    }>();
    assert.deepEqual(
      report.came.map((x) => [x.lastname, x.source]).sort((x, y) => x[0]!.localeCompare(y[0]!, 'ru')),
      [
        ['Абдуллаева', 'manual'],
        ['Валиев', 'override'],
        ['Ёлдошев', 'override'],
      ],
    );

    // Russian order in the lists: ё among е, after А and В.
    const list = (await t.app.inject({ method: 'GET', url: '/admin/students?q=', headers: ADMIN })).json<{ students: { lastname: string }[] }>();
    assert.deepEqual(
      list.students.map((s) => s.lastname),
      ['Абдуллаева', 'Валиев', 'Ёлдошев'],
    );
  } finally {
    await t.close();
    await tdb.drop();
    await engine.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
