// Benchmark clients that look like separate stations to the server: each its own loopback source address (127.0.0.N)
// and keep-alive connection, so the server's per-client limits see N clients, not one.
import http from 'node:http';

export interface StationClient {
  /** The source address the server sees. */
  address: string;
  /** POSTs a JSON body; resolves with the HTTP status, the parsed answer and the milliseconds it took. */
  post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: { status?: string; error?: string }; ms: number }>;
  close(): void;
}

/** Station `n` (1-based) of a benchmark: source address 127.0.0.(n + 1) (127.0.0.1 stays the harness's own). */
export function stationClient(base: string, n: number): StationClient {
  const address = `127.0.0.${n + 1}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: address });
  const url = new URL(base);
  return {
    address,
    post: (path, body, headers) =>
      new Promise((resolve, reject) => {
        const t = performance.now();
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              let json: { status?: string; error?: string } = {};
              try {
                json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof json;
              } catch {
                /* not JSON: counted by status */
              }
              resolve({ status: res.statusCode ?? 0, json, ms: performance.now() - t });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
