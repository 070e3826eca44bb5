// GET /admin/pairing: the link (and its QR code) that pairs a checkpoint page with this server.
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pairingSchema } from './schemas/admin.js';
import QRCode from 'qrcode';
import type { AppContext } from '../context.js';

export function pairingRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  parent.withTypeProvider<TypeBoxTypeProvider>().get('/admin/pairing', { onRequest: guard, schema: pairingSchema }, async (req, reply) => {
    // The address the admin reached the server by is the one the station's browser will reach too.
    const url = `${req.protocol}://${req.host}/#pair=${encodeURIComponent(ctx.config.stationToken ?? '')}`;
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 240 });
    return reply.header('cache-control', 'no-store').send({ url, svg });
  });
}
