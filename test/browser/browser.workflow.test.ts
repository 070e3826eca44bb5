// The door operator's workflow in headless Chromium with real faces: manual pass by search (ё = е),
// «уже проходил» on a second manual pass, no stale result card (RESULT_FADE_S=2), and an admin's
// cancellation in the student card after which the student passes again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { makeIdPhotos } from '../helpers/students.js';
import { addStudents } from '../helpers/roster.js';
import { cameraFrame, startServedApp, type ServedApp } from '../helpers/served.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import type { PageDocument, PageWindow } from '../helpers/page-dom.js';

// Page-side functions run in Chromium (this Node program has no DOM types: see helpers/page-dom.ts).
declare const document: PageDocument;
declare const window: PageWindow;
const VIDEO_PLAYING = () => document.getElementById('video').videoWidth > 0;
const FADE_S = 2;

let app: ServedApp;
let fedorovaId: number;
const browsers: Browser[] = [];

const launch = (camera: Buffer | null, name: string, viewport?: { width: number; height: number }) =>
  launchChromium(browsers, app.work, camera, name, viewport);
const resultText = async (page: Page) => (await page.locator('#result').innerText()).replace(/\s+/g, ' ');
const resultClass = (page: Page) => page.locator('#result').getAttribute('class');

async function openCamera(page: Page): Promise<void> {
  await page.goto(app.pair);
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(VIDEO_PLAYING, undefined, { timeout: 15_000 });
}

/** «Сделать фото» and the card it ends with (read at once: the card fades after FADE_S). */
async function snap(page: Page): Promise<{ cls: string | null; text: string }> {
  await page.getByRole('button', { name: 'Сделать фото' }).click();
  await page.waitForFunction(() => document.getElementById('camera-status').textContent === 'Готово к следующему снимку', undefined, { timeout: 30_000 });
  return { cls: await resultClass(page), text: await resultText(page) };
}

/** The checkpoint's manual search: type `q`, wait for the row of `who`. */
async function findManually(page: Page, q: string, who: string) {
  if (await page.locator('#manual').isHidden()) await page.locator('#manual-open').click();
  await page.fill('#manual-query', q);
  const row = page.locator('#manual-results li', { hasText: who });
  await row.waitFor({ timeout: 10_000 });
  return row;
}

async function passesOf(studentId: number) {
  return app.t.db.selectFrom('passes').selectAll().where('student_id', '=', studentId).orderBy('id').execute();
}

before(async () => {
  app = await startServedApp([3], [3], { RESULT_FADE_S: String(FADE_S) });
  // «Фёдорова» (with ё) enrolled through the real loader, with a real face that is not one of the camera's.
  const [face] = await makeIdPhotos(app.engine, [6]);
  await addStudents(app, [
    { photo: face!, n: 50, over: { Lastname: 'Фёдорова', Firstname: 'Мария', Lotin: 'Fyodorova Mariya', Matricula: '0012345', Group: 'ИТ-21' } },
  ]);
  fedorovaId = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Фёдорова').executeTakeFirstOrThrow()).id;
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('manual pass: «Федорова» finds the student stored as «Фёдорова»; a second manual pass answers «уже проходил»', async () => {
  const page = await launch(null, 'manual'); // no camera at all: the operator admits by documents
  await page.goto(app.pair);
  await page.getByText('Настройки').click();
  await page.fill('#station', 'Ауд. 305');
  await page.dispatchEvent('#station', 'change');
  await page.getByRole('button', { name: 'Открыть камеру' }).click();
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-error');
  // The camera's failure card leads to the manual search.
  await page.locator('#result').getByRole('button', { name: 'Найти вручную' }).click();
  assert.equal(await page.locator('#manual').isVisible(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'manual-query', 'the search box has the focus');

  // One letter is not a search; «Федорова» (е) finds «Фёдорова» (ё).
  await page.fill('#manual-query', 'Ф');
  await page.waitForFunction(() => document.getElementById('manual-message').textContent.includes('хотя бы 2 символа'));
  const row = await findManually(page, 'Федорова', 'Фёдорова Мария');
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  assert.match(rowText, /группа ИТ-21/);
  assert.match(rowText, /Matricula 0012345/);
  assert.match(rowText, /Сегодня ещё не проходил/);
  await page.waitForFunction(() => [...document.querySelectorAll('#manual-results img')].every((i) => i.naturalWidth > 0), undefined, { timeout: 10_000 });
  await screenshot(page, 'checkpoint-manual-search');

  await page.fill('#manual-reason', 'камера не узнала, паспорт проверен');
  await row.getByRole('button', { name: 'Пропустить вручную' }).click();
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-ok');
  const card = await resultText(page);
  assert.match(card, /Пропущен вручную/);
  assert.match(card, /Фёдорова Мария/);
  assert.match(card, /Причина камера не узнала, паспорт проверен/);
  assert.doesNotMatch(card, /Снимок с камеры|совпадение|расстояние/i, 'a manual pass has no camera frame and no match');
  await screenshot(page, 'checkpoint-manual-pass');
  assert.equal(await page.locator('#manual').isHidden(), true, 'the search closes after the pass');
  const [pass, ...more] = await passesOf(fedorovaId);
  assert.equal(more.length, 0);
  assert.equal(pass!.source, 'manual');
  assert.equal(pass!.reason, 'камера не узнала, паспорт проверен');
  assert.equal(pass!.station, 'Ауд. 305');
  await page.waitForFunction(() => document.getElementById('recent-list').textContent.includes('Фёдорова Мария, ИТ-21 (вручную)'));

  // The same student again, from a phone-sized station: «уже проходил» with the first pass's time, nothing new recorded.
  const phone = await launch(null, 'manual-phone', { width: 390, height: 844 });
  await phone.goto(app.pair);
  const again = await findManually(phone, 'федорова', 'Фёдорова Мария');
  assert.match(await again.innerText(), /Уже прошёл сегодня в \d{2}:\d{2}:\d{2}/);
  await again.getByRole('button', { name: 'Пропустить вручную' }).click();
  await phone.waitForFunction(() => document.getElementById('result').className === 'result result-already');
  const already = await resultText(phone);
  assert.match(already, /Студент уже проходил сегодня/);
  assert.match(already, /Первый проход сегодня в \d{2}:\d{2}:\d{2} \(вручную, Ауд\. 305\)/);
  assert.equal(already.match(/\d{2}:\d{2}:\d{2}/g)!.length, 1, "the first pass's time is said once");
  await screenshot(phone, 'checkpoint-manual-already-phone');
  const width = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(width.scroll <= width.inner, `no sideways scrolling on a phone (${width.scroll} > ${width.inner})`);
  assert.equal((await passesOf(fedorovaId)).length, 1);
});

test('no stale result: a new photo clears the card at once; a result fades to neutral after RESULT_FADE_S', async () => {
  const page = await launch(await cameraFrame(app.engine, app.people[0]!), 'stale');
  await openCamera(page);
  const first = await snap(page);
  assert.equal(first.cls, 'result result-ok');
  assert.match(first.text, /Иванова-0 Анна/);
  assert.match(first.text, /совпадение: (надёжное|на границе — сверьте с документом)/);
  assert.doesNotMatch(first.text, /Сходство|расстояние|0\.\d{3}/, 'no raw distance on the checkpoint');

  // The very moment the next photo is taken, the previous student's card is gone.
  const during = await page.evaluate(() => {
    document.getElementById('take-photo').click();
    const r = document.getElementById('result');
    return { cls: r.className, text: r.textContent, images: r.querySelectorAll('img').length };
  });
  assert.equal(during.cls, 'result result-pending');
  assert.match(during.text, /Распознавание…/);
  assert.doesNotMatch(during.text, /Иванова/);
  assert.equal(during.images, 0);
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-already', undefined, { timeout: 30_000 });
  const shown = Date.now();
  assert.match(await resultText(page), /Иванова-0 Анна/);
  await screenshot(page, 'checkpoint-already-before-fade');

  // Left alone, it fades to the neutral state after RESULT_FADE_S (from GET /api/settings), not before.
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-idle', undefined, { timeout: (FADE_S + 5) * 1000 });
  const after = Date.now() - shown;
  assert.ok(after >= FADE_S * 1000 - 300, `faded after ${after} ms, not before ${FADE_S} s`);
  const idle = await resultText(page);
  assert.match(idle, /Готово к следующему студенту/);
  assert.doesNotMatch(idle, /Иванова|Студент уже проходил/);
  assert.equal(await page.locator('#result img').count(), 0);
  await screenshot(page, 'checkpoint-idle-after-fade');
});

test('cancel then re-pass: the admin cancels the pass in the student card (a reason is required); the student passes again', async () => {
  const student = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-1').executeTakeFirstOrThrow()).id;
  const door = await launch(await cameraFrame(app.engine, app.people[1]!), 'repass');
  await openCamera(door);
  const first = await snap(door);
  assert.equal(first.cls, 'result result-ok');
  assert.match(first.text, /Иванова-1 Анна/);

  const openCard = async (page: Page) => {
    await page.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
    await page.waitForSelector('#panel:not([hidden])');
    await page.fill('#student-query', 'иванова-1');
    await page.click('#search-form button');
    await page.waitForFunction(() => document.getElementById('students-total').textContent === 'Найдено: 1');
    await page.locator('.student-card', { hasText: 'Иванова-1 Анна' }).click();
    await page.waitForSelector('#student-dialog[open] #sd-passes li.pass');
  };
  const admin = await launch(null, 'cancel-admin');
  await openCard(admin);
  assert.match(await admin.locator('.student-card').innerText(), /Прошёл сегодня в \d{2}:\d{2}:\d{2}/);
  const card = (await admin.locator('#student-dialog').innerText()).replace(/\s+/g, ' ');
  assert.match(card, /Иванова-1 Анна/);
  assert.match(card, /Matricula \(зачётка\) 001001/);
  assert.match(card, /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2} камера · расстояние 0\.\d{3}/, 'the admin sees the distance');
  // A second admin window with the same card open (it will be late).
  const late = await launch(null, 'cancel-admin-late', { width: 390, height: 844 });
  await openCard(late);

  await admin.getByRole('button', { name: 'Отменить проход' }).click();
  await admin.locator('.cancel-form button[type=submit]').click(); // no reason: nothing happens
  assert.equal((await passesOf(student))[0]!.cancelled_at, null, 'a cancellation needs a reason');
  await admin.fill('.cancel-form input', 'пропущен по ошибке, проверка повторно');
  await admin.locator('.cancel-form button[type=submit]').click();
  await admin.waitForSelector('#sd-passes li.pass-cancelled');
  const cancelled = (await admin.locator('#sd-passes li.pass-cancelled').innerText()).replace(/\s+/g, ' ');
  assert.match(cancelled, /Отменён администратором \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}\. Причина отмены: пропущен по ошибке, проверка повторно/);
  assert.equal(await admin.locator('#sd-passes li.pass-cancelled button').count(), 0);
  assert.equal(await admin.evaluate(() => window.getComputedStyle(document.querySelector('li.pass-cancelled .pass-line')).textDecorationLine), 'line-through');
  assert.match(await admin.locator('#sd-message').innerText(), /Проход отменён/);
  await screenshot(admin, 'admin-student-card-cancelled');
  await admin.waitForFunction(() => document.querySelector('.student-card .pass-state').textContent === 'Сегодня не проходил');

  // The late window cancels the same pass: told it is already cancelled, and shown the card as it is now.
  await late.getByRole('button', { name: 'Отменить проход' }).click();
  await late.fill('.cancel-form input', 'ещё раз');
  await late.locator('.cancel-form button[type=submit]').click();
  await late.waitForFunction(() => /уже отменён/.test(document.getElementById('sd-message').textContent));
  await late.waitForSelector('#sd-passes li.pass-cancelled');
  await screenshot(late, 'admin-student-card-conflict-phone');

  // The student is admitted again at the door: a new first pass, not «уже проходил».
  const again = await snap(door);
  assert.equal(again.cls, 'result result-ok', again.text);
  assert.match(again.text, /Проход разрешён/);
  const passes = await passesOf(student);
  assert.equal(passes.length, 2);
  assert.equal(passes[0]!.cancel_reason, 'пропущен по ошибке, проверка повторно');
  assert.equal(passes[0]!.cancelled_by, 'admin');
  assert.equal(passes[1]!.cancelled_at, null);

  await admin.locator('#sd-close').click();
  await admin.locator('.student-card', { hasText: 'Иванова-1 Анна' }).click();
  await admin.waitForFunction(() => document.querySelectorAll('#sd-passes li.pass').length === 2);
  assert.equal(await admin.locator('#sd-passes li.pass-cancelled').count(), 1);
  assert.equal(await admin.locator('#sd-passes li:not(.pass-cancelled)').getByRole('button', { name: 'Отменить проход' }).count(), 1);
  await screenshot(admin, 'admin-student-card-repassed');
});

test('card + face: the right Matricula from a scanner admits (focus back in the field); another student’s card → the mismatch card, no name, no pass', async () => {
  const who = app.people[0]!; // Иванова-0, Matricula 001000
  const page = await launch(await cameraFrame(app.engine, who), 'card-face');
  await openCamera(page);
  const before = (await app.t.db.selectFrom('passes').select('id').execute()).length;
  // A scanner types the card's number and presses Enter; the other student's card first.
  await page.locator('#claim-matricula').fill('001001');
  await page.locator('#claim-matricula').press('Enter');
  await page.waitForFunction(() => document.getElementById('result').className === 'result result-mismatch', undefined, { timeout: 30_000 });
  const mismatch = await resultText(page);
  assert.match(mismatch, /Лицо не совпадает с фото студента/);
  assert.match(mismatch, /Проверьте документ/);
  assert.doesNotMatch(mismatch, /Иванова/, 'a mismatch names nobody');
  await screenshot(page, 'checkpoint-card-mismatch');
  assert.equal((await app.t.db.selectFrom('passes').select('id').execute()).length, before, 'no pass');
  await page.waitForFunction(() => document.activeElement?.id === 'claim-matricula' && document.getElementById('claim-matricula').value === '');

  await page.locator('#claim-matricula').fill('001000');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /result-(ok|already)/.test(document.getElementById('result').className), undefined, { timeout: 30_000 });
  const ok = await resultText(page);
  assert.match(ok, /Иванова-0 Анна/);
  assert.match(ok, /Лицо совпадает с фото студента по зачётке|уже проходил/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'claim-matricula', 'focus back for the next card');
  await screenshot(page, 'checkpoint-card-verified');
});

test('learn only the student’s own face: after a manual pass a stranger at the camera is refused; after a verified card the student’s frame is added and the admin removes it', async () => {
  // The camera shows somebody never enrolled; the operator passes Иванова-1 by documents and presses «Добавить снимок».
  const stranger = (await makeIdPhotos(app.engine, [6]))[1]!;
  const student = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-1').executeTakeFirstOrThrow()).id;
  await app.t.db.deleteFrom('passes').where('student_id', '=', student).execute();
  const door = await launch(await cameraFrame(app.engine, stranger), 'add-face-stranger');
  await openCamera(door);
  const miss = await snap(door);
  assert.equal(miss.cls, 'result result-notfound', miss.text);
  await door.locator('#result').getByRole('button', { name: 'Найти вручную' }).click();
  const row = await findManually(door, 'Иванова-1', 'Иванова-1 Анна');
  await row.getByRole('button', { name: 'Пропустить вручную' }).click();
  await door.waitForFunction(() => document.getElementById('result').className === 'result result-ok');
  const card = await resultText(door);
  assert.match(card, /Пропущен вручную/);
  assert.doesNotMatch(card, /Снимок, который камера не узнала/, 'the earlier frame of whoever stood there is not offered');
  await door.locator('#result').getByRole('button', { name: 'Добавить снимок к фото студента' }).click();
  await door.waitForFunction(() => /message-(ok|error)/.test(document.querySelector('#result .add-face-note').className), undefined, { timeout: 30_000 });
  assert.match(await door.locator('#result .add-face-note').innerText(), /не совпадает с фото студента — снимок не добавлен/);
  await screenshot(door, 'checkpoint-photo-refused');
  assert.equal((await app.t.db.selectFrom('student_faces').select('id').execute()).length, 0, 'nothing learnt');
  const still = await snap(door);
  assert.equal(still.cls, 'result result-notfound', `the stranger is still unknown: ${still.text}`);

  // Иванова-0 with her card: the frame taken next is hers, within the 1:1 threshold: added.
  const who = app.people[0]!;
  const own = await launch(await cameraFrame(app.engine, who), 'add-face-own');
  await openCamera(own);
  await own.locator('#claim-matricula').fill('001000');
  await own.keyboard.press('Enter');
  await own.waitForFunction(() => /result-(ok|already)/.test(document.getElementById('result').className), undefined, { timeout: 30_000 });
  if ((await resultClass(own)) === 'result result-already') {
    // Passed already by the previous test: a fresh verified pass gives the ticket on its «ok».
    await app.t.db.deleteFrom('passes').execute();
    await own.locator('#claim-matricula').fill('001000');
    await own.keyboard.press('Enter');
    await own.waitForFunction(() => document.getElementById('result').className === 'result result-ok', undefined, { timeout: 30_000 });
  }
  await own.locator('#result').getByRole('button', { name: 'Добавить снимок к фото студента' }).click();
  await own.waitForFunction(() => /message-(ok|error)/.test(document.querySelector('#result .add-face-note').className), undefined, { timeout: 30_000 });
  assert.equal(await own.locator('#result .add-face-note').innerText(), 'Снимок добавлен к фото студента');
  await screenshot(own, 'checkpoint-photo-added');
  const faces = await app.t.db.selectFrom('student_faces').select(['id', 'student_id']).execute();
  const ownId = (await app.t.db.selectFrom('students').select('id').where('lastname', '=', 'Иванова-0').executeTakeFirstOrThrow()).id;
  assert.deepEqual(
    faces.map((f) => f.student_id),
    [ownId],
  );

  // The admin sees it in «Добавленные снимки» and in the student card, and removes it.
  const admin = await launch(null, 'faces-admin');
  await admin.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
  await admin.waitForSelector('#panel:not([hidden])');
  await admin.waitForFunction(() => document.querySelectorAll('#added-photos li').length === 1);
  assert.match(await admin.locator('#added-photos li').innerText(), /Иванова-0 Анна · 001000/);
  await admin.fill('#student-query', 'Иванова-0');
  await admin.click('#search-form button');
  await admin.waitForFunction(() => document.getElementById('students-total').textContent === 'Найдено: 1');
  await admin.locator('.student-card').click();
  await admin.waitForSelector('#sd-faces-box:not([hidden]) figure img');
  await admin.waitForFunction(() => document.querySelector('#sd-faces img').naturalWidth > 0);
  assert.match(await admin.locator('#sd-faces figcaption').innerText(), /^добавлен \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/);
  await screenshot(admin, 'admin-student-card-added-photo');
  await admin.locator('#sd-faces').getByRole('button', { name: 'Удалить снимок' }).click();
  await admin.waitForFunction(() => document.getElementById('sd-faces-box').hidden);
  assert.match(await admin.locator('#sd-message').innerText(), /Снимок удалён/);
  assert.equal((await app.t.db.selectFrom('student_faces').select('id').execute()).length, 0);
});
