// The checkpoint page in real Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver
// BiDi). Firefox's own fake camera shows a test pattern (no face): the whole path camera → capture →
// server → "look at the camera" runs for real. For a face, the camera is a canvas stream of a real
// photo (Firefox cannot read a .y4m as Chromium does), so the enrolled student is named in Firefox too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { projectRoot } from '../src/paths.js';
import { cameraFrame, startServedApp, type ServedApp } from './helpers/served.js';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const ARTIFACTS = path.join(projectRoot, 'test-artifacts');
/* eslint-disable @typescript-eslint/no-explicit-any */
// Page-side functions are serialised and run in Firefox (this Node program has no DOM types).
declare const window: any;

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
  await page.waitForFunction(() => { const r = window.document.getElementById('result'); return r && !r.hidden && window.document.getElementById('camera-status').textContent === 'Готово к следующему снимку'; }, { timeout: 30_000 });
  return page.$eval('#result', (r: any) => String(r.innerText).replace(/\s+/g, ' '));
}

async function openCamera(page: Page): Promise<void> {
  await page.goto(app.pair);
  assert.equal(await page.title(), 'Пункт пропуска — проверка по лицу');
  await page.click('#open-camera');
  await page.waitForFunction(() => window.document.getElementById('video').videoWidth > 0, { timeout: 15_000 });
}

before(async () => {
  app = await startServedApp([3], [3]);
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await app?.close();
});

test('Firefox: its fake camera (a test pattern, no face) → "Посмотрите в камеру", nothing recorded', async () => {
  const page = await launch();
  await openCamera(page);
  const text = await snap(page);
  assert.match(text, /Посмотрите в камеру/);
  assert.equal(await page.$eval('#result', (r: any) => r.className), 'result result-warn');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-checkpoint-no-face.png') as `${string}.png` });
  const attempts = await app.t.db.selectFrom('attempts').select(['status', 'source']).execute();
  assert.deepEqual(attempts.map((a) => [a.status, a.source]), [['no_face', 'camera']], 'the frame really reached the server from Firefox');
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
  assert.equal(await page.$eval('#result', (r: any) => r.className), 'result result-ok');
  await page.waitForFunction(() => [...window.document.querySelectorAll('#result img')].every((i: any) => i.naturalWidth > 0), { timeout: 10_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-checkpoint-ok.png') as `${string}.png` });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.document.getElementById('result').className === 'result result-already', { timeout: 30_000 });
  assert.match(await page.$eval('#result', (r: any) => String(r.innerText)), /Студент уже проходил сегодня/);
});
