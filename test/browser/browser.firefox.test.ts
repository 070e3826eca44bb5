// The checkpoint page in real Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver
// BiDi). Firefox's own fake camera shows a test pattern (no face): the whole path camera → capture →
// server → "look at the camera" runs for real. For a face, the camera is a canvas stream of a real
// photo (Firefox cannot read a .y4m as Chromium does), so the enrolled student is named in Firefox too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { projectRoot } from '../../src/paths.js';
import { cameraFrame, startServedApp, type ServedApp } from '../helpers/served.js';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { makeIdPhotos } from '../helpers/students.js';
import { addStudents } from '../helpers/roster.js';
import { insertSitting, untilMidnight } from '../helpers/schedule.js';
import { assertFits, assertTappable, iconOf, misfitsIn, tapTarget } from '../helpers/fits.js';
import type { PageElement, PageWindow } from '../helpers/page-dom.js';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const ARTIFACTS = path.join(projectRoot, 'test-artifacts');
// Page-side functions are serialised and run in Firefox (this Node program has no DOM types: see helpers/page-dom.ts).
declare const window: PageWindow;

let app: ServedApp;
const browsers: Browser[] = [];

async function launch(): Promise<Page> {
  assert.ok(fs.existsSync(FIREFOX), `Firefox not found at ${FIREFOX}: apt-get install -y firefox-esr (.ci/run does it)`);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true, // a generated test pattern instead of a real device
      'media.navigator.permission.disabled': true, // no permission prompt
      'browser.shell.checkDefaultBrowser': false,
    },
  });
  browsers.push(browser);
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 768 });
  page.on('pageerror', (e) => assert.fail(`page error: ${String(e)}`));
  return page;
}

/** Replaces the camera with a canvas stream showing `jpeg` (a real photo), before the page's scripts run. */
async function photoCamera(page: Page, jpeg: Buffer): Promise<void> {
  await page.evaluateOnNewDocument((b64: string) => {
    const bytes = Uint8Array.from(window.atob(b64), (c: string) => c.charCodeAt(0));
    if (!window.navigator.mediaDevices) return; // a document without camera access (not the checkpoint page)
    window.navigator.mediaDevices.getUserMedia = async () => {
      const bitmap = await window.createImageBitmap(new window.Blob([bytes], { type: 'image/jpeg' }));
      const canvas = window.document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      const draw = () => canvas.getContext('2d').drawImage(bitmap, 0, 0);
      draw();
      window.setInterval(draw, 100);
      return canvas.captureStream(10);
    };
  }, jpeg.toString('base64'));
}

async function snap(page: Page): Promise<string> {
  await page.click('#take-photo');
  await page.waitForFunction(
    () => {
      const r = window.document.getElementById('result');
      return r && !r.hidden && window.document.getElementById('camera-status').textContent === 'Готово к следующему снимку';
    },
    { timeout: 30_000 },
  );
  return page.$eval('#result', (r: PageElement) => String(r.innerText).replace(/\s+/g, ' '));
}

async function openCamera(page: Page): Promise<void> {
  await page.goto(app.pair);
  assert.equal(await page.title(), 'Пункт пропуска — проверка по лицу');
  await page.click('#open-camera');
  await page.waitForFunction(() => window.document.getElementById('video').videoWidth > 0, { timeout: 15_000 });
}

before(async () => {
  // Entry to a sitting opens 5 minutes before its start (the last test's later sitting is not open yet).
  app = await startServedApp([3], [3], { SITTING_OPEN_BEFORE_MIN: '5' });
  const [face] = await makeIdPhotos(app.engine, [6]);
  await addStudents(app, [
    { photo: face!, n: 50, over: { Lastname: 'Фёдорова', Firstname: 'Мария', Lotin: 'Fyodorova Mariya', Matricula: '0012345', Group: 'ИТ-21' } },
  ]);
});

const resultText = (page: Page) => page.$eval('#result', (r: PageElement) => String(r.innerText).replace(/\s+/g, ' '));
const resultClass = (page: Page) => page.$eval('#result', (r: PageElement) => String(r.className));

/** «Найти вручную», type `q`, then «Пропустить вручную» on the row of `who`; returns that row's text before the click. */
async function passManually(page: Page, q: string, who: string, reason = ''): Promise<string> {
  if (await page.$eval('#manual', (m: PageElement) => m.hidden)) await page.click('#manual-open');
  await page.$eval('#manual-query', (i: PageElement) => (i.value = ''));
  await page.type('#manual-query', q);
  await page.waitForFunction(
    (w: string) => [...window.document.querySelectorAll('#manual-results li')].some((li) => li.textContent.includes(w)),
    { timeout: 10_000 },
    who,
  );
  if (reason) await page.type('#manual-reason', reason);
  return page
    .evaluate((w: string) => {
      const li = [...window.document.querySelectorAll('#manual-results li')].find((x) => x.textContent.includes(w));
      if (!li) throw new Error(`no search result for ${w}`);
      const text = String(li.innerText).replace(/\s+/g, ' ');
      li.querySelector('button.manual-pass').click();
      return text;
    }, who)
    .then(async (text) => {
      // The search closes when the pass is answered, and the card shows the answer.
      await page.waitForFunction(
        () => window.document.getElementById('manual').hidden && /result-(ok|already)/.test(window.document.getElementById('result').className),
        { timeout: 10_000 },
      );
      return text;
    });
}

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('Firefox: its fake camera (a test pattern, no face) → «В кадре нет лица — посмотрите в камеру», nothing recorded', async () => {
  const page = await launch();
  await openCamera(page);
  const text = await snap(page);
  assert.match(text, /В кадре нет лица/);
  assert.match(text, /Посмотрите в камеру/);
  assert.doesNotMatch(text, /не найдено/);
  assert.equal(await page.$eval('#result', (r: PageElement) => r.className), 'result result-warn');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-checkpoint-no-face.png') });
  const attempts = await app.t.db.selectFrom('attempts').select(['status', 'source']).execute();
  assert.deepEqual(
    attempts.map((a) => [a.status, a.source]),
    [['no_face', 'camera']],
    'the frame really reached the server from Firefox',
  );
  assert.equal((await app.t.db.selectFrom('passes').selectAll().execute()).length, 0);
});

test('Firefox: a real face as the camera → the enrolled student by name, then "already passed" (Enter key)', async () => {
  const frame = await cameraFrame(app.engine, app.people[0]!, 640, 480);
  const page = await launch();
  await photoCamera(page, frame);
  await openCamera(page);
  const first = await snap(page);
  assert.match(first, /Проход разрешён/);
  assert.match(first, /Иванова-0 Анна/);
  assert.equal(await page.$eval('#result', (r: PageElement) => r.className), 'result result-ok');
  await page.waitForFunction(() => [...window.document.querySelectorAll('#result img')].every((i) => i.naturalWidth > 0), { timeout: 10_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-checkpoint-ok.png') });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.document.getElementById('result').className === 'result result-already', { timeout: 30_000 });
  assert.match(await page.$eval('#result', (r: PageElement) => String(r.innerText)), /Студент уже проходил сегодня/);
});

test('Firefox: manual pass — «Федорова» finds «Фёдорова»; the second manual pass is «уже проходил»', async () => {
  const page = await launch();
  await page.goto(app.pair);
  const row = await passManually(page, 'Федорова', 'Фёдорова Мария', 'паспорт проверен');
  assert.match(row, /Matricula 0012345/);
  assert.match(row, /Сегодня ещё не проходил/);
  assert.equal(await resultClass(page), 'result result-ok');
  const card = await resultText(page);
  assert.match(card, /Пропущен вручную/);
  assert.match(card, /Фёдорова Мария/);
  assert.match(card, /паспорт проверен/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-manual-pass.png') });

  const again = await passManually(page, 'федорова', 'Фёдорова Мария');
  assert.match(again, /Уже прошёл сегодня в \d{2}:\d{2}:\d{2}/);
  assert.equal(await resultClass(page), 'result result-already');
  assert.match(await resultText(page), /Студент уже проходил сегодня Первый проход сегодня в \d{2}:\d{2}:\d{2} \(вручную\)/);
  const student = await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Фёдорова').executeTakeFirstOrThrow();
  const passes = await app.t.db.selectFrom('passes').selectAll().where('student_id', '=', student.id).execute();
  assert.deepEqual(
    passes.map((p) => [p.source, p.reason]),
    [['manual', 'паспорт проверен']],
  );
});

test('Firefox: the admin cancels a pass in the student card; the student is admitted again', async () => {
  const door = await launch();
  await door.goto(app.pair);
  await passManually(door, 'Иванова-1', 'Иванова-1 Анна');
  assert.equal(await resultClass(door), 'result result-ok');

  const admin = await launch();
  await admin.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
  await admin.waitForSelector('#panel:not([hidden])');
  await admin.type('#student-query', 'Иванова-1');
  await admin.click('#search-form button');
  await admin.waitForFunction(() => window.document.getElementById('students-total').textContent === 'Найдено: 1');
  await admin.click('.student-card');
  await admin.waitForSelector('#sd-passes li.pass button');
  assert.match(await admin.$eval('#sd-passes', (l: PageElement) => String(l.innerText)), /вручную/);
  await admin.click('#sd-passes li.pass button');
  await admin.type('.cancel-form input', 'не тот студент');
  await admin.click('.cancel-form button[type=submit]');
  await admin.waitForSelector('#sd-passes li.pass-cancelled');
  assert.match(
    await admin.$eval('#sd-passes li.pass-cancelled', (l: PageElement) => String(l.innerText).replace(/\s+/g, ' ')),
    /Отменён администратором .*Причина отмены: не тот студент/,
  );
  await admin.screenshot({ path: path.join(ARTIFACTS, 'firefox-admin-cancelled.png') });

  await passManually(door, 'Иванова-1', 'Иванова-1 Анна');
  assert.equal(await resultClass(door), 'result result-ok', 'admitted again after the cancellation');
  const student = await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-1').executeTakeFirstOrThrow();
  const passes = await app.t.db.selectFrom('passes').selectAll().where('student_id', '=', student.id).orderBy('id').execute();
  assert.deepEqual(
    passes.map((p) => p.cancel_reason),
    ['не тот студент', null],
  );
});

test('Firefox on a phone (390 px): the refusal cards fit the screen, each its icon drawn; «Допустить» on screen', async () => {
  const MIN = 60_000;
  const tz = app.t.ctx.config.timezone;
  if (untilMidnight(tz) < 25 * MIN) await sleep(untilMidnight(tz) + MIN); // the sittings on one day
  const now = Date.now();
  const from = Math.max(now + untilMidnight(tz) - 24 * 60 * MIN + MIN, now - 10 * MIN);
  // Rooms 401 and 402 have an exam on (Иванова-0, the camera's face, registered for neither yet); room 403's opens later.
  await insertSitting(app.t.db, tz, 'Химия', '401', from, now + 20 * MIN);
  const other = await insertSitting(app.t.db, tz, 'Биология', '402', from, now + 20 * MIN);
  await insertSitting(app.t.db, tz, 'Литература', '403', now + 12 * MIN, now + 22 * MIN);
  const student = await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-0').executeTakeFirstOrThrow();
  const register = () => app.t.db.insertInto('sitting_students').values({ sitting_id: other, student_id: student.id }).execute();

  const page = await launch();
  await page.setViewport({ width: 390, height: 844, hasTouch: true });
  await photoCamera(page, await cameraFrame(app.engine, app.people[0]!, 640, 480));
  await openCamera(page);
  const cards: [string, string, (() => Promise<unknown>)?][] = [
    ['401', 'notregistered'],
    ['401', 'wrongroom', register], // registered for room 402's exam
    ['403', 'nositting'],
  ];
  for (const [room, kind, first] of cards) {
    await first?.();
    await page.click('#settings summary');
    await page.waitForSelector(`#room option[value="${room}"]`);
    await page.select('#room', room);
    await page.click('#settings summary');
    const text = await snap(page);
    assert.equal(await resultClass(page), `result result-${kind}`, text);
    await page.waitForFunction(() => [...window.document.querySelectorAll('#result img')].every((i) => i.naturalWidth > 0), { timeout: 10_000 });
    assertFits(await page.evaluate(misfitsIn, 'body'), `Firefox, the «${kind}» card`);
    const icon = await page.evaluate(iconOf, '#result .result-title');
    assert.equal(icon?.drawn, true, `the «${kind}» icon ${icon?.icon} drawn in Firefox`);
    if (kind !== 'nositting') {
      await page.$eval('#result .override button', (b: PageElement & { scrollIntoView(o: { block: string }): void }) => b.scrollIntoView({ block: 'center' }));
      assertTappable(await page.evaluate(tapTarget, '#result .override button'), '«Допустить» in Firefox');
    }
    await page.screenshot({ path: path.join(ARTIFACTS, `firefox-narrow-${kind}.png`), fullPage: true });
  }
});
