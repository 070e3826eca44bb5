// The real pages in headless Chromium (Debian package, driven by playwright-core) with a real face as the camera.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import type { FaceEngine } from '../../src/face/engine.js';
import { projectRoot } from '../../src/paths.js';
import { ADMIN_TOKEN, type TestApp } from '../helpers/app.js';
import { studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { landscape, sampleBytes } from '../helpers/faces.js';
import { COLUMNS } from '../../src/students/excel.js';
import { localDate } from '../../src/time.js';
import { cameraFrame as cameraFrameOf, startServedApp, type ServedApp } from '../helpers/served.js';
import { ARTIFACTS, launchChromium, screenshot } from '../helpers/chromium.js';
import type { PageDocument, PageStorage, PageWindow } from '../helpers/page-dom.js';

// Page-side functions run in Chromium (this Node program has no DOM types: see helpers/page-dom.ts). They stay
// functions, not strings: the pages' Content-Security-Policy forbids eval, and the tests run under it.
declare const document: PageDocument;
declare const window: PageWindow;
declare const localStorage: PageStorage;
const VIDEO_PLAYING = () => document.getElementById('video').videoWidth > 0;

let app: ServedApp;
let engine: FaceEngine;
let t: TestApp;
let base: string;
let pair: string;
let work: string;
let people: IdPhoto[];
const browsers: Browser[] = [];

const cameraFrame = (p: IdPhoto) => cameraFrameOf(engine, p);

/** Chromium whose camera shows `camera`; with `camera` null, a browser with no usable camera at all. */
const launch = (camera: Buffer | null, name: string, viewport = { width: 1280, height: 860 }): Promise<Page> =>
  launchChromium(browsers, work, camera, name, viewport);
const shot = screenshot;

async function snap(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Сделать фото' }).click();
  await page.waitForFunction(
    () => {
      const r = document.getElementById('result');
      return r && !r.hidden && document.getElementById('camera-status').textContent === 'Готово к следующему снимку';
    },
    undefined,
    { timeout: 30_000 },
  );
  return (await page.locator('#result').innerText()).replace(/\s+/g, ' ');
}

before(async () => {
  app = await startServedApp([3, 5], [3]);
  ({ engine, t, base, pair, work, people } = app);
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('checkpoint page: camera → enrolled student by name, then "already passed", keyboard works', async () => {
  const page = await launch(await cameraFrame(people[0]!), 'enrolled');
  await page.goto(pair);
  assert.equal(await page.title(), 'Пункт пропуска — проверка по лицу');
  await page.getByText('Настройки').click();
  await page.fill('#station', 'Ауд. 204');
  await page.dispatchEvent('#station', 'change');
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  const first = await snap(page);
  assert.match(first, /Проход разрешён/);
  assert.match(first, /Иванова-0 Анна/);
  assert.match(first, /001000/);
  assert.equal(await page.locator('#result').getAttribute('class'), 'result result-ok');
  // The operator's word for the match, not the raw distance (that stays for the audit and the admin page).
  assert.match(first, /совпадение: (надёжное|на границе — сверьте с документом)/);
  assert.doesNotMatch(first, /Сходство|расстояние|0\.\d{3}/);
  // The enrolled photo is shown beside the captured frame.
  await page.waitForFunction(() => [...document.querySelectorAll('#result img')].every((i) => i.naturalWidth > 0), undefined, { timeout: 10_000 });
  assert.equal(await page.locator('#result img').count(), 2);
  await page.waitForFunction(() => document.getElementById('recent-list').textContent.includes('Иванова-0'));
  await shot(page, 'checkpoint-ok');

  // Keyboard: Space takes the next photo.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-already', undefined, { timeout: 30_000 });
  const second = (await page.locator('#result').innerText()).replace(/\s+/g, ' ');
  assert.match(second, /Студент уже проходил сегодня/);
  assert.match(second, /Первый проход сегодня в \d{2}:\d{2}:\d{2} \(камера, Ауд\. 204\)/);
  assert.equal(second.match(/\d{2}:\d{2}:\d{2}/g)!.length, 1, "the first pass's time is said once");
  assert.match(second, /Иванова-0 Анна/);
  await shot(page, 'checkpoint-already-passed');
  assert.equal(await page.evaluate(() => localStorage.getItem('efc.station')), 'Ауд. 204');
  const attempts = await t.db.selectFrom('attempts').select(['station', 'source']).execute();
  assert.ok(attempts.every((a) => a.station === 'Ауд. 204' && a.source === 'camera'));
});

/** No sentence twice on one card (the title and the hint used to repeat each other). */
async function assertNoRepeats(page: Page): Promise<void> {
  const lines = (await page.locator('#result .result-title, #result .result-hint').allInnerTexts()).map((l) => l.trim().toLowerCase());
  assert.equal(new Set(lines).size, lines.length, JSON.stringify(lines));
  const words = lines
    .join(' ')
    .split(/[^а-яё]+/)
    .filter((w) => w.length > 4);
  assert.equal(new Set(words).size, words.length, `a word repeated on the card: ${JSON.stringify(lines)}`);
}

test('checkpoint page: a face that is not enrolled shows "Лицо не найдено"; two people show the multiple-faces hint', async () => {
  const stranger = await launch(await cameraFrame(people.find((p) => p.sample === 5)!), 'stranger');
  await stranger.goto(pair);
  await stranger.getByRole('button', { name: 'Открыть камеру' }).click();
  await stranger.waitForFunction(VIDEO_PLAYING);
  const text = await snap(stranger);
  assert.match(text, /Лицо не найдено/);
  assert.doesNotMatch(text, /Иванова|Matricula/);
  assert.equal(await stranger.locator('#result').getAttribute('class'), 'result result-notfound');
  await assertNoRepeats(stranger);
  assert.equal(await stranger.locator('#result').getByRole('button', { name: 'Найти вручную' }).count(), 1, 'the way to the manual pass is on the card');
  await shot(stranger, 'checkpoint-not-found');

  const group = await launch(await sharp(sampleBytes(5)).resize(1280).jpeg().toBuffer(), 'group');
  await group.goto(pair);
  await group.getByRole('button', { name: 'Открыть камеру' }).click();
  await group.waitForFunction(VIDEO_PLAYING);
  const many = await snap(group);
  assert.match(many, /В кадре несколько лиц/);
  assert.match(many, /Перед камерой должен быть один человек/);
  assert.equal(await group.locator('#result').getAttribute('class'), 'result result-warn');
  await assertNoRepeats(group);
  await shot(group, 'checkpoint-multiple-faces');

  // No face in the frame: grey and worded so that it cannot be read as «Лицо не найдено».
  const empty = await launch(await landscape(), 'no-face');
  await empty.goto(pair);
  await empty.getByRole('button', { name: 'Открыть камеру' }).click();
  await empty.waitForFunction(VIDEO_PLAYING);
  const none = await snap(empty);
  assert.match(none, /В кадре нет лица/);
  assert.match(none, /Посмотрите в камеру/);
  assert.doesNotMatch(none, /не найдено|не обнаружено/);
  assert.equal(await empty.locator('#result').getAttribute('class'), 'result result-warn');
  await assertNoRepeats(empty);
  await shot(empty, 'checkpoint-no-face');
});

test('checkpoint page: no camera / permission denied gives a clear message, not a blank page', async () => {
  const page = await launch(null, 'no-camera');
  await page.goto(pair);
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(() =>
    /Камера не найдена|Доступ к камере запрещён|Камера занята|Камера недоступна|Не удалось открыть камеру/.test(document.getElementById('result').textContent),
  );
  const text = await page.locator('#result').innerText();
  assert.match(text, /Камера не найдена|Доступ к камере запрещён|Камера занята|Камера недоступна|Не удалось открыть камеру/);
  assert.equal(await page.getByRole('button', { name: 'Сделать фото' }).isDisabled(), true);
  // The start screen (what to do) stays instead of a black box; the card offers the manual pass.
  assert.equal(await page.locator('#start-screen').isVisible(), true);
  assert.match(await page.locator('#start-screen').innerText(), /Открыть камеру[\s\S]*Сделать фото[\s\S]*Найти вручную/);
  assert.equal(await page.locator('#result').getByRole('button', { name: 'Найти вручную' }).count(), 1);
  await shot(page, 'checkpoint-no-camera');
});

test('checkpoint page on a tablet (768×1024, touch): no sideways scrolling, preview and result on screen, large buttons', async () => {
  const page = await launch(await cameraFrame(people[1]!), 'tablet', { width: 768, height: 1024 });
  await page.goto(pair);
  await page.getByRole('button', { name: 'Открыть камеру' }).tap();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  await page.getByRole('button', { name: 'Сделать фото' }).tap();
  await page.waitForFunction(() => document.getElementById('camera-status').textContent === 'Готово к следующему снимку', undefined, { timeout: 30_000 });
  assert.equal(await page.locator('#result').getAttribute('class'), 'result result-ok');
  assert.match(await page.locator('#result').innerText(), /Иванова-1 Анна/);
  const layout = await page.evaluate(() => {
    const box = (id: string) => document.getElementById(id).getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      innerHeight: window.innerHeight,
      video: box('video'),
      result: box('result'),
      buttons: [box('open-camera'), box('take-photo')],
      title: parseFloat(window.getComputedStyle(document.querySelector('#result .result-title')).fontSize),
    };
  });
  assert.ok(layout.scrollWidth <= layout.innerWidth, `no horizontal scroll (${layout.scrollWidth} > ${layout.innerWidth})`);
  for (const b of [layout.video, layout.result, ...layout.buttons]) assert.ok(b.left >= 0 && b.right <= layout.innerWidth && b.width > 0, JSON.stringify(b));
  assert.ok(
    layout.result.top >= 0 && layout.result.bottom <= layout.innerHeight + 1,
    `the whole result is on screen without scrolling by hand (${layout.result.top}–${layout.result.bottom} of ${layout.innerHeight})`,
  );
  assert.ok(
    layout.buttons.every((b: { height: number }) => b.height >= 44),
    'touch targets at least 44 px high',
  );
  assert.ok(layout.title >= 24, `result title readable from a metre away (${layout.title} px)`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'checkpoint-tablet.png') }); // what the operator sees, not the full page
});

test('admin page: token, Excel upload with summary, report download', async () => {
  const page = await launch(await cameraFrame(people[0]!), 'admin');
  await page.goto(`${base}/admin`);
  await page.fill('#admin-token', 'wrong-token-123');
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.getElementById('login-message').textContent.length > 0);
  assert.match(await page.locator('#login-message').innerText(), /токен/i);
  await page.fill('#admin-token', ADMIN_TOKEN);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#panel:not([hidden])');
  // Both pages name the favicon, and the server gives it.
  assert.equal(await page.locator('link[rel=icon]').getAttribute('href'), '/favicon.svg');
  const icon = await page.request.get(`${base}/favicon.svg`);
  assert.equal(icon.status(), 200);
  assert.match(icon.headers()['content-type'] ?? '', /^image\/svg\+xml/);
  assert.equal(fs.readFileSync(path.join(projectRoot, 'public', 'index.html'), 'utf8').includes('<link rel="icon" href="/favicon.svg"'), true);
  assert.equal(await page.locator('#index-size').innerText(), String(people.filter((p) => p.sample === 3).length));

  // Upload: the sample-5 people (photos already on the server in Face ID docs/photos) + one bad row.
  const docsPhotos = path.join(t.ctx.config.faceIdDocs, 'photos');
  fs.mkdirSync(docsPhotos, { recursive: true });
  const newcomers = people.filter((p) => p.sample === 5);
  for (const p of newcomers) fs.writeFileSync(path.join(docsPhotos, `${p.key}.jpg`), p.bytes);
  const xlsx = path.join(work, 'admin-upload.xlsx');
  await writeSheet(xlsx, [...newcomers.map((p, i) => studentRow(200 + i, `${p.key}.jpg`)), studentRow(299, 'nobody.jpg')]);
  await page.setInputFiles('#excel-file', xlsx);
  await page.click('#upload-button');
  await page.waitForFunction(() => document.getElementById('upload-message').textContent.startsWith('Готово'), undefined, { timeout: 60_000 });
  const summary = (await page.locator('#summary').innerText()).replace(/\s+/g, ' ');
  // The row whose photo is missing is a student too, «без фото» — and that comes first, with what to do.
  assert.match(summary, new RegExp(`${newcomers.length + 1} Добавлено`));
  assert.match(
    summary,
    /^1 студент без фото \(можно пропустить только вручную\) Требует внимания Без фото: Файл фото не найден — 1 \(строка \d+\) Что сделать: /,
  );
  // Reasons in Russian; the code only as the tooltip.
  assert.match(summary, /Файл фото не найден — 1/);
  assert.doesNotMatch(summary, /file_not_found|\(force\)/);
  assert.equal(await page.locator('#summary td.reason', { hasText: 'Файл фото не найден' }).getAttribute('title'), 'код: file_not_found');
  assert.doesNotMatch(await page.locator('#panel').innerText(), /\(force\)|\bMatricula\b(?! \(зачётка\))/);
  await page.fill('#student-query', 'ИВАНОВА-201');
  await page.click('#search-form button');
  await page.waitForFunction(() => document.getElementById('students-total').textContent.startsWith('Найдено: 1'));
  await shot(page, 'admin-after-upload');

  const download = page.waitForEvent('download');
  await page.click('#report-button');
  const report = await download;
  // Saved under the server's dated file name (Content-Disposition), not one the page made up.
  const today = localDate(new Date(), t.ctx.config.timezone);
  assert.equal(report.suggestedFilename(), `passes_${today}.xlsx`);
  assert.match(await page.locator('#report-message').innerText(), new RegExp(`passes_${today}\\.xlsx`));
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await report.path());
  assert.deepEqual(
    wb.worksheets.map((w) => w.name),
    ['Проходы', 'Не прошли'],
  );
  const names = (ws: ExcelJS.Worksheet) =>
    ws
      .getSheetValues()
      .flat()
      .filter((v): v is string => typeof v === 'string');
  assert.ok(names(wb.worksheets[0]!).includes('Иванова-0'), "today's pass from the first test is in the report");
  const absent = names(wb.getWorksheet('Не прошли')!);
  assert.ok(absent.includes('Иванова-200') && !absent.includes('Иванова-0'), JSON.stringify(absent));
  await shot(page, 'admin-report');

  // «С» later than «По»: said on the page, nothing downloaded.
  await page.fill('#report-from', '2026-03-10');
  await page.fill('#report-to', '2026-03-01');
  await page.click('#report-button');
  await page.waitForFunction(() => document.getElementById('report-message').className === 'message message-error');
  assert.match(await page.locator('#report-message').innerText(), /позже/);
});

test("admin page: «Скачать шаблон списка» saves the server's template with the loader's 10 columns", async () => {
  const page = await launch(null, 'template');
  await page.goto(`${base}/admin#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('#panel:not([hidden])');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Скачать шаблон списка (.xlsx)' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'list of students.xlsx');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await file.path());
  assert.deepEqual(
    (wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1),
    COLUMNS.map(([n]) => n),
  );
  assert.match(await page.locator('#template-message').innerText(), /Шаблон скачан/);

  // The template uploaded as it is (its example row's photo is nowhere): the summary says what layout was expected.
  await page.setInputFiles('#excel-file', await file.path());
  await page.click('#upload-button');
  await page.waitForFunction(() => document.getElementById('upload-message').textContent.startsWith('Готово'), undefined, { timeout: 60_000 });
  assert.match(await page.locator('#summary .load-hint').innerText(), /Ни одного фото из таблицы не найдено/);
  assert.match((await page.locator('#summary').innerText()).replace(/\s+/g, ' '), /Файл фото не найден — 1/);
  await shot(page, 'admin-template-uploaded');
});

test("pairing (F1): an unpaired checkpoint is refused and says how to connect; the admin page's link pairs it once", async () => {
  const page = await launch(await cameraFrame(people[1]!), 'unpaired');
  await page.goto(base);
  await page.waitForFunction(() => document.getElementById('result').textContent.includes('не подключён'));
  assert.match(await page.locator('#result').innerText(), /не подключён[\s\S]*ссылку подключения/);
  assert.equal(await page.locator('#settings').getAttribute('open'), '', 'the settings open at the token box');

  // The admin logs in by the first-start link, which carries the token; the address bar loses it at once.
  const admin = await launch(null, 'pairing-admin'); // the admin's own computer
  await admin.goto(`${base}/admin#token=${ADMIN_TOKEN}`);
  await admin.waitForSelector('#panel:not([hidden])');
  assert.equal(new URL(admin.url()).hash, '');
  // A station is a record: its name and room are set here; its own link is shown once.
  await admin.fill('#pairing-name', 'Вход Б-204');
  await admin.click('#pairing-button');
  await admin.waitForSelector('#pairing-qr:not([hidden])');
  await admin.waitForFunction(() => document.getElementById('pairing-qr').naturalWidth > 0);
  const link = await admin.locator('#pairing-link').inputValue();
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#pair=/);
  // The admin page was opened on a loopback address: the link would not open on a door tablet, and the page says so.
  assert.match(await admin.locator('#pairing-message').innerText(), /localhost/);
  await admin.waitForFunction(() => document.querySelectorAll('#stations li').length === 1);
  assert.match(await admin.locator('#stations li').innerText(), /Вход Б-204[\s\S]*аудитория не задана/);
  await shot(admin, 'admin-pairing');

  await page.goto(link);
  await page.waitForFunction(() => document.getElementById('result').textContent.includes('Пункт пропуска подключён'));
  // The station's name is the server's, shown (not editable) in its settings.
  await page.waitForFunction(() => document.getElementById('station-info').textContent.includes('Вход Б-204'));
  assert.equal(new URL(page.url()).hash, '', 'the token is not left in the address bar');
  await page.reload(); // remembered: a reload needs no link
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
  assert.match(await snap(page), /Иванова-1 Анна/);
});

test("cross-site (F5): a page on another origin cannot record a pass through the operator's paired browser", async () => {
  const page = await launch(null, 'cross-site');
  await page.goto(pair); // the operator's browser is paired with the server
  const frame = (await cameraFrame(people[0]!)).toString('base64');
  const evil = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><script>
      const bytes = Uint8Array.from(atob('${frame}'), (c) => c.charCodeAt(0));
      const form = new FormData();
      form.append('image', new Blob([bytes], { type: 'image/jpeg' }), 'f.jpg');
      fetch('${base}/api/recognize', { method: 'POST', mode: 'no-cors', body: form }).catch(() => undefined).finally(() => (document.title = 'sent'));
    </script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  try {
    const attempts = async () => (await t.db.selectFrom('attempts').select('id').execute()).length;
    const before = await attempts();
    // localhost and 127.0.0.1 are different sites to the browser.
    await page.goto(`http://localhost:${(evil.address() as import('node:net').AddressInfo).port}/`);
    await page.waitForFunction(() => document.title === 'sent', undefined, { timeout: 15_000 });
    assert.equal(await attempts(), before, 'the request never reached the recognition');
  } finally {
    evil.close();
  }
});
