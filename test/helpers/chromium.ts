// Debian's Chromium (playwright-core) for browser tests: a fake camera from a real photo, or no camera at all.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/paths.js';
import { writeY4m } from './y4m.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(projectRoot, 'test-artifacts');

/** Launches Chromium and keeps it in `browsers` (close them in `after`). `camera` null: no usable camera. */
export async function launchChromium(
  browsers: Browser[],
  work: string,
  camera: Buffer | null,
  name: string,
  viewport = { width: 1280, height: 800 },
  extraArgs: string[] = [],
): Promise<Page> {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  const fake: string[] = [];
  if (camera) {
    const y4m = path.join(work, `${name}.y4m`);
    await writeY4m(camera, y4m);
    fake.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`);
  } else {
    fake.push('--deny-permission-prompts');
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', ...fake, ...extraArgs],
  });
  browsers.push(browser);
  const page = await browser.newPage({ viewport, hasTouch: viewport.width < 1000 });
  page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
  return page;
}

/** A full-page screenshot under test-artifacts/ (not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
