// HTTP_REDIRECT_PORT sends a client only to a name the server answers to (issue 25): the request's Host when
// the certificate (or PUBLIC_HOST) names it, the certificate's own name otherwise — never a foreign Host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type http from 'node:http';
import { makeCertificates } from '../../src/tls-cert.js';
import { redirectHosts, startHttpRedirect } from '../../src/http/redirect.js';
import { loadConfig } from '../../src/config.js';

let cert: string;
const servers: http.Server[] = [];

before(async () => {
  cert = (await makeCertificates({ hosts: ['exam-pc.test'], ips: ['192.168.1.10'] })).cert;
});

after(() => {
  for (const s of servers) s.close();
});

async function redirector(publicHosts: string[]): Promise<number> {
  const s = await startHttpRedirect(0, '127.0.0.1', 8443, redirectHosts(cert, publicHosts));
  servers.push(s);
  return (s.address() as net.AddressInfo).port;
}

/** The Location answered to a raw request with this Host line (or none). */
function location(port: number, host: string | undefined, path = '/admin?x=1'): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = net.connect(port, '127.0.0.1', () =>
      sock.write(`GET ${path} HTTP/1.${host === undefined ? 0 : 1}\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`),
    );
    sock.on('data', (d: Buffer) => (got += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      assert.match(got, /^HTTP\/1\.[01] 301/);
      resolve(/\r\nlocation: ([^\r]*)/i.exec(got)?.[1] ?? '');
    });
  });
}

test('a foreign or malformed Host is not copied into the redirect: the certificate names the target', async () => {
  const port = await redirector([]);
  assert.equal(await location(port, 'evil.example'), 'https://exam-pc.test:8443/admin?x=1');
  assert.equal(await location(port, 'evil.example:80'), 'https://exam-pc.test:8443/admin?x=1');
  assert.equal(await location(port, 'exam-pc.test.evil.example'), 'https://exam-pc.test:8443/admin?x=1');
  assert.equal(await location(port, 'exam-pc.test@evil.example'), 'https://exam-pc.test:8443/admin?x=1');
  assert.equal(await location(port, undefined), 'https://exam-pc.test:8443/admin?x=1', 'no Host (HTTP/1.0)');
  // Names and addresses in the certificate are kept as the client typed them.
  assert.equal(await location(port, 'EXAM-PC.test:80'), 'https://exam-pc.test:8443/admin?x=1');
  assert.equal(await location(port, '192.168.1.10'), 'https://192.168.1.10:8443/admin?x=1');
  assert.equal(await location(port, 'localhost:8080', '/'), 'https://localhost:8443/');
  assert.equal(await location(port, '[::1]:80', '/'), 'https://[::1]:8443/');
});

test('PUBLIC_HOST adds names and becomes the default target', async () => {
  const port = await redirector(loadConfig({ PUBLIC_HOST: 'exam.university.uz, 10.0.0.5' }).publicHosts);
  assert.equal(await location(port, 'evil.example', '/'), 'https://exam.university.uz:8443/');
  assert.equal(await location(port, '10.0.0.5', '/'), 'https://10.0.0.5:8443/');
  assert.equal(await location(port, 'exam-pc.test', '/'), 'https://exam-pc.test:8443/');
  assert.throws(() => loadConfig({ PUBLIC_HOST: 'https://exam.university.uz/' }), /PUBLIC_HOST/);
});
