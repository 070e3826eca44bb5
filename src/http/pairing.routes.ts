// Pairing links (and their QR codes): GET /admin/pairing for the shared station token (scripts, pages paired before
// stations were records); stations.routes.ts uses pairingLink() for a station's own token.
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pairingSchema } from './schemas/admin.js';
import QRCode from 'qrcode';
import type { AppContext } from '../context.js';
import { isLoopbackHost, urlHost } from '../server-address.js';

export interface PairingLink {
  url: string;
  svg: string;
  /** Set when the link would not work on another computer (it names localhost). */
  warning: string | null;
}

/**
 * The link a station opens once: on PUBLIC_HOST's first name if set, else on the address the admin reached the server
 * by (the one the station's browser will reach too), with the request's scheme and port — and a warning when that is
 * localhost, useless on a door tablet.
 */
export async function pairingLink(ctx: AppContext, req: FastifyRequest, token: string): Promise<PairingLink> {
  const seen = new URL(`${req.protocol}://${req.host}`);
  const name = ctx.config.publicHosts[0];
  if (name) seen.hostname = urlHost(name);
  const url = `${seen.origin}/#pair=${encodeURIComponent(token)}`;
  const warning = isLoopbackHost(seen.hostname)
    ? 'Ссылка ведёт на localhost — на компьютере у двери она не откроется. Откройте страницу администратора по адресу сервера в сети (например, https://exam-pc.local:8000) или задайте PUBLIC_HOST и получите ссылку заново'
    : null;
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { url, svg, warning };
}

export function pairingRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  parent.withTypeProvider<TypeBoxTypeProvider>().get('/admin/pairing', { onRequest: guard, schema: pairingSchema }, async (req, reply) => {
    return reply.header('cache-control', 'no-store').send(await pairingLink(ctx, req, ctx.config.stationToken ?? ''));
  });
}
