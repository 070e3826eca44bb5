// HTTPS without a proxy: `npm run cert` makes a local authority and a server certificate; TLS_CERT/TLS_KEY
// serve HTTPS on PORT and HTTP_REDIRECT_PORT sends plain HTTP there (a real server process); in Chromium,
// a checkpoint page under a LAN host name (not localhost) gets the camera over HTTPS and names a real face.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { makeCertificates, OutsideAuthority } from '../../src/tls-cert.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { projectRoot } from '../../src/paths.js';
import { tempDir } from '../helpers/db.js';
import { freePort } from '../helpers/ports.js';
import { startServerProcess } from '../helpers/server-process.js';
import { STATION_TOKEN } from '../helpers/app.js';
import { cameraFrame, startServedApp } from '../helpers/served.js';
import { launchChromium, screenshot } from '../helpers/chromium.js';
import type { PageWindow } from '../helpers/page-dom.js';

// Evaluated in the page, not in Node (helpers/page-dom.ts types the slice of the DOM used).
declare const window: PageWindow & { readonly isSecureContext: boolean };

const HOST = 'exam-pc.test';
const work = tempDir();
const browsers: Browser[] = [];
after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
});

/** GET over HTTPS to 127.0.0.1 as `HOST`, trusting only `ca`. */
function httpsGet(port: number, urlPath: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: urlPath, ca, servername: HOST, headers: { host: `${HOST}:${port}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('certificates: the server certificate names the hosts and addresses and is signed by the local authority; a second run reuses it', async () => {
  const a = await makeCertificates({ hosts: [HOST], ips: ['192.168.1.10'] });
  const cert = new X509Certificate(a.cert);
  const ca = new X509Certificate(a.caCert);
  assert.ok(ca.ca, 'the authority is a CA');
  assert.ok(!cert.ca);
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(cert.checkHost(HOST), HOST);
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.checkIP('192.168.1.10'), '192.168.1.10');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkHost('other.test'), undefined);
  assert.ok(new Date(cert.validTo).getTime() - Date.now() <= 398 * 86_400_000, 'browsers refuse server certificates over 398 days');
  assert.ok(crypto.createPrivateKey(a.key).asymmetricKeyType === 'ec');
  const b = await makeCertificates({ hosts: [HOST], ips: [], ca: { cert: a.caCert, key: a.caKey } });
  assert.equal(b.caCert, a.caCert);
  assert.ok(new X509Certificate(b.cert).verify(ca.publicKey), 'a new server certificate from the same authority: stations keep trusting it');
  // The authority is name-constrained to its first run's names (tls.name-constraints.test.ts): another one needs --new-ca.
  await assert.rejects(makeCertificates({ hosts: ['other.test'], ips: [], ca: { cert: a.caCert, key: a.caKey } }), OutsideAuthority);
  await assert.rejects(makeCertificates({ hosts: ['https://bad/'], ips: [] }));
  await assert.rejects(makeCertificates({ hosts: [HOST], ips: ['999.1.1.1'] }));
});

test('config: TLS_CERT without TLS_KEY, an unreadable file, or HTTP_REDIRECT_PORT without TLS stop the start with a message', () => {
  const bad = (env: Record<string, string>, re: RegExp) =>
    assert.throws(
      () => loadConfig(env),
      (e: unknown) => e instanceof ConfigError && re.test(e.message),
    );
  bad({ TLS_CERT: '/etc/hostname' }, /TLS_CERT and TLS_KEY/);
  bad({ TLS_CERT: path.join(work, 'missing.crt'), TLS_KEY: path.join(work, 'missing.key') }, /TLS_CERT=.*cannot be read/);
  bad({ HTTP_REDIRECT_PORT: '8080' }, /HTTP_REDIRECT_PORT/);
});

test('npm run cert, then TLS_CERT/TLS_KEY: HTTPS on PORT for a LAN name, plain HTTP redirected (real process)', { timeout: 180_000 }, async () => {
  const out = path.join(work, 'tls');
  // The CLI as the README runs it (built by `npm test` first).
  const printed = execFileSync(process.execPath, [path.join(projectRoot, 'dist/src/cli/cert.js'), '--host', HOST, '--ip', '192.168.1.10', '--out', out], {
    encoding: 'utf8',
  });
  assert.match(printed, /TLS_CERT=.*server\.crt/);
  for (const f of ['ca.crt', 'ca.key', 'server.crt', 'server.key']) assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.equal(fs.statSync(path.join(out, 'server.key')).mode & 0o077, 0, 'the key is private');
  const firstCa = fs.readFileSync(path.join(out, 'ca.crt'), 'utf8');
  execFileSync(process.execPath, [path.join(projectRoot, 'dist/src/cli/cert.js'), '--host', HOST, '--ip', '127.0.0.1', '--out', out]);
  assert.equal(fs.readFileSync(path.join(out, 'ca.crt'), 'utf8'), firstCa, 'a second run keeps the authority the stations trust');

  const [port, redirectPort] = [await freePort(), await freePort()];
  const srv = startServerProcess(port, {
    DATA_DIR: path.join(work, 'data'),
    TLS_CERT: path.join(out, 'server.crt'),
    TLS_KEY: path.join(out, 'server.key'),
    HTTP_REDIRECT_PORT: String(redirectPort),
  });
  try {
    await srv.ready;
    const health = await httpsGet(port, '/api/health', firstCa);
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
    // Only the local authority vouches for it: without it the handshake fails.
    await assert.rejects(httpsGet(port, '/api/health', (await makeCertificates({ hosts: [HOST], ips: [] })).caCert));
    const redirected = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port: redirectPort, path: '/admin?x=1', headers: { host: `${HOST}:${redirectPort}` } }, resolve).on('error', reject),
    );
    assert.equal(redirected.statusCode, 301);
    assert.equal(redirected.headers.location, `https://${HOST}:${port}/admin?x=1`);
    redirected.resume();
  } finally {
    await srv.stop();
  }
});

test('Chromium: the checkpoint page at https://exam-pc.test (not localhost) gets the camera and names a real face', { timeout: 300_000 }, async () => {
  const set = await makeCertificates({ hosts: [HOST], ips: [] });
  fs.writeFileSync(path.join(work, 'b.crt'), set.cert);
  fs.writeFileSync(path.join(work, 'b.key'), set.key);
  const app = await startServedApp([3], [3], { TLS_CERT: path.join(work, 'b.crt'), TLS_KEY: path.join(work, 'b.key') });
  try {
    const addr = app.t.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    // Chromium trusts this server's key for the test (as a station trusts the installed ca.crt) and resolves the LAN name to 127.0.0.1.
    const spki = crypto
      .createHash('sha256')
      .update(new X509Certificate(set.cert).publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    const page = await launchChromium(browsers, app.work, await cameraFrame(app.engine, app.people[0]!), 'https', undefined, [
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
      `--ignore-certificate-errors-spki-list=${spki}`,
    ]);
    await page.goto(`https://${HOST}:${port}/#pair=${STATION_TOKEN}`);
    assert.equal(await page.evaluate(() => window.isSecureContext), true, 'a secure context: the browser may give the camera');
    await page.getByRole('button', { name: 'Открыть камеру' }).click();
    await page.waitForFunction(() => window.document.getElementById('video').videoWidth > 0, undefined, { timeout: 15_000 });
    await page.getByRole('button', { name: 'Сделать фото' }).click();
    await page.waitForFunction(() => /Проход разрешён/.test(window.document.getElementById('result').innerText), undefined, { timeout: 30_000 });
    assert.match(await page.locator('#result').innerText(), /Иванова-0 Анна/);
    await screenshot(page, 'https-checkpoint');
  } finally {
    await app.close();
  }
});
