// Exam sittings in headless Chromium with a real face as the camera: the station's room is chosen in «Настройки» and
// shows its current exam; a student not registered for it gets the amber card that names their own exam today; once
// registered, the same face is admitted with the exam on the card. The admin page lists the day's sittings with counts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { localDate, localTime } from '../../src/time.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { cameraFrame, startServedApp, type ServedApp } from '../helpers/served.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import type { PageDocument, PageStorage } from '../helpers/page-dom.js';

// Page-side functions run in Chromium (this Node program has no DOM types: see helpers/page-dom.ts).
declare const document: PageDocument;
declare const localStorage: PageStorage;
const VIDEO_PLAYING = () => document.getElementById('video').videoWidth > 0;
/** Entry opens this many minutes before a sitting's start (SITTING_OPEN_BEFORE_MIN): the later sitting is not open yet. */
const OPEN_MIN = 5;
const MIN = 60_000;

let app: ServedApp;
let studentId: number;
let here: { id: number; start: string; end: string };
let later: { id: number; start: string; end: string; opens: string };
const browsers: Browser[] = [];

const resultText = async (page: Page) => (await page.locator('#result').innerText()).replace(/\s+/g, ' ');
const barText = async (page: Page) => (await page.locator('#sitting-bar').innerText()).replace(/\s+/g, ' ');

/** «Сделать фото» and the card it ends with. */
async function snap(page: Page): Promise<{ cls: string | null; text: string }> {
  await page.getByRole('button', { name: 'Сделать фото' }).click();
  await page.waitForFunction(() => document.getElementById('camera-status').textContent === 'Готово к следующему снимку', undefined, { timeout: 30_000 });
  return { cls: await page.locator('#result').getAttribute('class'), text: await resultText(page) };
}

/** A sitting inserted straight into the schedule tables, from `from` to `to` (whole minutes), in the app's time zone. */
async function addSitting(exam: string, room: string, from: number, to: number): Promise<{ id: number; start: string; end: string; opens: string }> {
  const tz = app.t.ctx.config.timezone;
  const at = (ms: number) => new Date(Math.floor(ms / MIN) * MIN);
  const [s, e] = [at(from), at(to)];
  const hhmm = (d: Date) => localTime(d, tz).slice(0, 5);
  const now = new Date().toISOString();
  const row = await app.t.db
    .insertInto('sittings')
    .values({
      exam,
      room,
      sitting_date: localDate(s, tz),
      start_time: hhmm(s),
      end_time: hhmm(e),
      starts_at: s.toISOString(),
      ends_at: e.toISOString(),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, start: hhmm(s), end: hhmm(e), opens: hhmm(new Date(s.getTime() - OPEN_MIN * MIN)) };
}

const register = (sittingId: number) => app.t.db.insertInto('sitting_students').values({ sitting_id: sittingId, student_id: studentId }).execute();

before(async () => {
  app = await startServedApp([3], [3], { SITTING_OPEN_BEFORE_MIN: String(OPEN_MIN) });
  const tz = app.t.ctx.config.timezone;
  // Both sittings must fall on today's local date: in the last 25 minutes of a day, wait for the next one.
  const untilMidnight = () => {
    const [h, m] = localTime(new Date(), tz).split(':').map(Number);
    return (24 * 60 - h! * 60 - m!) * MIN;
  };
  if (untilMidnight() < 25 * MIN) await sleep(untilMidnight() + MIN);
  const now = Date.now();
  const dayStart = now - (24 * 60 * MIN - untilMidnight()) + MIN;
  studentId = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-0').executeTakeFirstOrThrow()).id;
  // Room 101 now: the student is not registered for it. Room 204 later today (entry not open yet): the student is.
  here = await addSitting('Математика', '101', Math.max(dayStart, now - 10 * MIN), now + 20 * MIN);
  later = await addSitting('Физика', '204', now + 12 * MIN, now + 22 * MIN);
  await register(later.id);
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('station in room 101: the current exam under the header; not registered → amber card naming room 204; registered → admitted for the exam', async () => {
  const page = await launchChromium(browsers, app.work, await cameraFrame(app.engine, app.people[0]!), 'schedule', { width: 1280, height: 900 });
  await page.goto(app.pair);
  // No room yet: no exam line, and recognition keeps the day rule.
  assert.equal(await page.locator('#sitting-bar').isHidden(), true);
  await page.getByText('Настройки').click();
  await page.waitForSelector('#room option[value="101"]', { state: 'attached' });
  assert.equal(await page.locator('#room option').first().innerText(), 'Без аудитории (один проход в день)');
  assert.deepEqual(await page.locator('#room option').allInnerTexts(), ['Без аудитории (один проход в день)', 'Ауд. 101', 'Ауд. 204']);
  await page.selectOption('#room', '101');
  await page.waitForSelector('#sitting-bar:not([hidden])');
  const bar = await barText(page);
  assert.match(bar, new RegExp(`Ауд\\. 101 ?Экзамен «Математика», ${here.start}–${here.end}`));
  assert.equal(await page.locator('#sitting-bar').getAttribute('class'), 'sitting-bar sitting-now');
  assert.equal(await page.evaluate(() => localStorage.getItem('efc.room')), '101');
  await page.getByText('Настройки').click(); // closed again, as the operator leaves it

  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  const refused = await snap(page);
  assert.equal(refused.cls, 'result result-notregistered', refused.text);
  assert.match(refused.text, /не записан/i);
  assert.match(refused.text, /Не пускайте, пока не проверите документы/);
  assert.match(refused.text, new RegExp(`Записан сегодня: Физика — ауд\\. 204, ${later.start}–${later.end}`));
  assert.match(refused.text, new RegExp(`Здесь сейчас: Математика — ауд\\. 101, ${here.start}–${here.end}`));
  assert.match(refused.text, /Иванова-0 Анна/);
  assert.match(refused.text, /Группа ЭК-22/);
  assert.doesNotMatch(refused.text, /Проход разрешён|Время прохода/);
  await page.waitForFunction(() => [...document.querySelectorAll('#result img')].every((i) => i.naturalWidth > 0), undefined, { timeout: 10_000 });
  assert.equal(await page.locator('#result img').count(), 2, 'the enrolled photo beside the camera frame');
  await screenshot(page, 'checkpoint-sitting-not-registered');
  assert.equal((await app.t.db.selectFrom('passes').select('id').where('student_id', '=', studentId).execute()).length, 0, 'no pass recorded');

  // A late registration: «Допустить» needs a reason, then admits into this room's exam (source «допущен оператором»).
  await page.locator('#result .override input').fill('поздняя запись, распоряжение деканата');
  await page.locator('#result .override').getByRole('button', { name: 'Допустить' }).click();
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-ok');
  assert.match(await page.locator('#result').innerText(), /Допущен на экзамен оператором/);
  await screenshot(page, 'checkpoint-sitting-override');
  const admitted = await app.t.db.selectFrom('passes').select(['id', 'source', 'reason', 'sitting_id']).where('student_id', '=', studentId).execute();
  assert.deepEqual(
    admitted.map((p) => [p.source, p.reason, p.sitting_id]),
    [['override', 'поздняя запись, распоряжение деканата', here.id]],
  );
  await app.t.db.deleteFrom('passes').where('id', '=', admitted[0]!.id).execute(); // the rest of the test starts from no pass

  // Registered for room 101's exam now: the same face is admitted, for this exam.
  await register(here.id);
  const ok = await snap(page);
  assert.equal(ok.cls, 'result result-ok', ok.text);
  assert.match(ok.text, /Проход разрешён/);
  assert.match(ok.text, new RegExp(`Экзамен: Математика — ауд\\. 101, ${here.start}–${here.end}`));
  assert.match(ok.text, /Иванова-0 Анна/);
  await screenshot(page, 'checkpoint-sitting-ok');
  const passes = await app.t.db.selectFrom('passes').select(['sitting_id', 'station']).where('student_id', '=', studentId).execute();
  assert.deepEqual(
    passes.map((p) => p.sitting_id),
    [here.id],
  );

  // The room is remembered; room 204 has no exam open yet: the line and the card say so, with the next one.
  await page.reload();
  await page.waitForSelector('#sitting-bar:not([hidden])');
  assert.equal(await page.locator('#room').inputValue(), '101');
  await page.getByText('Настройки').click();
  await page.selectOption('#room', '204');
  await page.waitForFunction(() => document.getElementById('sitting-bar').className === 'sitting-bar sitting-none');
  const none = await barText(page);
  assert.match(none, /Ауд\. 204 ?В этой аудитории сейчас нет экзамена/);
  assert.match(none, new RegExp(`Следующий: Физика в ${later.start}, вход с ${later.opens}`));
  await page.getByText('Настройки').click();
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  const closed = await snap(page);
  assert.equal(closed.cls, 'result result-nositting', closed.text);
  assert.equal(await page.locator('#result .override').count(), 0, 'nothing to admit when no exam is on');
  assert.match(closed.text, /нет экзамена/);
  assert.match(closed.text, new RegExp(`Следующий: Физика в ${later.start}, вход с ${later.opens}`));
  await screenshot(page, 'checkpoint-sitting-none');

  // «Без аудитории»: no line, the day rule.
  await page.getByText('Настройки').click();
  await page.selectOption('#room', '');
  await page.waitForSelector('#sitting-bar', { state: 'hidden' });
  assert.equal(await page.evaluate(() => localStorage.getItem('efc.room')), '');
});

test("admin page: «Расписание экзаменов» lists the day's sittings with counts and downloads a sitting's report", async () => {
  const page = await launchChromium(browsers, app.work, null, 'schedule-admin', { width: 1280, height: 900 });
  await page.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('#panel:not([hidden])');
  // The list starts at today in the exam centre's time zone (the server's), not this computer's.
  await page.waitForSelector('#sittings:not([hidden]) tr:nth-child(3)');
  assert.equal(await page.locator('#sittings-date').inputValue(), localDate(new Date(), app.t.ctx.config.timezone));
  const rows = (await page.locator('#sittings tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim());
  assert.match(rows[0]!, /Время Экзамен Аудитория Записано Пришли Не пришли Отказано Отчёт/);
  assert.match(rows[1]!, new RegExp(`^${here.start}–${here.end} Математика Ауд\\. 101 1 1 0 \\d+ Скачать \\(\\.xlsx\\)$`));
  assert.match(rows[2]!, new RegExp(`^${later.start}–${later.end} Физика Ауд\\. 204 1 0 \\d+ \\d+ Скачать \\(\\.xlsx\\)$`));
  await screenshot(page, 'admin-schedule');

  const download = page.waitForEvent('download');
  await page.locator('#sittings tr', { hasText: 'Математика' }).getByRole('button', { name: 'Скачать (.xlsx)' }).click();
  assert.match((await download).suggestedFilename(), /\.xlsx$/);
  await page.waitForFunction(() => document.getElementById('sittings-message').className === 'message message-ok');

  // The template, uploaded as it is: the load's summary shows its counts.
  const template = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Скачать шаблон расписания (.xlsx)' }).click();
  await page.setInputFiles('#schedule-file', await (await template).path());
  await page.click('#schedule-button');
  await page.waitForFunction(() => document.getElementById('schedule-message').textContent.startsWith('Готово'), undefined, { timeout: 30_000 });
  assert.match((await page.locator('#schedule-summary').innerText()).replace(/\s+/g, ' '), /\d+ Строк/);
  await screenshot(page, 'admin-schedule-uploaded');
});
