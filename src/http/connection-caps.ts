// Open connections per client address: one address holds at most `perAddress`, and the last `reserve` slots of
// MAX_CONNECTIONS are kept for addresses holding only a few (a station's browser), so idle or slow connections
// from one machine — or a few — cannot lock the stations out. Over a cap a new connection is closed at once:
// nothing has been read yet, and anything slower would let the refused ones pile up.
import type { Server, Socket } from 'node:net';
import { plainAddress } from '../address-list.js';

/** A browser opens at most 6 connections to one host: an address holding fewer is a station, and may use the reserve. */
export const STATION_CONNECTIONS = 6;

export interface ConnectionCaps {
  /** MAX_CONNECTIONS (Node refuses beyond it itself: server.maxConnections). */
  total: number;
  /** MAX_CONNECTIONS_PER_IP; 0: no per-address cap and no reserve. */
  perAddress: number;
  /** Peers neither capped nor kept out of the reserve (TRUST_PROXY's listed proxies carry every station). */
  exempt?: (address: string) => boolean;
  /** Told at most once a minute how many connections were refused, and from where most of them came. */
  onRefused?: (report: { refused: number; top: { address: string; refused: number }[] }) => void;
}

/** Slots at the top of `total` only addresses with fewer than STATION_CONNECTIONS connections may take. */
export function reserveOf(total: number): number {
  return Math.max(STATION_CONNECTIONS, Math.floor(total / 8));
}

export function capConnections(server: Server, caps: ConnectionCaps): { open: () => number; byAddress: () => Map<string, number> } {
  const byAddress = new Map<string, number>();
  let open = 0;
  const reserve = reserveOf(caps.total);
  let refusedSince = new Map<string, number>();
  let lastReport = 0;
  const report = (address: string) => {
    refusedSince.set(address, (refusedSince.get(address) ?? 0) + 1);
    const now = Date.now();
    if (!caps.onRefused || now - lastReport < 60_000) return;
    lastReport = now;
    const top = [...refusedSince].sort((a, b) => b[1] - a[1]).slice(0, 3);
    caps.onRefused({ refused: [...refusedSince.values()].reduce((a, b) => a + b, 0), top: top.map(([a, n]) => ({ address: a, refused: n })) });
    refusedSince = new Map();
  };
  // Prepended: a refused socket is closed before Node sets up its HTTP parser (or TLS) for it.
  server.prependListener('connection', (socket: Socket) => {
    if (caps.perAddress <= 0 || socket.remoteAddress === undefined) return;
    const address = plainAddress(socket.remoteAddress);
    const mine = byAddress.get(address) ?? 0;
    if (!caps.exempt?.(address) && (mine >= caps.perAddress || (open >= caps.total - reserve && mine >= STATION_CONNECTIONS))) {
      socket.destroy();
      report(address);
      return;
    }
    byAddress.set(address, mine + 1);
    open++;
    socket.once('close', () => {
      open--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left <= 0) byAddress.delete(address);
      else byAddress.set(address, left);
    });
  });
  return { open: () => open, byAddress: () => byAddress };
}
