// `npm run tokens` prints the address other computers reach the server by, from the settings `npm start` reads
// (.env included): https and the certificate's name with TLS, PUBLIC_HOST first, this computer's LAN address for
// HOST=0.0.0.0, never a bare localhost without saying so; serverOrigin() is the one rule (the first start's banner,
// the redirect and the pairing link share its pieces).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../src/paths.js';
import { makeCertificates } from '../../src/tls-cert.js';
import { lanAddresses, serverOrigin, preferredHost, certificateHosts } from '../../src/server-address.js';
import { tempDir } from '../helpers/db.js';

const work = tempDir('efc-tokens-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const LINKS = (origin: string) =>
  new RegExp(
    `^Администратор / admin: +${origin.replace(/[.[\]]/g, '\\$&')}/admin#token=[A-Za-z0-9_-]{43}\\nПункт пропуска / station: +${origin.replace(/[.[\]]/g, '\\$&')}/#pair=[A-Za-z0-9_-]{43}\\n$`,
  );

/**
 * A copy of this project's compiled server (dist/src, package.json, models and node_modules linked) in a folder of
 * its own, so that its .env is the test's: the CLI reads .env beside package.json, as for a user.
 */
function projectCopy(): string {
  const root = path.join(work, 'project');
  fs.mkdirSync(root);
  fs.cpSync(path.join(projectRoot, 'dist/src'), path.join(root, 'dist/src'), { recursive: true });
  fs.copyFileSync(path.join(projectRoot, 'package.json'), path.join(root, 'package.json'));
  for (const d of ['node_modules', 'models']) fs.symlinkSync(path.join(projectRoot, d), path.join(root, d), 'dir');
  return root;
}

const root = projectCopy();

/** `node dist/src/cli/tokens.js` in the copy, with only `env` (and PATH) of the settings: nothing of this machine's environment. */
function tokens(env: Record<string, string>, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/tokens.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: 'data', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('HTTPS set in .env (as `npm start` reads it): https, the certificate’s name, PORT — not http://localhost:8000', async () => {
  const set = await makeCertificates({ hosts: ['exam-pc.test'], ips: ['192.0.2.10'] });
  fs.mkdirSync(path.join(root, 'tls'));
  fs.writeFileSync(path.join(root, 'tls/server.crt'), set.cert);
  fs.writeFileSync(path.join(root, 'tls/server.key'), set.key, { mode: 0o600 });
  fs.writeFileSync(path.join(root, '.env'), 'TLS_CERT=tls/server.crt\nTLS_KEY=tls/server.key\nPORT=8443\n');
  try {
    const r = tokens({});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, LINKS('https://exam-pc.test:8443'));
    assert.equal(r.stderr, '');

    // PUBLIC_HOST (here from the environment, which beats .env) names the server first; 443 is left out.
    const pub = tokens({ PUBLIC_HOST: 'checkin.exam.test,exam-pc.test', PORT: '443' });
    assert.equal(pub.code, 0, pub.stderr);
    assert.match(pub.stdout, LINKS('https://checkin.exam.test'));

    // The same tokens each time: showing them again changes nothing.
    assert.equal(tokens({}).stdout, r.stdout);
  } finally {
    fs.rmSync(path.join(root, '.env'));
  }
});

test('plain HTTP on every interface: this computer’s LAN address; bound to 127.0.0.1: that, with a note on stderr', () => {
  const lan = lanAddresses()[0];
  const r = tokens({ PORT: '8000' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, LINKS(`http://${lan ?? 'localhost'}:8000`));
  if (lan) assert.equal(r.stderr, '');
  else assert.match(r.stderr, /Ссылки ведут на localhost.*PUBLIC_HOST/);

  const local = tokens({ HOST: '127.0.0.1', PORT: '8001' });
  assert.equal(local.code, 0, local.stderr);
  assert.match(local.stdout, LINKS('http://127.0.0.1:8001'));
  assert.match(local.stderr, /Сервер слушает только этот компьютер \(HOST=127\.0\.0\.1\)/);

  const proxied = tokens({ TRUST_PROXY: '127.0.0.1', HOST: '127.0.0.1' }, '--origin', 'https://exam.example.test');
  assert.equal(proxied.code, 0, proxied.stderr);
  assert.match(proxied.stdout, LINKS('https://exam.example.test'), '--origin: the proxy’s address, as given');
  assert.equal(proxied.stderr, '');
  assert.match(tokens({ TRUST_PROXY: 'true', PUBLIC_HOST: 'exam.example.test' }).stderr, /--origin https:\/\/ИМЯ/, 'behind a proxy: how to give its address');

  const bad = tokens({ PORT: 'eighty' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /PORT/);
  assert.equal(bad.stdout, '');
});

test('serverOrigin(): the order of the rule, IPv6 in brackets, default ports left out, loopback flagged', async () => {
  const none = () => [];
  const base = { tls: undefined, host: '0.0.0.0', port: 8000, publicHosts: [] as string[] };
  assert.deepEqual(
    serverOrigin(base, () => ['192.0.2.7', '198.51.100.1']),
    { origin: 'http://192.0.2.7:8000', loopback: false },
  );
  assert.deepEqual(serverOrigin(base, none), { origin: 'http://localhost:8000', loopback: true });
  assert.deepEqual(
    serverOrigin({ ...base, port: 80 }, () => ['192.0.2.7']),
    { origin: 'http://192.0.2.7', loopback: false },
  );
  assert.deepEqual(serverOrigin({ ...base, publicHosts: ['fd00::5'] }, none), { origin: 'http://[fd00::5]:8000', loopback: false });
  assert.deepEqual(serverOrigin({ ...base, host: '192.0.2.9' }, none), { origin: 'http://192.0.2.9:8000', loopback: false });
  assert.deepEqual(
    serverOrigin({ ...base, host: '::1' }, () => ['192.0.2.7']),
    { origin: 'http://[::1]:8000', loopback: true },
  );
  assert.deepEqual(serverOrigin({ ...base, host: '127.0.0.1', publicHosts: ['exam.example.test'] }, none).origin, 'http://exam.example.test:8000');

  const certOnly = async (hosts: string[], ips: string[]) => {
    const file = path.join(work, `cert-${hosts.join('-')}-${ips.join('-')}.crt`);
    fs.writeFileSync(file, (await makeCertificates({ hosts, ips })).cert);
    return file;
  };
  // The certificate's first name that is not loopback (cert.ts puts localhost in as well).
  const tls = { cert: await certOnly(['exam-pc.test'], ['192.0.2.10']) };
  assert.deepEqual(
    serverOrigin({ ...base, tls, port: 443 }, () => ['192.0.2.7']),
    { origin: 'https://exam-pc.test', loopback: false },
  );
  const ipOnly = { cert: await certOnly([], ['192.0.2.11']) };
  assert.equal(serverOrigin({ ...base, tls: ipOnly }, none).origin, 'https://192.0.2.11:8000');
  const hosts = certificateHosts(fs.readFileSync(tls.cert, 'utf8'));
  assert.equal(preferredHost([], hosts), 'exam-pc.test');
  assert.equal(preferredHost(['localhost', 'exam.example.test'], hosts), 'exam.example.test', 'never loopback while there is another');
});
