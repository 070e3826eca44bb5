// The address another computer reaches this server by: the origin of the links `npm run tokens` and the first start
// print, the name the HTTP→HTTPS redirect falls back to (http/redirect.ts) and the host of a pairing link
// (http/pairing.routes.ts). Below http/: imports nothing of it.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { X509Certificate } from 'node:crypto';

/** Host names (as in a URL: IPv6 in brackets, or bare) a door's browser cannot reach the server by: they name its own computer. */
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[?::1\]?|\[?0:0:0:0:0:0:0:1\]?|0\.0\.0\.0|\[?::\]?)$/i;
export const isLoopbackHost = (name: string): boolean => LOOPBACK.test(name);

/** A host as it goes into a URL: an IPv6 address in brackets. */
export const urlHost = (name: string): string => (net.isIPv6(name) ? `[${name}]` : name);

/** A bind address that listens on every interface (HOST=0.0.0.0, the default). */
export const isWildcardHost = (host: string): boolean => host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';

/** This computer's LAN addresses: every non-internal IPv4 address, in the order the system lists them. */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

export interface CertificateHosts {
  cert: X509Certificate;
  /** subjectAltName DNS names (no wildcards), lower case. */
  names: string[];
  /** subjectAltName IP addresses. */
  ips: string[];
  /** The subject's CN, lower case: the name of a certificate without DNS names. */
  cn: string | undefined;
}

/** The names and addresses a certificate (PEM) is valid for. */
export function certificateHosts(certPem: string): CertificateHosts {
  const cert = new X509Certificate(certPem);
  const san = (cert.subjectAltName ?? '').split(', ');
  return {
    cert,
    names: san.filter((e) => e.startsWith('DNS:') && !e.includes('*')).map((e) => e.slice(4).toLowerCase()),
    ips: san.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11)),
    cn: /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1]?.toLowerCase(),
  };
}

/**
 * The name to send a browser to: PUBLIC_HOST's first, else the certificate's first DNS name (its CN when it has
 * none) or address — the first of them that is not loopback, else the first at all; undefined when there is none.
 */
export function preferredHost(publicHosts: string[], cert?: CertificateHosts): string | undefined {
  const fromCert = cert ? [...cert.names, ...(cert.names.length === 0 && cert.cn ? [cert.cn] : []), ...cert.ips] : [];
  const candidates = [...publicHosts, ...fromCert];
  return candidates.find((n) => !isLoopbackHost(n)) ?? candidates[0];
}

export interface ServerAddressSettings {
  /** TLS_CERT / TLS_KEY (absolute paths), undefined for plain HTTP. */
  tls: { cert: string } | undefined;
  /** HOST: the bind address. */
  host: string;
  /** PORT. */
  port: number;
  /** PUBLIC_HOST, first name first. */
  publicHosts: string[];
}

export interface ServerOrigin {
  /** scheme://host[:port], e.g. https://exam-pc.local:8000. */
  origin: string;
  /** Set when the host names this computer only (localhost): links on it do not open at a door. */
  loopback: boolean;
}

/**
 * The origin of links for other computers, from the settings alone (no request to look at): https with TLS; the host
 * PUBLIC_HOST names first; else a loopback HOST as it is (nothing else reaches that server); else with TLS the
 * certificate's name (the one browsers accept); else for HOST=0.0.0.0 this computer's first LAN address, else HOST
 * itself; and PORT. Behind a proxy only the operator knows the proxy's scheme and port (`npm run tokens -- --origin`).
 */
export function serverOrigin(s: ServerAddressSettings, lan: () => string[] = lanAddresses): ServerOrigin {
  const wildcard = isWildcardHost(s.host);
  let host = preferredHost(s.publicHosts);
  if (host === undefined && !wildcard && isLoopbackHost(s.host)) host = s.host;
  if (host === undefined && s.tls) host = preferredHost([], certificateHosts(fs.readFileSync(s.tls.cert, 'utf8')));
  host ??= (wildcard ? lan()[0] : s.host) ?? 'localhost';
  const url = new URL(`${s.tls ? 'https' : 'http'}://${urlHost(host.replace(/^\[(.*)\]$/, '$1'))}`);
  url.port = String(s.port);
  return { origin: url.origin, loopback: isLoopbackHost(host) };
}

/** The operator's note under links that name this computer only (Russian first, as the admin page says it). */
export function loopbackNote(host: string): string {
  return isWildcardHost(host) || !isLoopbackHost(host)
    ? 'Ссылки ведут на localhost — на компьютере у двери они не откроются: задайте PUBLIC_HOST (имя или адрес сервера в сети) / Links name localhost: they will not open on a door computer; set PUBLIC_HOST (the server’s LAN name or address)'
    : `Сервер слушает только этот компьютер (HOST=${host}): пункты пропуска к нему не подключатся — задайте HOST=0.0.0.0 или PUBLIC_HOST прокси / The server listens on this computer only: set HOST=0.0.0.0, or PUBLIC_HOST for a proxy`;
}
