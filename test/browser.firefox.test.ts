// The checkpoint page in real Firefox (Debian's firefox-esr, driven by puppeteer-core over WebDriver
// BiDi). Firefox's own fake camera shows a test pattern (no face): the whole path camera → capture →
// server → "look at the camera" runs for real. For a face, the camera is a canvas stream of a real
// photo (Firefox cannot read a .y4m as Chromium does), so the enrolled student is named in Firefox too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { FaceEngine } from '../src/face/engine.js';
import { projectRoot } from '../src/paths.js';
import { sqliteDatabase, tempDir, type TestDatabase } from './helpers/db.js';
import { startApp, type TestApp } from './helpers/app.js';
import { enrol, makeIdPhotos, type IdPhoto } from './helpers/students.js';
import { grow, sampleBytes } from './helpers/faces.js';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const ARTIFACTS = path.join(projectRoot, 'test-artifacts');
/* eslint-disable @typescript-eslint/no-explicit-any */
// Page-side functions are serialised and run in Firefox (this Node program has no DOM types).
declare const window: any;

let engine: FaceEngine;
let tdb: TestDatabase;
let t: TestApp;
let base: string;
let work: string;
let people: IdPhoto[];
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
  await page.goto(base);
  assert.equal(await page.title(), 'Пункт пропуска — проверка по лицу');
  await page.click('#open-camera');
  await page.waitForFunction(() => window.document.getElementById('video').videoWidth > 0, { timeout: 15_000 });
}

before(async () => {
  engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  work = tempDir();
  people = await makeIdPhotos(engine, [3]);
  tdb = await sqliteDatabase();
  t = await startApp(tdb, engine);
  await enrol(t, engine, people, path.join(work, 'docs'));
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await t?.close();
  await tdb?.drop();
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('Firefox: its fake camera (a test pattern, no face) → "Посмотрите в камеру", nothing recorded', async () => {
  const page = await launch();
  await openCamera(page);
  const text = await snap(page);
  assert.match(text, /Посмотрите в камеру/);
  assert.equal(await page.$eval('#result', (r: any) => r.className), 'result result-warn');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'firefox-checkpoint-no-face.png') as `${string}.png` });
  const attempts = await t.db.selectFrom('attempts').select(['status', 'source']).execute();
  assert.deepEqual(attempts.map((a) => [a.status, a.source]), [['no_face', 'camera']], 'the frame really reached the server from Firefox');
  assert.equal((await t.db.selectFrom('passes').selectAll().execute()).length, 0);
});

test('Firefox: a real face as the camera → the enrolled student by name, then "already passed" (Enter key)', async () => {
  const p = people[0]!;
  const bytes = sampleBytes(p.sample);
  const meta = await sharp(bytes).metadata();
  const face = (await engine.describe(bytes, { purpose: 'probe', describe: 'all' })).faces[p.face]!;
  const frame = await sharp(bytes).extract(grow(face.box, 0.5, meta.width!, meta.height!)).resize(640, 480, { fit: 'contain', background: '#777' }).jpeg({ quality: 92 }).toBuffer();
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
