// The commands on the server write the audit log too (who: `cli`, the command's name; no address): `npm run
// load-schedule` and `npm run tokens -- --rotate station` (which token, never the token itself); showing the links
// again changes nothing and logs nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../src/paths.js';
import { createDb } from '../../src/db/index.js';
import { tempDir } from '../helpers/db.js';
import { insertStudents, writeSchedule } from '../helpers/schedule.js';

const work = tempDir('efc-audit-cli-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

function run(cli: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'dist/src/cli', cli), ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(work, 'data'), DATABASE_URL: '', TIMEZONE: 'Asia/Tashkent' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('npm run load-schedule and npm run tokens -- --rotate write audit rows as `cli`', async () => {
  const config = { kind: 'sqlite' as const, file: path.join(work, 'data', 'database.db') };
  let db = await createDb(config);
  await insertStudents(db, [{ matricula: '0001', lastname: 'Валиев', firstname: 'Вали', group: 'ЭК-22' }]);
  await db.destroy();
  const file = path.join(work, 'schedule.xlsx');
  await writeSchedule(file, [['Математика', '2026-12-07', '11:30', '13:30', 'А-101', 'ЭК-22', null]]);
  run('load-schedule.js', '--file', file, '--json');
  run('tokens.js');
  const out = run('tokens.js', '--rotate', 'station');
  db = await createDb(config);
  try {
    const rows = await db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => [r.action, r.actor_kind, r.actor_name, r.ip, r.target]),
      [
        ['schedule.load', 'cli', 'npm run load-schedule', null, null],
        ['tokens.rotate', 'cli', 'npm run tokens', null, 'token:station'],
      ],
    );
    assert.equal((JSON.parse(rows[0]!.detail!) as { added: number }).added, 1);
    const token = /#pair=([A-Za-z0-9_-]+)/.exec(out)![1]!;
    assert.ok(!JSON.stringify(rows).includes(token), 'the new token is not in the log');
  } finally {
    await db.destroy();
  }
});
