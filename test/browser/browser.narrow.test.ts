// Both pages on a phone in portrait (390×844, Chromium, touch) with real data and real faces: nothing is wider than the
// screen — no sideways scrolling, no box past the right edge, no word spilling out of its box. The admin page with
// every section filled (a paired station with its link and QR code, the Excel and schedule summaries with rows in
// trouble, the day's sittings, a look-alike pair, an added photo, students, the student card with a pass and its
// cancellation); the station page with each card the door can show — admitted, already passed, not registered, wrong
// room, no exam now — each its own colour, icon and line of what to do, «Допустить» on screen where it is offered;
// and «Открыть камеру», which is inactive while the camera opens and runs, and active again when it fails or stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { localDate } from '../../src/time.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { alter } from '../helpers/faces.js';
import { studentRow, writeSheet } from '../helpers/students.js';
import { insertSitting, untilMidnight, writeSchedule } from '../helpers/schedule.js';
import { cameraFrame, startServedApp, type ServedApp } from '../helpers/served.js';
import { ARTIFACTS, launchChromium, screenshot } from '../helpers/chromium.js';
import { assertFits, assertTappable, iconOf, misfitsIn, tapTarget, type BoxDocument, type BoxElement, type BoxWindow } from '../helpers/fits.js';

// Page-side functions run in Chromium (this Node program has no DOM types: see helpers/page-dom.ts and helpers/fits.ts).
declare const document: BoxDocument;
declare const window: BoxWindow;

const PHONE = { width: 390, height: 844 };
/** Entry opens this many minutes before a sitting's start (SITTING_OPEN_BEFORE_MIN). */
const OPEN_MIN = 5;
const MIN = 60_000;
const VIDEO_PLAYING = () => document.getElementById('video').videoWidth > 0;

let app: ServedApp;
/** The station page: the browser's fake camera shows the enrolled student Иванова-0. */
let station: Page;
let browser: Browser;
const browsers: Browser[] = [];

before(async () => {
  app = await startServedApp([3, 6], [3], { RESULT_FADE_S: '120', SITTING_OPEN_BEFORE_MIN: String(OPEN_MIN) });
  station = await launchChromium(browsers, app.work, await cameraFrame(app.engine, app.people[0]!), 'narrow', PHONE);
  browser = browsers[0]!;
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

/** Another phone-sized tab of the same browser. */
async function phonePage(): Promise<Page> {
  const page = await browser.newPage({ viewport: PHONE, hasTouch: true });
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  return page;
}

/** How a table row is laid out (a block on a phone) and the column names its cells carry. */
function rowLayout(page: Page, row: string): Promise<{ display: string; labels: (string | null)[] }> {
  return page.evaluate((row: string) => {
    const tr = document.querySelector(row);
    const cells = tr.querySelectorAll('td') as unknown as Iterable<BoxElement>;
    return { display: window.getComputedStyle(tr).display, labels: [...cells].map((td) => td.getAttribute('data-label')) };
  }, row);
}

/** The page (or the part `root` selects) fits the phone's screen. */
async function fits(page: Page, what: string, root = 'body'): Promise<void> {
  assertFits(await page.evaluate(misfitsIn, root), what);
}

test('admin page at 390 px: every section, filled with data, fits the screen — no sideways scrolling', async () => {
  // Today's passes of Иванова-1 (one cancelled, with long reasons) and a photo added at a door with a long station name and an IPv6 address.
  const ivanova1 = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-1').executeTakeFirstOrThrow()).id;
  const door = 'Вход в главный корпус, второй этаж';
  const manual = async () => {
    const r = await app.t.app.inject({
      method: 'POST',
      url: '/api/passes',
      payload: { student_id: ivanova1, reason: 'камера не узнала, паспорт проверен, студентка в очках', station: door },
    });
    assert.equal(r.statusCode, 200, r.body);
    return r.json<{ pass: { id: number } }>().pass.id;
  };
  const first = await manual();
  const cancel = await app.t.app.inject({
    method: 'POST',
    url: `/admin/passes/${first}/cancel`,
    headers: { 'x-admin-token': ADMIN_TOKEN },
    payload: { reason: 'пропущена по ошибке: перепутали со студенткой из соседней группы' },
  });
  assert.equal(cancel.statusCode, 200, cancel.body);
  await manual();
  await app.t.db
    .insertInto('student_faces')
    .values({
      student_id: ivanova1,
      embedding: new Uint8Array(16),
      embedding_model: 'an-earlier-model',
      photo: app.people[1]!.bytes,
      added_at: new Date().toISOString(),
      added_by: door,
      client: '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      distance: 0.41,
    })
    .execute();

  const page = await phonePage();
  await page.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('#panel:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#added-photos li').length === 1);
  // «Журнал действий» filled with this test's own actions (the cancelled pass, the manual passes).
  await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length >= 2);
  await fits(page, 'after login');

  // A station paired with a long name and room: its one-time link and QR code, then its row with the edit form.
  await page.fill('#pairing-name', door);
  await page.fill('#pairing-room', 'Б-412 (большая лекционная)');
  await page.click('#pairing-button');
  await page.waitForSelector('#pairing-qr:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#stations li').length === 1);
  await fits(page, 'pairing link and station');

  // Students from Excel: a long double name, a look-alike pair (one face twice) and a row whose long photo path is nowhere.
  const photos = path.join(app.t.ctx.config.faceIdDocs, 'photos');
  fs.mkdirSync(photos, { recursive: true });
  const [a, b] = app.people.filter((p) => p.sample === 6);
  fs.writeFileSync(path.join(photos, 'a.jpg'), a!.bytes);
  fs.writeFileSync(path.join(photos, 'b.jpg'), b!.bytes);
  fs.writeFileSync(path.join(photos, 'b-again.jpg'), await alter(b!.bytes, 'jpeg40'));
  const sheet = path.join(app.work, 'narrow.xlsx');
  await writeSheet(sheet, [
    studentRow(10, 'a.jpg', { Lastname: 'Константинопольская-Задунайская', Firstname: 'Александра-Виктория' }),
    studentRow(11, 'b.jpg'),
    studentRow(12, 'b-again.jpg'),
    studentRow(13, 'фотографии_первого_курса/очень_длинное_имя_файла_фотографии_студентки_2024.jpg'),
  ]);
  await page.setInputFiles('#excel-file', sheet);
  await page.click('#upload-button');
  await page.waitForFunction(() => document.getElementById('upload-message').textContent.startsWith('Готово'), undefined, { timeout: 60_000 });
  await page.waitForSelector('#summary tr.row-no_photo');
  await page.waitForFunction(() => document.querySelectorAll('#lookalikes .pair').length === 1);
  const students = app.people.filter((p) => p.sample === 3).length + 4; // the row without its photo is a student «без фото»
  await page.waitForFunction((n: number) => document.querySelectorAll('#students button').length === n, students);
  await fits(page, 'Excel summary, look-alikes, students');
  // On a phone a row of the summary is a block whose cells say their column.
  assert.deepEqual(await rowLayout(page, '#summary tr.row-no_photo'), {
    display: 'block',
    labels: ['Строка', 'Matricula (зачётка)', 'Статус', 'Причина', 'Подробности'],
  });

  // The schedule: today's sittings of other rooms than the station test's (a long exam and room name), one row refused.
  // Иванова-0 (ЭК-22), the station's camera face, is registered for none of them.
  const today = localDate(new Date(), app.t.ctx.config.timezone);
  const schedule = path.join(app.work, 'schedule.xlsx');
  await writeSchedule(schedule, [
    ['Математический анализ и дифференциальные уравнения', today, '09:00', '12:00', 'Б-412 (большая лекционная)', 'ИТ-21', null],
    ['Физика', today, '13:00', '15:00', 'А-17', null, '001012'],
    ['История', today, '13:00', '15:00', 'А-18', 'НЕТ-ТАКОЙ-ГРУППЫ-НА-ПЕРВОМ-КУРСЕ', null],
  ]);
  await page.setInputFiles('#schedule-file', schedule);
  await page.click('#schedule-button');
  await page.waitForFunction(() => document.getElementById('schedule-message').textContent.startsWith('Готово'), undefined, { timeout: 30_000 });
  await page.waitForSelector('#schedule-summary tr.row-failed');
  await page.waitForFunction(() => document.querySelectorAll('#sittings tr').length === 3);
  await fits(page, 'schedule summary and the day sittings');
  assert.deepEqual(await rowLayout(page, '#sittings tr:nth-child(2)'), {
    display: 'block',
    labels: ['Время', 'Экзамен', 'Аудитория', 'Записано', 'Пришли', 'Не пришли', 'Отказано', 'Отчёт'],
  });

  // Section by section, each on screen in turn.
  const sections = await page.locator('#panel > section').count();
  for (let i = 1; i <= sections; i++) {
    const section = `#panel > section:nth-of-type(${i})`;
    await page.locator(section).scrollIntoViewIfNeeded();
    await fits(page, `section «${await page.locator(`${section} h2`).innerText()}»`, section);
  }
  await screenshot(page, 'narrow-admin');

  // The student card (a modal dialog): photo, fields, both passes, the cancellation form open.
  await page.locator('#students button', { hasText: 'Иванова-1 Анна' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#sd-passes li.pass').length === 2);
  await page.waitForSelector('#sd-faces-box:not([hidden])');
  await page.locator('#sd-passes li.pass:not(.pass-cancelled) button', { hasText: 'Отменить проход' }).click();
  await page.waitForSelector('#sd-passes .cancel-form');
  await fits(page, 'student card');
  const dialog = await page.evaluate(() => document.getElementById('student-dialog').getBoundingClientRect());
  assert.ok(dialog.left >= 0 && dialog.right <= PHONE.width, `the student card within the screen (${dialog.left}..${dialog.right})`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'narrow-admin-student-card.png') });
  await page.close();
});

/** The station's room, chosen in «Настройки» (the page is paired by the shared token: the room is its own choice). */
async function chooseRoom(page: Page, room: string): Promise<void> {
  await page.getByText('Настройки').click();
  await page.waitForSelector(`#room option[value="${room}"]`, { state: 'attached' });
  await page.selectOption('#room', room);
  await page.getByText('Настройки').click();
}

interface Card {
  cls: string;
  border: string;
  background: string;
  icon: string;
  /** Null for a card without an icon. */
  iconDrawn: boolean | null;
  todo: string | null;
  text: string;
}

/** «Сделать фото», the card it ends with (its kind, colours, icon, line of what to do), and that the card fits the phone. */
async function snap(page: Page, kind: string): Promise<Card> {
  await page.getByRole('button', { name: 'Сделать фото' }).click();
  await page.waitForFunction(() => document.getElementById('camera-status').textContent === 'Готово к следующему снимку', undefined, { timeout: 30_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#result img')].every((i) => i.naturalWidth > 0), undefined, { timeout: 10_000 });
  const card = await page.evaluate(() => {
    const panel = document.getElementById('result');
    const style = window.getComputedStyle(panel);
    const todo = document.querySelector('#result .result-todo') as BoxElement | null;
    return {
      cls: panel.className,
      border: style.borderTopColor,
      background: style.backgroundColor,
      todo: todo && todo.checkVisibility({ visibilityProperty: true }) ? todo.innerText : null,
      text: panel.innerText.replace(/\s+/g, ' '),
    };
  });
  assert.equal(card.cls, `result result-${kind}`, card.text);
  const icon = await page.evaluate(iconOf, '#result .result-title');
  await fits(page, `the «${kind}» card`);
  await screenshot(page, `narrow-card-${kind}`);
  return { ...card, icon: icon?.icon ?? 'none', iconDrawn: icon?.drawn ?? null };
}

/** «Допустить» on the card: the reason field and the button visible, within the screen once scrolled to, and not covered. */
async function assertOverrideReachable(page: Page, kind: string): Promise<void> {
  const button = page.locator('#result .override').getByRole('button', { name: 'Допустить' });
  await button.scrollIntoViewIfNeeded();
  assert.equal(await button.isVisible(), true, `«Допустить» on the «${kind}» card`);
  assert.equal(await page.locator('#result .override input').isVisible(), true, `the reason field on the «${kind}» card`);
  assertTappable(await page.evaluate(tapTarget, '#result .override button'), `«Допустить» on the «${kind}» card`);
}

test('station at 390 px: admitted, already passed, not registered, wrong room, no exam now — each its own colour, icon and line of what to do, on screen', async () => {
  const tz = app.t.ctx.config.timezone;
  // All three sittings must fall on today's local date: in the last 25 minutes of a day, wait for the next one.
  if (untilMidnight(tz) < 25 * MIN) await sleep(untilMidnight(tz) + MIN);
  const now = Date.now();
  const from = Math.max(now + untilMidnight(tz) - 24 * 60 * MIN + MIN, now - 10 * MIN);
  // Rooms 101 and 204 have an exam now; room 305 only later today (entry not open yet).
  const sitting = (exam: string, room: string, start: number, end: number) => insertSitting(app.t.db, tz, exam, room, start, end);
  await sitting('Математика', '101', from, now + 20 * MIN);
  const physics = await sitting('Физика', '204', from, now + 20 * MIN);
  await sitting('История', '305', now + 12 * MIN, now + 22 * MIN);
  const student = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-0').executeTakeFirstOrThrow()).id;

  const page = station;
  await page.goto(app.pair);
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  await fits(page, 'the station with the camera on');

  // Room 101, the student registered for nothing today: not registered.
  await chooseRoom(page, '101');
  const notRegistered = await snap(page, 'notregistered');
  assert.match(notRegistered.todo ?? '', /^Не пускайте, пока не проверите документы/);
  assert.match(notRegistered.text, /Сегодня у студента нет экзаменов/);
  await assertOverrideReachable(page, 'notregistered');

  // Registered for room 204's exam, which is on now: wrong room, sent there.
  await app.t.db.insertInto('sitting_students').values({ sitting_id: physics, student_id: student }).execute();
  const wrongRoom = await snap(page, 'wrongroom');
  assert.equal(wrongRoom.todo, 'Направьте студента в ауд. 204');
  await assertOverrideReachable(page, 'wrongroom');

  // Room 204: admitted; the same face again: already passed.
  await chooseRoom(page, '204');
  const ok = await snap(page, 'ok');
  assert.match(ok.text, /Проход разрешён/);
  const already = await snap(page, 'already');
  assert.match(already.text, /Студент уже прошёл на этот экзамен/);
  assert.match(already.todo ?? '', /^Сверьте документ/);
  assert.equal(await page.locator('#result .override').count(), 0, 'nothing to admit: the pass is recorded');

  // Room 305: its exam has not opened yet.
  await chooseRoom(page, '305');
  const noSitting = await snap(page, 'nositting');
  assert.match(noSitting.todo ?? '', /^Вход на экзамен ещё не открыт или уже закрыт/);
  assert.equal(await page.locator('#result .override').count(), 0, 'nothing to admit when no exam is on');

  // Five kinds, five looks: border and background colours all different; each refusal (and «already») its own icon.
  const cards = [ok, already, notRegistered, wrongRoom, noSitting];
  assert.equal(new Set(cards.map((c) => c.border)).size, cards.length, JSON.stringify(cards.map((c) => [c.cls, c.border])));
  assert.equal(new Set(cards.map((c) => c.background)).size, cards.length, JSON.stringify(cards.map((c) => [c.cls, c.background])));
  const icons = [already, notRegistered, wrongRoom, noSitting].map((c) => c.icon);
  assert.deepEqual(icons, ['"↺ "', '"⊘ "', '"➜ "', '"◷ "']);
  assert.deepEqual(
    [already, notRegistered, wrongRoom, noSitting].map((c) => [c.cls, c.iconDrawn]),
    [already, notRegistered, wrongRoom, noSitting].map((c) => [c.cls, true]),
    'every icon drawn with the fonts this computer has (Debian: DejaVu only)',
  );
  assert.equal(ok.icon, 'none');
});

test('«Открыть камеру»: inactive while the camera opens and while it runs; active again when the camera fails or stops', async () => {
  // The station's camera runs (since the previous test, or opened now): the button says so and cannot be pressed.
  const page = station;
  const open = page.locator('#open-camera');
  if (!page.url().startsWith(app.base)) {
    await page.goto(app.pair);
    await open.click();
    await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  }
  assert.equal(await open.innerText(), 'Камера включена');
  assert.equal(await open.isDisabled(), true);
  // The camera stops by itself (unplugged): the card says so, «Открыть камеру» is back, «Сделать фото» is not.
  await page.evaluate(() => {
    const video = document.getElementById('video') as unknown as { srcObject: { getVideoTracks(): { stop(): void; dispatchEvent(e: Event): boolean }[] } };
    const track = video.srcObject.getVideoTracks()[0]!;
    track.stop();
    track.dispatchEvent(new Event('ended'));
  });
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-error');
  assert.match(await page.locator('#result').innerText(), /Камера отключилась/);
  assert.equal(await open.innerText(), 'Открыть камеру');
  assert.equal(await open.isEnabled(), true);
  assert.equal(await page.getByRole('button', { name: 'Сделать фото' }).isDisabled(), true);
  assert.equal(await page.locator('#start-screen').isVisible(), true, 'the instructions instead of a frozen picture');
  assert.equal(await page.locator('#result').getByRole('button', { name: 'Найти вручную' }).count(), 1);
  await fits(page, 'the camera-stopped card');
  // Opened again: inactive again, the complaint gone.
  await open.click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  await page.waitForFunction(() => document.getElementById('open-camera').textContent === 'Камера включена');
  assert.equal(await open.isDisabled(), true);
  assert.equal(await page.locator('#result').getAttribute('class'), 'result result-idle');

  // A camera that takes its time, then is refused: inactive while it opens, active again with the reason.
  const slow = await phonePage();
  await slow.addInitScript({
    content: `navigator.mediaDevices.getUserMedia = () => new Promise((_, reject) => { window.refuseCamera = () => reject(new DOMException('refused', 'NotAllowedError')); });`,
  });
  await slow.goto(app.pair);
  const slowOpen = slow.locator('#open-camera');
  await slowOpen.click();
  assert.equal(await slowOpen.innerText(), 'Камера включается…');
  assert.equal(await slowOpen.isDisabled(), true);
  await slow.evaluate('window.refuseCamera()');
  await slow.waitForFunction(() => document.getElementById('result').className === 'result result-error');
  assert.match(await slow.locator('#result').innerText(), /Доступ к камере запрещён/);
  assert.equal(await slowOpen.innerText(), 'Открыть камеру');
  assert.equal(await slowOpen.isEnabled(), true);
  await slow.close();
});
