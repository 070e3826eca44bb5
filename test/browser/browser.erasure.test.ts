// The admin page's «Хранение и удаление данных» in Chromium with real faces: the sweep's settings and what the next
// one deletes are shown; erasing asks for the typed number of students before «Удалить навсегда» works — one student
// from the card, then a group — and the erased are gone from the list, the index and the camera.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { startServedApp, type ServedApp } from '../helpers/served.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import type { PassAnswerJson } from '../helpers/answers.js';
import type { PageDocument } from '../helpers/page-dom.js';

declare const document: PageDocument;

let app: ServedApp;
const browsers: Browser[] = [];

before(async () => {
  app = await startServedApp([3], [3], { RETENTION_DAYS_ATTEMPTS: '30' });
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('erasing from the admin page: the typed count unlocks «Удалить навсегда»; one student from the card, then a group', async () => {
  const page = await launchChromium(browsers, app.work, null, 'erasure', { width: 1280, height: 900 });
  await page.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('#panel:not([hidden])');
  await page.waitForSelector('#retention .retention-next');
  const retention = await page.locator('#retention').innerText();
  assert.match(retention, /Попытки распознавания: 30 дн\.; кадры добавленных снимков: 30 дн\.; проходы: 365 дн\./);
  assert.match(retention, /Следующая очистка .* удалит: попыток — 0, кадров — 0, проходов — 0/);
  const enrolled = app.t.ctx.index.size;
  assert.ok(enrolled >= 2, `${enrolled} students`);

  // One student from the card: the first in the list.
  await page.waitForSelector('#students button');
  const first = page.locator('#students button').first();
  const name = (await first.locator('.name').innerText()).trim();
  const id = Number(await first.getAttribute('data-id'));
  await first.click();
  await page.getByRole('button', { name: 'Удалить студента…' }).click();
  const confirm = page.locator('#student-dialog .erase-confirm');
  await confirm.waitFor();
  assert.match(await page.locator('#student-dialog .erase-preview').innerText(), /студентов — 1, их проходов — 0/);
  const go = confirm.getByRole('button', { name: 'Удалить навсегда' });
  assert.equal(await go.isDisabled(), true, 'nothing happens before the number is typed');
  await confirm.locator('input').fill('2');
  assert.equal(await go.isDisabled(), true, 'a wrong number keeps it locked');
  await confirm.locator('input').fill('1');
  await screenshot(page, 'admin-erase-student');
  await go.click();
  await page.locator('#student-dialog').waitFor({ state: 'hidden' });
  await page.waitForFunction((n: string) => ![...document.querySelectorAll('#students .name')].some((e) => e.textContent === n), name);
  assert.equal(app.t.ctx.index.has(id), false);
  assert.equal(app.t.ctx.index.size, enrolled - 1);
  assert.equal((await app.t.db.selectFrom('students').select('id').where('id', '=', id).execute()).length, 0);

  // A group: the one of a student still enrolled, with as many as the database holds in it.
  const { group } = await app.t.db.selectFrom('students').select('group').executeTakeFirstOrThrow();
  const inGroup = (await app.t.db.selectFrom('students').select('id').where('group', '=', group).execute()).length;
  await page.fill('#erase-group', group!);
  await page.click('#erase-preview-button');
  await page.waitForSelector('#data-life .erase-confirm', { timeout: 5000 }).catch(async (e: Error) => {
    throw new Error(`${e.message}: ${await page.locator('#data-life').innerText()}`);
  });
  assert.match(await page.locator('#data-life .erase-preview').innerText(), new RegExp(`студентов — ${inGroup}`));
  await page.locator('#data-life .erase-confirm input').fill(String(inGroup));
  await page.locator('#data-life .erase-confirm').getByRole('button', { name: 'Удалить навсегда' }).click();
  await page.waitForFunction(() => document.getElementById('erase-message').className === 'message message-ok');
  assert.match(await page.locator('#erase-message').innerText(), inGroup === 1 ? /Студент удалён/ : new RegExp(`Удалено студентов: ${inGroup}`));
  assert.equal(app.t.ctx.index.size, enrolled - 1 - inGroup);
  // The camera names none of the erased: their enrolled photos are not found.
  for (const p of app.people) {
    const r = (await app.t.app.inject({ method: 'POST', url: '/api/recognize', payload: { image: p.bytes.toString('base64') } })).json<PassAnswerJson>();
    if (r.status === 'ok') assert.ok(app.t.ctx.index.has(r.student.id), `${r.student.id} named though erased`);
  }
});
