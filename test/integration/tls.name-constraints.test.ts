// The local CA of `npm run cert` is name-constrained: it carries a critical NameConstraints extension permitting only
// the given names and addresses (+ localhost, 127.0.0.1, ::1); Node's TLS (OpenSSL) trusts its server certificate and
// refuses one for any other site signed with a stolen ca.key; a re-run outside the names needs --new-ca.
import 'reflect-metadata';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { makeCertificates, OutsideAuthority, type CertificateSet } from '../../src/tls-cert.js';
import { decodeNameConstraints, encodeNameConstraints, ipBytes, NAME_CONSTRAINTS_OID, permits } from '../../src/tls-name-constraints.js';
import { projectRoot } from '../../src/paths.js';
import { tempDir } from '../helpers/db.js';

x509.cryptoProvider.set(webcrypto as never);

const HOST = 'exam-pc.test';
const LAN_IP = '192.168.1.10';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
const work = tempDir();
after(() => fs.rmSync(work, { recursive: true, force: true }));

type Key = webcrypto.CryptoKey;
type Pem = { cert: string; key: string };

async function pemKey(key: Key): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** What someone holding ca.key can do with his own tools: a server certificate for any names, signed by that authority. */
async function forge(ca: Pem, names: { dns?: string[]; ips?: string[] }): Promise<Pem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), ALG, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${names.dns?.[0] ?? names.ips?.[0] ?? 'x'}`,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey as never,
    signingKey: caKey as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [...(names.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(names.ips ?? []).map((value) => ({ type: 'ip' as const, value }))],
        false,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/** An authority as `npm run cert` made them before this change: no NameConstraints. */
async function unconstrainedCa(): Promise<Pem> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=exam-face-checkin local CA (old), O=exam-face-checkin',
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys: keys as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/**
 * A TLS handshake as a station makes it: a server on 127.0.0.1 with `server`, a client that trusts only `ca`
 * and asks for `servername` (an address: the host is that name's check, as for https://192.168.1.10).
 * Resolves 'trusted' or the verification error's message.
 */
async function handshake(server: Pem, ca: string, name: string): Promise<string> {
  const srv = tls.createServer({ cert: server.cert, key: server.key }, (s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const port = (srv.address() as net.AddressInfo).port;
    return await new Promise<string>((resolve) => {
      const ip = net.isIP(name) !== 0;
      const sock = tls.connect(
        {
          host: '127.0.0.1',
          port,
          ca,
          ...(ip ? { checkServerIdentity: (_h: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(name, cert) } : { servername: name }),
        },
        () => {
          resolve(sock.authorized ? 'trusted' : String(sock.authorizationError));
          sock.end();
        },
      );
      sock.on('error', (e: Error) => resolve(e.message));
    });
  } finally {
    srv.close();
  }
}

test('name constraints: DER round trip; a DNS name permits itself and its subdomains (at a label), an address only itself', () => {
  const der = encodeNameConstraints({ dns: ['Exam-PC.test', 'localhost'], ips: [LAN_IP, '127.0.0.1', '::1', 'fe80::1:2'] });
  const p = decodeNameConstraints(der);
  assert.deepEqual(p.dns, ['exam-pc.test', 'localhost']);
  assert.deepEqual(
    p.ips.map((r) => [[...r.address], r.mask.every((b) => b === 0xff), r.mask.length]),
    [
      [[192, 168, 1, 10], true, 4],
      [[127, 0, 0, 1], true, 4],
      [[...Array<number>(15).fill(0), 1], true, 16],
      [[0xfe, 0x80, ...Array<number>(10).fill(0), 0, 1, 0, 2], true, 16],
    ],
  );
  for (const yes of ['exam-pc.test', 'EXAM-PC.TEST', 'www.exam-pc.test', 'localhost', LAN_IP, '127.0.0.1', '::1', '0:0::1', 'fe80::1:2'])
    assert.ok(permits(p, yes), yes);
  for (const no of ['evil-exam-pc.test', 'exam-pc.test.evil', 'test', 'example.com', '192.168.1.11', '10.0.0.1', '::2', '::ffff:192.168.1.10'])
    assert.ok(!permits(p, no), no);
  assert.deepEqual([...ipBytes('::ffff:1.2.3.4')], [...Array<number>(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]);
  // A longer list still encodes (long-form DER lengths): 40 names.
  const many = decodeNameConstraints(encodeNameConstraints({ dns: Array.from({ length: 40 }, (_, i) => `host-${i}.exam.test`), ips: [] }));
  assert.equal(many.dns.length, 40);
});

let set: CertificateSet;

test('the CA carries a critical NameConstraints permitting only the given names and addresses plus localhost, 127.0.0.1 and ::1', async () => {
  set = await makeCertificates({ hosts: [HOST], ips: [LAN_IP] });
  const ca = new x509.X509Certificate(set.caCert);
  const ext = ca.getExtension(NAME_CONSTRAINTS_OID);
  assert.ok(ext, 'NameConstraints present');
  assert.equal(ext.critical, true, 'critical: a verifier that cannot enforce it refuses the authority');
  const p = decodeNameConstraints(ext.value);
  assert.deepEqual(p.dns, [HOST, 'localhost']);
  assert.deepEqual(
    p.ips.map((r) => [...r.address].join('.')),
    [LAN_IP, '127.0.0.1', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1'],
  );
  assert.ok(
    p.ips.every((r) => r.mask.every((b) => b === 0xff)),
    'single addresses, no ranges',
  );
  assert.deepEqual(set.caPermits, { dns: [HOST, 'localhost'], ips: [LAN_IP, '127.0.0.1', '::1'] });
  // OpenSSL reads it the same way (when the binary is there).
  const openssl = spawnSync('openssl', ['x509', '-noout', '-ext', 'nameConstraints'], { input: set.caCert, encoding: 'utf8' });
  if (openssl.status === 0) {
    assert.match(openssl.stdout, /Name Constraints: critical/);
    for (const s of [`DNS:${HOST}`, 'DNS:localhost', `IP:${LAN_IP}/255.255.255.255`, 'IP:127.0.0.1/255.255.255.255']) assert.ok(openssl.stdout.includes(s), s);
  }
});

test("Node's TLS trusts the server certificate for its names, and refuses a certificate for another site signed with the stolen ca.key", async () => {
  const server = { cert: set.cert, key: set.key };
  for (const name of [HOST, 'localhost', '127.0.0.1']) assert.equal(await handshake(server, set.caCert, name), 'trusted', name);
  const stolen = { cert: set.caCert, key: set.caKey };
  const forged: [string, { dns?: string[]; ips?: string[] }, string][] = [
    ['another site', { dns: ['bank.example'] }, 'bank.example'],
    ['a name that merely ends like the server', { dns: [`evil-${HOST}`] }, `evil-${HOST}`],
    ['another LAN address', { ips: ['192.168.1.1'] }, '192.168.1.1'],
    ['another site next to a permitted address', { dns: ['bank.example'], ips: ['127.0.0.1'] }, 'bank.example'],
  ];
  for (const [what, names, asked] of forged) {
    const cert = await forge(stolen, names);
    assert.match(await handshake(cert, set.caCert, asked), /permitted subtree violation/, what);
  }
  // Inside the constraint (a subdomain of a given name) the authority still vouches — as RFC 5280 says.
  assert.equal(await handshake(await forge(stolen, { dns: [`www.${HOST}`] }), set.caCert, `www.${HOST}`), 'trusted');
  // The control: an authority without constraints (as made before) vouches for the forged site — the risk that is gone.
  const old = await unconstrainedCa();
  assert.equal(await handshake(await forge(old, { dns: ['bank.example'] }), old.cert, 'bank.example'), 'trusted');
});

test('re-runs keep the authority for its names (or fewer); another name is refused with --new-ca advice; an older unconstrained authority still signs', async () => {
  const ca = { cert: set.caCert, key: set.caKey };
  const again = await makeCertificates({ hosts: [HOST], ips: [], ca });
  assert.equal(again.caCert, set.caCert);
  assert.equal(await handshake({ cert: again.cert, key: again.key }, set.caCert, HOST), 'trusted');
  for (const req of [
    { hosts: ['other.test'], ips: [] },
    { hosts: [HOST], ips: ['192.168.1.11'] },
  ]) {
    await assert.rejects(makeCertificates({ ...req, ca }), (e: unknown) => {
      assert.ok(e instanceof OutsideAuthority);
      assert.deepEqual(e.outside, [...req.hosts.filter((h) => h !== HOST), ...req.ips]);
      assert.match(e.message, /--new-ca/);
      assert.match(e.message, /Центр сертификации \(ca\.crt\) подтверждает только exam-pc\.test, localhost, 192\.168\.1\.10, 127\.0\.0\.1, ::1; не /);
      return true;
    });
  }
  const old = await unconstrainedCa();
  const fromOld = await makeCertificates({ hosts: ['other.test'], ips: [], ca: old });
  assert.equal(fromOld.caPermits, undefined);
  assert.equal(await handshake({ cert: fromOld.cert, key: fromOld.key }, old.cert, 'other.test'), 'trusted');
});

test('npm run cert: a second run for another name exits 2 and says --new-ca; with --new-ca it makes a new constrained authority', () => {
  const out = path.join(work, 'tls');
  const cli = path.join(projectRoot, 'dist/src/cli/cert.js');
  const printed = execFileSync(process.execPath, [cli, '--host', HOST, '--ip', LAN_IP, '--out', out], { encoding: 'utf8' });
  assert.match(printed, /центр подтверждает только \/ the authority vouches only for: exam-pc\.test, localhost, 192\.168\.1\.10, 127\.0\.0\.1, ::1/);
  const firstCa = fs.readFileSync(path.join(out, 'ca.crt'), 'utf8');
  const firstServer = fs.readFileSync(path.join(out, 'server.crt'), 'utf8');
  const refused = spawnSync(process.execPath, [cli, '--host', 'other.test', '--out', out], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /не other\.test[\s\S]*--new-ca[\s\S]*not for other\.test/);
  assert.equal(fs.readFileSync(path.join(out, 'server.crt'), 'utf8'), firstServer, 'nothing written');
  const renewed = execFileSync(process.execPath, [cli, '--host', 'other.test', '--new-ca', '--out', out], { encoding: 'utf8' });
  assert.match(renewed, /authority: новый \/ new/);
  const newCa = fs.readFileSync(path.join(out, 'ca.crt'), 'utf8');
  assert.notEqual(newCa, firstCa);
  const p = decodeNameConstraints(new x509.X509Certificate(newCa).getExtension(NAME_CONSTRAINTS_OID)!.value);
  assert.deepEqual(p.dns, ['other.test', 'localhost']);
});
