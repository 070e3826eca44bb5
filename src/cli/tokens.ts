// `npm run tokens`: shows the admin link and the station pairing link again; `-- --rotate station|admin|all`
// makes new ones (the old stop working once the server restarts). Run on the server, by its operator. The links
// carry the address the server is reached by from other computers (server-address.ts: https with TLS, PUBLIC_HOST,
// the certificate's name or the LAN address, PORT), with the settings of .env as `npm start` reads them.
import { parseArgs } from 'node:util';
import { loadConfig, readDotEnv, ConfigError } from '../config.js';
import { createDb } from '../db/index.js';
import { provisionTokens, type TokenKind } from '../tokens.js';
import { serverOrigin, loopbackNote } from '../server-address.js';
import { appendCliAudit } from '../audit/log.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rotate: { type: 'string' }, origin: { type: 'string' } } });
  readDotEnv();
  const config = loadConfig();
  const rotate: TokenKind[] = values.rotate === 'all' ? ['admin', 'station'] : values.rotate === 'admin' || values.rotate === 'station' ? [values.rotate] : [];
  if (values.rotate !== undefined && rotate.length === 0) throw new Error('--rotate: station, admin или all / station, admin or all');
  const db = await createDb(config.database);
  try {
    const env = { admin: config.adminToken, station: config.stationToken };
    for (const kind of rotate)
      if (env[kind])
        throw new Error(
          `${kind === 'admin' ? 'ADMIN_TOKEN' : 'STATION_TOKEN'} задан в окружении или .env: меняйте его там / is set in the environment or .env: change it there`,
        );
    const { tokens, created } = await provisionTokens(db, env, rotate);
    // Which tokens were replaced, never the tokens themselves.
    if (rotate.length > 0)
      await appendCliAudit(db, 'npm run tokens', {
        action: 'tokens.rotate',
        target: created.map((k) => `token:${k}`).join(' ') || null,
        detail: { rotated: created.join(',') },
      });
    const address = values.origin === undefined ? serverOrigin(config) : undefined;
    const origin = values.origin ?? address!.origin;
    process.stdout.write(
      [
        `Администратор / admin:    ${origin}/admin#token=${tokens.admin}${env.admin ? '   (ADMIN_TOKEN)' : ''}`,
        `Пункт пропуска / station: ${origin}/#pair=${tokens.station}${env.station ? '   (STATION_TOKEN)' : ''}`,
        rotate.length > 0
          ? 'Новые токены записаны: перезапустите сервер и заново подключите каждый пункт пропуска / New tokens written: restart the server, re-pair every station.'
          : '',
        '',
      ]
        .filter((line, i, all) => line !== '' || i === all.length - 1)
        .join('\n'),
    );
    if (address?.loopback) process.stderr.write(`${loopbackNote(config.host)}\n`);
    else if (address && config.trustProxy !== false)
      process.stderr.write(
        `За прокси (TRUST_PROXY) ссылки должны вести на адрес прокси: npm run tokens -- --origin https://ИМЯ / Behind a proxy give its address: --origin https://NAME\n`,
      );
  } finally {
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
