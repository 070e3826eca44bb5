// An answer sent before the request's body was read (no token, too many at once, too large, overloaded)
// finds the client still writing. Closing the connection then would reset it under the client, which reads a
// network error instead of the answer (a station with a rotated token would say «Нет связи с сервером»).
// So the rest of the body is read and thrown away, at most DRAIN_BYTES within DRAIN_MS, like nginx's
// lingering close; a body that ends in time leaves the connection open for the next request.
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface DrainLimits {
  bytes: number;
  ms: number;
}

/**
 * fetch and browsers stop writing once they have the answer, so what is left to read is what was in flight
 * (measured: nothing to 64 KB on loopback); 16 MB covers a whole photo (MAX_IMAGE_MB 15) from a client that
 * writes its body before it reads. A client that writes on for longer is not listening.
 */
export const DRAIN: DrainLimits = { bytes: 16 * 1024 * 1024, ms: 5000 };

/** Reads and discards what is left of `req`'s body; past the limits, or when it stalls that long, the connection is cut. */
function discardRest(req: IncomingMessage, limits: DrainLimits): void {
  const socket = req.socket;
  if (req.complete || socket.destroyed) return;
  let read = 0;
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read > limits.bytes) cut();
  };
  // Listeners go when the body ends: a keep-alive socket sees many refused requests.
  const done = () => {
    clearTimeout(timer);
    req.removeListener('data', onData);
    socket.removeListener('close', done);
  };
  const cut = () => {
    done();
    socket.destroy();
  };
  const timer = setTimeout(cut, limits.ms);
  req.on('data', onData);
  req.once('end', done);
  socket.once('close', done);
  // A body parser may still be attached (a multipart upload refused half-way): it no longer reads.
  req.unpipe();
  req.resume();
}

/**
 * A client that asked for `Connection: close` (or speaks HTTP/1.0) is closed by Node with destroySoon() once
 * the answer is written; for such a socket with a body still coming it half-closes instead (the answer, then
 * FIN), reads the rest, and closes when the client does or the limits are reached.
 */
function lingerBeforeClosing(req: IncomingMessage, limits: DrainLimits): void {
  const socket = req.socket;
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (req.complete) return destroySoon();
    socket.end();
    const timer = setTimeout(() => socket.destroy(), limits.ms);
    socket.once('close', () => clearTimeout(timer));
    discardRest(req, limits);
  };
}

export function drainUnreadBodies(app: FastifyInstance, limits: DrainLimits = DRAIN): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    // (Injected requests — tests — have no socket and no `complete`.)
    if (req.raw.complete === false && req.raw.socket instanceof Socket) {
      // Fastify asks to close after a body it refused while reading (413): reading the rest keeps the connection usable.
      if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
      if (reply.raw.shouldKeepAlive) reply.raw.once('finish', () => discardRest(req.raw, limits));
      else lingerBeforeClosing(req.raw, limits);
    }
    done(null, payload);
  });
}
