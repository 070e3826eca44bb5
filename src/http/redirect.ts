// HTTP_REDIRECT_PORT: a plain-HTTP listener that sends every request to the HTTPS server (same host, PORT).
import http from 'node:http';

/** `Host` header → host name without the port ([::1]:80 → [::1]); undefined when it is not a plausible host. */
export function hostOnly(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host.trim());
  return m?.[1];
}

export function startHttpRedirect(port: number, host: string, httpsPort: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const name = hostOnly(req.headers.host);
    if (!name) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Bad Host header');
      return;
    }
    const location = `https://${name}${httpsPort === 443 ? '' : `:${httpsPort}`}${req.url?.startsWith('/') ? req.url : '/'}`;
    res.writeHead(301, { location, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' }).end(`Откройте ${location}`);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
