// `npm run cert -- --host exam-pc.local --ip 192.168.1.10`: a local certificate authority (made once, reused, valid
// only for these names) and a server certificate for HTTPS on the exam LAN, no internet needed. Prints TLS_CERT/TLS_KEY.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { projectRoot } from '../paths.js';
import { makeCertificates, OutsideAuthority } from '../tls-cert.js';
import { lanAddresses } from '../server-address.js';

/** This computer's names: its host name and, for a bare one, its mDNS name (exam-pc → exam-pc.local). */
function machineNames(): string[] {
  const h = os.hostname().toLowerCase();
  return h.includes('.') ? [h] : [h, `${h}.local`];
}

const usage = `usage: npm run cert -- [--host NAME ...] [--ip ADDRESS ...] [--out DIR] [--new-ca]
  --host   the server's name(s) stations type (default: this computer's names, ${machineNames().join(', ')})
  --ip     the server's LAN address(es) (default: every non-internal IPv4 address of this computer)
  --out    where to write ca.crt, ca.key, server.crt, server.key (default: DATA_DIR/tls)
  --new-ca make a new authority (every station must then trust the new ca.crt)
The authority is valid only for the names and addresses of its first run (and localhost); a later run may
name those (or fewer), anything else needs --new-ca.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string', multiple: true },
        ip: { type: 'string', multiple: true },
        out: { type: 'string' },
        'new-ca': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const out = path.resolve(values.out ?? path.join(path.resolve(projectRoot, process.env.DATA_DIR || 'data'), 'tls'));
  const hosts = values.host ?? machineNames();
  const ips = values.ip ?? lanAddresses();
  const caCertFile = path.join(out, 'ca.crt');
  const caKeyFile = path.join(out, 'ca.key');
  const reuse = !values['new-ca'] && fs.existsSync(caCertFile) && fs.existsSync(caKeyFile);
  let set;
  try {
    set = await makeCertificates({
      hosts,
      ips,
      ...(reuse ? { ca: { cert: fs.readFileSync(caCertFile, 'utf8'), key: fs.readFileSync(caKeyFile, 'utf8') } } : {}),
    });
  } catch (e) {
    // A name outside the kept authority: say which and what to do, not the whole usage.
    process.stderr.write(e instanceof OutsideAuthority ? `${e.message}\n` : `${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  const write = (name: string, text: string, mode: number) => {
    const file = path.join(out, name);
    fs.writeFileSync(`${file}.tmp`, text, { mode });
    fs.renameSync(`${file}.tmp`, file);
    return file;
  };
  if (!reuse) {
    write('ca.crt', set.caCert, 0o644);
    write('ca.key', set.caKey, 0o600);
  }
  const cert = write('server.crt', set.cert, 0o644);
  const key = write('server.key', set.key, 0o600);
  const x = new X509Certificate(set.cert);
  const ca = new X509Certificate(set.caCert);
  process.stdout.write(
    [
      `Сертификат сервера / server certificate: ${x.subjectAltName}`,
      `  действует до / valid until ${x.validTo}; центр сертификации / authority: ${reuse ? 'прежний / reused' : 'новый / new'} (${ca.fingerprint256.slice(0, 23)}…)`,
      set.caPermits
        ? `  центр подтверждает только / the authority vouches only for: ${[...set.caPermits.dns, ...set.caPermits.ips].join(', ')} (другие — --new-ca / others: --new-ca)`
        : '  ВНИМАНИЕ: прежний центр без ограничения имён — с его ca.key можно подписать сертификат любого сайта; создайте новый: --new-ca / WARNING: this older authority has no name constraints (its ca.key can sign for any site): make a new one with --new-ca',
      '',
      'Запуск с HTTPS / start with HTTPS (or put the two lines into .env):',
      `  TLS_CERT=${cert}`,
      `  TLS_KEY=${key}`,
      '',
      `На каждом пункте пропуска один раз установите ${caCertFile} как доверенный корневой центр (README: «HTTPS без прокси»).`,
      `Install ${caCertFile} once on every station as a trusted root authority (README: "HTTPS without a proxy"). Keep ca.key private.`,
      '',
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
