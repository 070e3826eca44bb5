// HTTP_REDIRECT_PORT: a plain-HTTP listener that sends every request to the HTTPS server (PORT), only ever to a
// name the server answers to — its certificate's names and addresses, or PUBLIC_HOST — never to whatever the
// request's Host says (an open redirect, and poisoned links in caches).
import http from 'node:http';
import net from 'node:net';
import { certificateHosts, preferredHost, urlHost } from '../server-address.js';

/** `Host` header → host name without the port ([::1]:80 → [::1]); undefined when it is not a plausible host. */
export function hostOnly(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host.trim());
  return m?.[1];
}

export interface RedirectHosts {
  /** Whether a host name (IPv6 in brackets) is one the server answers to over HTTPS. */
  allowed(name: string): boolean;
  /** Where a request with any other Host goes: PUBLIC_HOST's first name, else the certificate's first. */
  fallback: string;
}

/** The allow-list from the certificate (TLS_CERT, PEM) and PUBLIC_HOST (names or addresses, lower case). */
export function redirectHosts(certPem: string, publicHosts: string[]): RedirectHosts {
  const hosts = certificateHosts(certPem);
  const { cert } = hosts;
  return {
    allowed: (name) => {
      const bare = name.replace(/^\[(.*)\]$/, '$1').toLowerCase();
      if (publicHosts.includes(bare)) return true;
      return net.isIP(bare) !== 0 ? cert.checkIP(bare) !== undefined : cert.checkHost(bare) !== undefined;
    },
    fallback: urlHost(preferredHost(publicHosts, hosts) ?? 'localhost'),
  };
}

export function startHttpRedirect(port: number, host: string, httpsPort: number, hosts: RedirectHosts): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const asked = hostOnly(req.headers.host);
    const name = asked !== undefined && hosts.allowed(asked) ? asked.toLowerCase() : hosts.fallback;
    const location = `https://${name}${httpsPort === 443 ? '' : `:${httpsPort}`}${req.url?.startsWith('/') ? req.url : '/'}`;
    res.writeHead(301, { location, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' }).end(`Откройте ${location}`);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
