// The admin page's «Журнал действий» in Chromium: the actions done before (a paired station, a manual pass, a
// cancellation) are listed newest first with who did them; the action filter narrows the table; a «С» later than
// «По» is refused on the page; «Скачать (.xlsx)» downloads the filtered log, which opens with exceljs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { ADMIN_TOKEN } from '../helpers/app.js';
import { startServedApp, type ServedApp } from '../helpers/served.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import type { PassAnswerJson } from '../helpers/answers.js';
import type { PageDocument } from '../helpers/page-dom.js';

declare const document: PageDocument;

let app: ServedApp;
const browsers: Browser[] = [];
const admin = { 'x-admin-token': ADMIN_TOKEN };

before(async () => {
  app = await startServedApp([3], [3]);
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('«Журнал действий»: rows newest first with who, the action filter, a wrong period refused, the .xlsx download', async () => {
  const inject = app.t.app.inject.bind(app.t.app);
  const paired = await inject({ method: 'POST', url: '/admin/stations', payload: { name: 'Вход А' }, headers: admin });
  assert.equal(paired.statusCode, 200, paired.body);
  const student = await app.t.db.selectFrom('students').select('id').executeTakeFirstOrThrow();
  const pass = (await inject({ method: 'POST', url: '/api/passes', payload: { student_id: student.id, reason: 'документы' } })).json<PassAnswerJson>();
  assert.equal(pass.status, 'ok');
  assert.equal((await inject({ method: 'POST', url: `/admin/passes/${pass.pass.id}/cancel`, payload: { reason: 'ошибка' }, headers: admin })).statusCode, 200);

  const page = await launchChromium(browsers, app.work, null, 'audit', { width: 1280, height: 900 });
  await page.goto(`${app.base}/admin#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('#panel:not([hidden])');
  await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length >= 3);
  const rows = await page.locator('#audit-table tbody tr').allInnerTexts();
  assert.match(rows[0]!, /Администратор[\s\S]*Отмена прохода[\s\S]*pass:\d+ student:\d+/);
  assert.match(rows[1]!, /Пункт \(общий токен\)[\s\S]*Ручной пропуск/);
  assert.ok(rows.some((r) => /Подключён пункт пропуска[\s\S]*station:\d+/.test(r)));
  assert.match(await page.locator('#audit-total').innerText(), /Записей: \d+/);

  await page.selectOption('#audit-action', 'pass.manual');
  await page.click('#audit-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length === 1);
  assert.match(await page.locator('#audit-table').innerText(), /Ручной пропуск/);
  await screenshot(page, 'admin-audit');

  await page.fill('#audit-from', '2030-01-02');
  await page.fill('#audit-to', '2030-01-01');
  await page.click('#audit-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('audit-message').className === 'message message-error');
  assert.match(await page.locator('#audit-message').innerText(), /позже/);
  await page.fill('#audit-from', '');
  await page.fill('#audit-to', '');

  const download = page.waitForEvent('download');
  await page.click('#audit-export');
  const file = await download;
  assert.match(file.suggestedFilename(), /^audit_\d{4}-\d{2}-\d{2}\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fs.readFileSync(await file.path()) as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('Журнал действий')!;
  assert.equal(ws.getCell(1, 1).text, 'Записей: 1');
  assert.equal(ws.getRow(3).getCell(7).text, 'pass.manual');
});
