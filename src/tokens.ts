// Private by default: an admin and a station token always exist — from ADMIN_TOKEN / STATION_TOKEN, or made at first start and kept in the database.
import crypto from 'node:crypto';
import type { Db } from './db/index.js';

export interface Tokens {
  admin: string;
  station: string;
}

export type TokenKind = keyof Tokens;

const META_KEY: Record<TokenKind, string> = { admin: 'admin_token', station: 'station_token' };

/** 32 random bytes, URL-safe (fits a link and a QR code). */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/**
 * The tokens in force: a variable that is set wins; otherwise the one kept in the database (`meta`, so
 * every instance on a shared PostgreSQL uses the same), made now if there is none. `created` lists the
 * tokens made by this call: the only moment they are printed (server.ts).
 */
export async function provisionTokens(db: Db, fromEnv: Partial<Tokens>, rotate: TokenKind[] = []): Promise<{ tokens: Tokens; created: TokenKind[] }> {
  const tokens: Partial<Tokens> = {};
  const created: TokenKind[] = [];
  for (const kind of ['admin', 'station'] as const) {
    const env = fromEnv[kind];
    if (env) {
      tokens[kind] = env;
      continue;
    }
    const key = META_KEY[kind];
    const stored = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    if (stored && !rotate.includes(kind)) {
      tokens[kind] = stored.value;
      continue;
    }
    const value = newToken();
    // Two instances starting together: the first write wins and both read it back.
    if (rotate.includes(kind)) await db.deleteFrom('meta').where('key', '=', key).execute();
    await db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow();
    tokens[kind] = row.value;
    if (row.value === value) created.push(kind);
  }
  return { tokens: tokens as Tokens, created };
}

/** What the server prints once, when it has just made the tokens (never logged: stderr, not the JSON log). */
export function firstStartBanner(tokens: Tokens, created: TokenKind[], origin: string): string {
  const lines = ['', '==== exam-face-checkin: tokens created on first start (shown only now; `npm run tokens` shows them again) ===='];
  if (created.includes('admin')) lines.push(`Администратор / admin:   ${origin}/admin#token=${tokens.admin}`);
  if (created.includes('station'))
    lines.push(`Пункт пропуска / station: ${origin}/#pair=${tokens.station}   (or: admin page → «Подключить пункт пропуска», QR code)`);
  lines.push('Keep them secret; set ADMIN_TOKEN / STATION_TOKEN to choose your own.', '');
  return lines.join('\n');
}
