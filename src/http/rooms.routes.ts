// GET /api/rooms: the rooms of the schedule for the station's settings, each with its sitting open now, the
// next one and today's list (the page shows «Экзамен …» or «В этой аудитории сейчас нет экзамена»).
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { localDate, localTime } from '../time.js';
import { scheduledRooms, sittingsOn } from '../schedule/today.js';
import { isOpen } from '../passes/sitting-rule.js';
import { sittingView } from '../passes/sitting-check.js';
import { roomsSchema } from './schemas/checkpoint.js';
import { stationView } from './station-view.js';

export function roomsRoutes(parent: FastifyInstance, ctx: AppContext, guard: onRequestAsyncHookHandler): void {
  parent.withTypeProvider<TypeBoxTypeProvider>().get('/api/rooms', { onRequest: guard, schema: roomsSchema }, async (req) => {
    const { timezone, sittingOpenBeforeMs } = ctx.config;
    const now = ctx.clock();
    const today = localDate(now, timezone);
    const [rooms, sittings] = await Promise.all([scheduledRooms(ctx.db, today), sittingsOn(ctx.db, today)]);
    const view = (s: (typeof sittings)[number]) => sittingView(s, sittingOpenBeforeMs, timezone);
    return {
      ...(await stationView(ctx, req)),
      date: today,
      time: localTime(now, timezone).slice(0, 5),
      rooms: rooms.map((room) => {
        const mine = sittings.filter((s) => s.room === room);
        const open = mine.filter((s) => isOpen(s, now, sittingOpenBeforeMs));
        const current = open.find((s) => new Date(s.starts_at).getTime() <= now.getTime()) ?? open[0];
        const next = mine.find((s) => new Date(s.starts_at).getTime() - sittingOpenBeforeMs > now.getTime());
        return { room, current: current ? view(current) : null, next: next ? view(next) : null, sittings: mine.map(view) };
      }),
    };
  });
}
