// Certificates for HTTPS on a LAN without internet: a local certificate authority (installed once on each
// station, name-constrained to the exam PC's names and addresses) and a server certificate for them, with
// @peculiar/x509 on Node's WebCrypto.
// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import net from 'node:net';
import * as x509 from '@peculiar/x509';
import { isHostName } from './host-name.js';
import { decodeNameConstraints, encodeNameConstraints, NAME_CONSTRAINTS_OID, permits, type PermittedNames } from './tls-name-constraints.js';

x509.cryptoProvider.set(webcrypto as never);

type Key = webcrypto.CryptoKey;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface CertificateSet {
  /** PEM: the authority stations trust (install on each station). */
  caCert: string;
  /** What the authority may vouch for (its NameConstraints); undefined: an authority from before they were written, valid for any name. */
  caPermits: PermittedNames | undefined;
  /** PEM (PKCS#8): keep private; issues new server certificates for the same stations. */
  caKey: string;
  /** PEM: TLS_CERT. */
  cert: string;
  /** PEM (PKCS#8): TLS_KEY. */
  key: string;
}

export interface CertificateRequest {
  /** DNS names of the server (exam-pc.local); `localhost` is always added. */
  hosts: string[];
  /** IP addresses of the server (192.168.1.10); 127.0.0.1 and ::1 are always added. */
  ips: string[];
  /**
   * The authority to sign with (PEMs of an earlier run); a new one is made when absent, permitted only the
   * request's names and addresses. Signing for a name outside what an earlier authority permits is an error
   * (OutsideAuthority): browsers would refuse that certificate.
   */
  ca?: { cert: string; key: string };
  /** Server certificate validity; browsers refuse more than 398 days. */
  days?: number;
}

async function pemKey(key: Key): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<Key> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ALG, true, ['sign']);
}

export { isHostName };

/** The request names a host or an address the existing authority may not vouch for: only a new authority (--new-ca) can. */
export class OutsideAuthority extends Error {
  constructor(
    readonly outside: string[],
    readonly permitted: PermittedNames,
  ) {
    super(
      [
        `Центр сертификации (ca.crt) подтверждает только ${[...permitted.dns, ...permitted.ips].join(', ')}; не ${outside.join(', ')}.`,
        'Создайте новый центр: --new-ca (затем установите новый ca.crt на все пункты) — или оставьте прежние имена и адреса.',
        `The authority (ca.crt) vouches only for ${[...permitted.dns, ...permitted.ips].join(', ')}; not for ${outside.join(', ')}.`,
        'Make a new one with --new-ca (then install the new ca.crt on every station), or keep to the names and addresses above.',
      ].join('\n'),
    );
    this.name = 'OutsideAuthority';
  }
}

/** What an authority's NameConstraints permit (undefined: it has none). */
function readPermits(ca: x509.X509Certificate): ReturnType<typeof decodeNameConstraints> | undefined {
  const ext = ca.getExtension(NAME_CONSTRAINTS_OID);
  return ext ? decodeNameConstraints(ext.value) : undefined;
}

/** An address's text (IPv6 compressed, as the WHATWG URL parser writes it: «::1»). */
function ipText(a: Uint8Array): string {
  if (a.length === 4) return [...a].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((a[2 * i]! << 8) | a[2 * i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

export async function makeCertificates(req: CertificateRequest): Promise<CertificateSet> {
  for (const h of req.hosts) if (!isHostName(h)) throw new Error(`not a host name: ${h}`);
  for (const ip of req.ips) if (net.isIP(ip) === 0) throw new Error(`not an IP address: ${ip}`);
  const now = Date.now();
  const hosts = [...new Set([...req.hosts.map((h) => h.toLowerCase()), 'localhost'])];
  const ips = [...new Set([...req.ips, '127.0.0.1', '::1'])];
  let caCert: x509.X509Certificate;
  let caPrivate: Key;
  let caPermits: PermittedNames | undefined;
  if (req.ca) {
    caCert = new x509.X509Certificate(req.ca.cert);
    caPrivate = await importKey(req.ca.key);
    const permitted = readPermits(caCert);
    if (permitted) {
      caPermits = { dns: permitted.dns, ips: permitted.ips.filter((r) => r.mask.every((b) => b === 0xff)).map((r) => ipText(r.address)) };
      const outside = [...hosts, ...ips].filter((n) => !permits(permitted, n));
      if (outside.length > 0) throw new OutsideAuthority(outside, caPermits);
    }
  } else {
    // Only these names: a stolen ca.key cannot sign a certificate the stations would trust for any other site.
    caPermits = { dns: hosts, ips };
    const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    caCert = await x509.X509CertificateGenerator.createSelfSigned({
      name: `CN=exam-face-checkin local CA ${new Date(now).toISOString().slice(0, 10)}, O=exam-face-checkin`,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 10 * 365 * DAY),
      keys: caKeys as never,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
        // Critical: a verifier that cannot enforce it must refuse the authority rather than trust it for everything.
        new x509.Extension(NAME_CONSTRAINTS_OID, true, encodeNameConstraints(caPermits)),
      ],
    });
    caPrivate = caKeys.privateKey;
  }
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${hosts[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + Math.min(req.days ?? 397, 397) * DAY),
    publicKey: keys.publicKey as never,
    signingKey: caPrivate as never,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [...hosts.map((value) => ({ type: 'dns' as const, value })), ...ips.map((value) => ({ type: 'ip' as const, value }))],
        false,
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    caCert: caCert.toString('pem'),
    caPermits,
    caKey: req.ca?.key ?? (await pemKey(caPrivate)),
    cert: cert.toString('pem'),
    key: await pemKey(keys.privateKey),
  };
}
