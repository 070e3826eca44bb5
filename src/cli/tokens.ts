// `npm run tokens`: shows the admin link and the station pairing link again; `-- --rotate station|admin|all`
// makes new ones (the old stop working once the server restarts). Run on the server, by its operator.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createDb } from '../db/index.js';
import { provisionTokens, type TokenKind } from '../tokens.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rotate: { type: 'string' }, origin: { type: 'string' } } });
  const config = loadConfig();
  const rotate: TokenKind[] = values.rotate === 'all' ? ['admin', 'station'] : values.rotate === 'admin' || values.rotate === 'station' ? [values.rotate] : [];
  if (values.rotate !== undefined && rotate.length === 0) throw new Error('--rotate: station, admin or all');
  const db = await createDb(config.database);
  try {
    const env = { admin: config.adminToken, station: config.stationToken };
    for (const kind of rotate)
      if (env[kind]) throw new Error(`${kind === 'admin' ? 'ADMIN_TOKEN' : 'STATION_TOKEN'} is set in the environment: change it there`);
    const { tokens } = await provisionTokens(db, env, rotate);
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const origin = values.origin ?? `${config.tls ? 'https' : 'http'}://${host}:${config.port}`;
    process.stdout.write(
      [
        `Администратор / admin:    ${origin}/admin#token=${tokens.admin}${env.admin ? '   (ADMIN_TOKEN)' : ''}`,
        `Пункт пропуска / station: ${origin}/#pair=${tokens.station}${env.station ? '   (STATION_TOKEN)' : ''}`,
        rotate.length > 0 ? 'New tokens written: restart the server for them to take effect; re-pair every station.' : '',
        '',
      ].join('\n'),
    );
  } finally {
    await db.destroy();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
