// What a checkpoint page is told about itself: the paired station's name and room (the server's, set on the admin page),
// and a notice when it would let students through under the wrong rule (no room on a day with exams).
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { sittingsOn } from '../schedule/today.js';
import { localDate } from '../time.js';

export interface StationView {
  station: { id: number; name: string; room: string | null } | null;
  /** Shown on the page in amber; null when all is well. */
  notice: string | null;
}

export const NO_ROOM_NOTICE =
  'Сегодня в расписании есть экзамены, а у этого пункта не задана аудитория: проходы записываются по правилу «один в день». Попросите администратора задать аудиторию пункта';
export const SHARED_TOKEN_NOTICE =
  'Пункт подключён общим токеном: аудиторию выбирает сам пункт. Подключите его ссылкой со страницы администратора — тогда название и аудиторию задаёт администратор';

export async function stationView(ctx: AppContext, req: FastifyRequest): Promise<StationView> {
  if (!req.station) return { station: null, notice: SHARED_TOKEN_NOTICE };
  const noRoom = req.station.room === null && (await sittingsOn(ctx.db, localDate(ctx.clock(), ctx.config.timezone))).length > 0;
  return { station: { ...req.station }, notice: noRoom ? NO_ROOM_NOTICE : null };
}
