// `npm run load` (the real CLI process) on a sheet made on Windows: `C:\Users\…\Face ID docs\photos\a.jpg` and
// `D:/x/photos/b.jpg` are found by their tail in FACE_ID_DOCS, as the zip upload finds them; text that climbs out
// of the docs folder (`..\..\x.jpg`, `C:\…\Face ID docs\..\..\x.jpg`) is path_outside_docs even though the file exists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { projectRoot } from '../../src/paths.js';
import type { LoadSummary } from '../../src/students/loader.js';
import { studentRow, writeSheet } from '../helpers/students.js';
import { startIdPhotoFixture, type IdPhotoFixture } from '../helpers/id-photo-fixture.js';

let fixture: IdPhotoFixture | undefined;

before(async () => {
  fixture = await startIdPhotoFixture([1]);
});

after(async () => {
  await fixture?.close();
});

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/src/cli/load.js'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, FACE_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code as number, stdout, stderr };
}

test('CLI: Windows paths in File path load by their tail under FACE_ID_DOCS; climbing out is path_outside_docs', { timeout: 300_000 }, async () => {
  const { photos, work } = fixture!;
  assert.ok(photos.length >= 2);
  const top = path.join(work, 'cli-win');
  const docs = path.join(top, 'Face ID docs');
  fs.mkdirSync(path.join(docs, 'photos'), { recursive: true });
  const [a, b] = photos;
  fs.writeFileSync(path.join(docs, 'photos', `${a!.key}.jpg`), a!.bytes);
  fs.writeFileSync(path.join(docs, 'photos', `${b!.key}.jpg`), b!.bytes);
  // A real photo just outside the docs folder: reachable by the climbing paths below if they were followed.
  fs.writeFileSync(path.join(top, 'outside.jpg'), a!.bytes);
  await writeSheet(path.join(docs, 'list of students.xlsx'), [
    studentRow(0, `C:\\Users\\exam\\Desktop\\Face ID docs\\photos\\${a!.key}.jpg`),
    studentRow(1, `D:/x/photos/${b!.key}.jpg`),
    studentRow(2, '..\\..\\outside.jpg'),
    studentRow(3, 'C:\\Users\\exam\\Desktop\\Face ID docs\\..\\..\\outside.jpg'),
    studentRow(4, '..\\outside.jpg'),
    studentRow(5, 'C:\\Windows\\missing.jpg'),
  ]);
  const r = await cli(['--json'], { FACE_ID_DOCS: docs, DATA_DIR: path.join(top, 'data'), DATABASE_URL: '' });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as LoadSummary;
  // Every row is a student; only the two photos inside the folder give faces, the others are «без фото» with the reason.
  const byRow = Object.fromEntries(s.rows.filter((x) => x.status === 'no_photo').map((x) => [x.row, x.reason]));
  assert.equal(s.added, 6, JSON.stringify(s.rows));
  assert.equal(s.photos_described, 2);
  assert.equal(s.index_size, 2);
  assert.deepEqual(byRow, { 4: 'path_outside_docs', 5: 'path_outside_docs', 6: 'path_outside_docs', 7: 'file_not_found' });
  assert.match(s.rows.find((x) => x.row === 4)!.message, /за пределы папки/);
});
