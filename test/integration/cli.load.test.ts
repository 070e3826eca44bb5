// `npm run load`: the README's `npm run --silent load -- --json > summary.json` run exactly as written gives
// a file that parses; --out (relative to where the command was typed); a re-run that skips everything
// prints one line per reason, not one per row (--verbose: every row); speed only over rows processed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { projectRoot } from '../../src/paths.js';
import { createDb } from '../../src/db/index.js';
import { formatSummary, progressLine, ROWS_PER_REASON } from '../../src/cli/load.js';
import type { LoadSummary, RowReport } from '../../src/students/loader.js';
import { actionsOf, reasonText } from '../../src/students/row-report.js';
import { postgresDatabase, type TestDatabase } from '../helpers/db.js';
import { studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';

function summary(rows: RowReport[], over: Partial<LoadSummary> = {}): LoadSummary {
  const by: Record<string, number> = {};
  for (const r of rows) by[r.reason] = (by[r.reason] ?? 0) + 1;
  return {
    file: 'list of students.xlsx',
    total_rows: rows.length,
    added: 0,
    updated: 0,
    skipped: rows.filter((r) => r.status === 'skipped').length,
    failed: rows.filter((r) => r.status === 'failed').length,
    warnings: rows.filter((r) => r.status === 'warning').length,
    without_photo: rows.filter((r) => r.status === 'no_photo').length,
    actions: actionsOf(rows),
    interrupted: false,
    duration_ms: 2100,
    processed_rows: 0,
    photos_described: 0,
    photos_per_second: 0,
    index_size: 2500,
    rows,
    by_reason: by,
    reason_text: Object.fromEntries(Object.keys(by).map((c) => [c, reasonText(c)])),
    lookalikes: [],
    lookalikes_total: 0,
    ...over,
  };
}

const rowsOf = (n: number, status: RowReport['status'], reason: string, from = 2): RowReport[] =>
  Array.from({ length: n }, (_, i) => ({ row: from + i, matricula: `00${1000 + from + i}`, status, reason, message: `${reason} message ${from + i}` }));

/** Lines of the summary that list one row (they start with the row number). */
const rowLines = (text: string) => text.split('\n').filter((l) => /^\s+\d+\s{2}\d{6}/.test(l));

test('a re-run that skips 2,500 students: one line per reason with its count, no row lines; --verbose lists every row', () => {
  const s = summary(rowsOf(2500, 'skipped', 'exists'));
  const text = formatSummary(s);
  assert.equal(rowLines(text).length, 0, text);
  const reasonLines = text.split('\n').filter((l) => /exists/.test(l));
  assert.equal(reasonLines.length, 1, text);
  assert.match(reasonLines[0]!, /пропущено\s+exists\s+2500\s+уже в базе/);
  assert.ok(text.split('\n').length < 20, `${text.split('\n').length} lines`);
  assert.match(text, /фото не обрабатывались/);
  assert.doesNotMatch(text, /фото\/с/, 'no speed when nothing was processed');

  const verbose = formatSummary(s, { verbose: true });
  assert.equal(rowLines(verbose).length, 2500);
});

test('other reasons: one line each (failures first), at most ROWS_PER_REASON rows each, the rest counted; hint and speed printed', () => {
  const rows = [
    ...rowsOf(30, 'failed', 'no_face', 10),
    ...rowsOf(2, 'failed', 'bad_date', 100),
    ...rowsOf(500, 'skipped', 'exists', 200),
    ...rowsOf(1, 'warning', 'poor_photo', 11),
  ];
  const s = summary(rows, { added: 40, processed_rows: 73, photos_described: 71, photos_per_second: 8.4, hint: 'Ни одного фото…' });
  const text = formatSummary(s);
  const reasons = text
    .split('\n')
    .filter((l) => /^\s{4}\S/.test(l) && /\d+\s{2}\S/.test(l))
    .map((l) => l.trim().split(/\s{2,}/)[1]);
  assert.deepEqual(reasons, ['no_face', 'bad_date', 'poor_photo', 'exists'], text);
  assert.match(text, /ошибка\s+no_face\s+30\s+на фото нет лица/);
  assert.equal(rowLines(text).length, ROWS_PER_REASON + 2 + 1);
  assert.match(text, new RegExp(`… ещё ${30 - ROWS_PER_REASON} строк «no_face»`));
  assert.match(text, /обработано строк с фото: 73, 8\.4 фото\/с/);
  assert.match(text, /Подсказка: Ни одного фото…/);
  assert.equal(rowLines(formatSummary(s, { verbose: true })).length, rows.length);

  // Look-alike pairs: the nearest ROWS_PER_REASON, the rest counted.
  const pair = (i: number) => ({
    distance: 0.2,
    students: [0, 1].map((k) => ({ id: 2 * i + k, row: 2 * i + k + 2, matricula: `m${2 * i + k}`, name: `Студент ${2 * i + k}`, photo_url: '' })),
  });
  const many = formatSummary(summary([], { lookalikes: Array.from({ length: 30 }, (_, i) => pair(i)), lookalikes_total: 30 }));
  assert.equal(many.split('\n').filter((l) => l.includes('↔')).length, ROWS_PER_REASON);
  assert.match(many, new RegExp(`… ещё ${30 - ROWS_PER_REASON} пар`));
});

test('progress: speed and time left over the rows that need photos, not over skipped ones', () => {
  // 2,500 rows skipped at once, 100 to describe, 50 done in 10 s: 5 rows/s and 10 s left (not 255 rows/s).
  const line = progressLine({ done: 2550, total: 2600, added: 50, updated: 0, skipped: 2500, failed: 0, queued: 100, processed: 50 }, 10);
  assert.match(line, /2550\/2600 строк 98%/);
  assert.match(line, /\| 5\.0 строк\/с \| ETA 00:10 \|/);
  const start = progressLine({ done: 2500, total: 2600, added: 0, updated: 0, skipped: 2500, failed: 0, queued: 100, processed: 0 }, 0);
  assert.match(start, /\| — строк\/с \| ETA --:-- \|/);
  const allSkipped = progressLine({ done: 2500, total: 2500, added: 0, updated: 0, skipped: 2500, failed: 0, queued: 0, processed: 0 }, 0.2);
  assert.match(allSkipped, /\| — строк\/с \| ETA 00:00 \|/);
});

let fixture: IdPhotoFixture | undefined;
let photos: IdPhoto[];
let tmp: string;
let pg: TestDatabase | undefined;

before(async () => {
  fixture = await startIdPhotoFixture([1]);
  photos = fixture.photos;
  // Under the project (test-artifacts/ is ignored by git): `npm run` finds package.json from here, as from any folder of the project.
  fs.mkdirSync(path.join(projectRoot, 'test-artifacts'), { recursive: true });
  tmp = fs.mkdtempSync(path.join(projectRoot, 'test-artifacts', 'cli-load-'));
});

after(async () => {
  await fixture?.close();
  await pg?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `command` through the shell in `cwd`, as a user types it. */
async function sh(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(command, { shell: '/bin/sh', cwd, env: { ...process.env, FACE_WORKERS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code as number, stdout, stderr };
}

test(
  "the README's commands as written: `npm run --silent load -- --json > summary.json` and `npm run load -- --out FILE` give files that parse",
  { timeout: 600_000 },
  async () => {
    const docs = path.join(tmp, 'Face ID docs');
    fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
    for (const p of photos) fs.writeFileSync(path.join(docs, 'photos', `${p.key}.jpg`), p.bytes);
    await writeSheet(path.join(docs, 'list of students.xlsx'), [
      ...photos.map((p, i) => studentRow(i, `photos/${p.key}.jpg`)),
      studentRow(9, 'photos/missing.jpg'),
    ]);
    const env = { FACE_ID_DOCS: docs, DATA_DIR: path.join(tmp, 'data'), DATABASE_URL: '' };

    const json = await sh('npm run --silent load -- --json > summary.json', tmp, env);
    assert.equal(json.code, 0, json.stderr);
    const s = JSON.parse(fs.readFileSync(path.join(tmp, 'summary.json'), 'utf8')) as LoadSummary;
    assert.equal(s.added, photos.length + 1, 'the row whose photo is missing is a student «без фото»');
    assert.equal(s.without_photo, 1);
    assert.equal(s.by_reason.file_not_found, 1);
    assert.equal(s.processed_rows, photos.length + 1);
    assert.equal(s.photos_described, photos.length);
    assert.ok(s.photos_per_second > 0);
    assert.equal(json.stdout, '', 'everything went to the file');
    // The load is in the audit log: who `cli`, the load's id and counts.
    const db = await createDb({ kind: 'sqlite', file: path.join(tmp, 'data', 'database.db') });
    try {
      const logged = await db.selectFrom('audit_log').select(['action', 'actor_kind', 'actor_name', 'target', 'detail']).execute();
      assert.deepEqual(
        logged.map((r) => [r.action, r.actor_kind, r.actor_name, r.target]),
        [['students.load', 'cli', 'npm run load', `load:${s.load_id}`]],
      );
      assert.equal((JSON.parse(logged[0]!.detail!) as { added: number }).added, photos.length + 1);
    } finally {
      await db.destroy();
    }

    // Without --silent npm prints its banner, but --out still writes clean JSON — relative to where it was typed.
    pg = await postgresDatabase();
    const sub = path.join(tmp, 'reports');
    fs.mkdirSync(sub);
    const out = await sh('npm run load -- --out summary.json', sub, { ...env, DATABASE_URL: (pg.config as { url: string }).url });
    assert.equal(out.code, 0, out.stderr);
    const o = JSON.parse(fs.readFileSync(path.join(sub, 'summary.json'), 'utf8')) as LoadSummary;
    assert.equal(o.added, photos.length + 1, 'a fresh PostgreSQL database');
    assert.match(out.stdout, /Итог загрузки/, 'the human summary still on the terminal');
    // What needs the office comes first: the student without a photo, with what to do.
    const head = out.stdout.slice(out.stdout.indexOf('Итог загрузки'));
    assert.match(
      head,
      /Требует внимания:\n\s+1 студент без фото \(можно пропустить только вручную\)\n\s+без фото: файл фото не найден — 1 \(строка \d+\)\. Что сделать: /,
    );
    assert.ok(head.indexOf('без фото') < head.indexOf('строк в файле'), head);
    assert.ok(!fs.existsSync(path.join(projectRoot, 'summary.json')), 'not in the project folder npm ran the script in');

    // Re-run (node directly: no second build): every photo row skipped → one line per reason; --verbose → every row.
    const cli = `"${process.execPath}" "${path.join(projectRoot, 'dist/src/cli/load.js')}"`;
    const rerun = await sh(cli, tmp, env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, new RegExp(`пропущено\\s+exists\\s+${photos.length}\\s+уже в базе`));
    assert.match(rerun.stdout, /без фото\s+file_not_found\s+1\s+файл фото не найден/);
    assert.equal(rowLines(rerun.stdout).length, 1, `only the failed row is listed:\n${rerun.stdout}`);
    assert.doesNotMatch(rerun.stderr, /строка \d+ \(Matricula/, 'no row lines while loading');
    assert.match(rerun.stdout, /Подсказка: Ни одного фото/, 'the one row left has no photo: the hint says what is expected');

    const verbose = await sh(`${cli} --verbose`, tmp, env);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.equal(rowLines(verbose.stdout).length, photos.length + 1);
    assert.equal((verbose.stderr.match(/строка \d+ \(Matricula/g) ?? []).length, photos.length + 1, 'and while loading');

    const badOut = await sh(`${cli} --out no-such-folder/summary.json`, tmp, env);
    assert.equal(badOut.code, 2);
    assert.match(badOut.stderr, /--out/);
  },
);
