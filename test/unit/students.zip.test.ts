// extractPhotos alone: no entry escapes the target folder (../, absolute, drive letter, backslash, symlink), limits hold, photos land.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import yazl from 'yazl';
import { extractPhotos, type ZipLimits } from '../../src/students/zip.js';
import { AppError } from '../../src/errors.js';
import { tempDir } from '../helpers/db.js';
import { zipBytes } from '../helpers/zip.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const LIMITS: ZipLimits = { maxEntries: 100, maxTotalBytes: 1 << 20, maxEntryBytes: 64 << 10 };

interface ZipEntry {
  name: string;
  data?: Buffer;
  mode?: number;
  compress?: boolean;
  /** Sizes written into the headers instead of the real ones (a lying zip). */
  declare?: number;
  dir?: boolean;
}

/**
 * A zip built by yazl. Names yazl refuses (../x, /x, C:, backslashes) are written as same-length
 * placeholders and patched in afterwards, in the local header and the central directory.
 */
async function zipOf(entries: ZipEntry[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  const named: [string, ZipEntry][] = [];
  entries.forEach((e, i) => {
    const patch = e.declare !== undefined || /\\|^\/|^[a-zA-Z]:|(^|\/)\.\.(\/|$)/.test(e.name);
    assert.ok(!patch || (e.name.length >= 6 && Buffer.byteLength(e.name) === e.name.length), `${e.name}: patched names are ASCII, ≥ 6 chars`);
    const name = patch ? `q${i}_`.padEnd(e.name.length - 1, 'q') + 'Q' : e.name;
    named.push([name, e]);
    if (e.dir) z.addEmptyDirectory(name);
    else z.addBuffer(e.data ?? crypto.randomBytes(100), name, { compress: e.compress ?? true, ...(e.mode ? { mode: e.mode } : {}) });
  });
  z.end();
  const buf = await zipBytes(z);
  for (const [placeholder, e] of named) {
    if (placeholder === e.name) continue;
    const at: number[] = [];
    for (let i = buf.indexOf(placeholder); i >= 0; i = buf.indexOf(placeholder, i + 1)) at.push(i);
    assert.equal(at.length, 2, `placeholder of ${e.name}: local header + central directory`);
    const [local, central] = at as [number, number];
    assert.equal(buf.readUInt32LE(local - 30), 0x04034b50);
    assert.equal(buf.readUInt32LE(central - 46), 0x02014b50);
    buf.write(e.name, local, 'latin1');
    buf.write(e.name, central, 'latin1');
    if (e.declare !== undefined) {
      buf.writeUInt32LE(e.declare, local - 30 + 22);
      buf.writeUInt32LE(e.declare, central - 46 + 24);
      if (e.compress === false) {
        buf.writeUInt32LE(e.declare, local - 30 + 18);
        buf.writeUInt32LE(e.declare, central - 46 + 20);
      }
    }
  }
  return buf;
}

/** Every file under `dir`, relative, sorted (symlinks listed too, never followed). */
function walk(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => {
      const full = path.join(dir, d.name);
      return d.isDirectory() ? walk(full, base) : [path.relative(base, full)];
    })
    .sort();
}

/** parent/upload.zip and the target parent/out: anything written outside `out` shows up in parent. */
async function extract(entries: ZipEntry[] | ((parent: string) => ZipEntry[]), limits = LIMITS) {
  const parent = tempDir('efc-zip-');
  dirs.push(parent);
  const dest = path.join(parent, 'out');
  fs.mkdirSync(dest);
  fs.writeFileSync(path.join(parent, 'upload.zip'), await zipOf(typeof entries === 'function' ? entries(parent) : entries));
  const result = extractPhotos(path.join(parent, 'upload.zip'), dest, limits);
  return { parent, dest, result };
}

test('../, a/../../, absolute, C:\\ and C:/, backslash, symlink, non-image and directory entries are ignored; photos are written', async () => {
  const a = crypto.randomBytes(3000);
  const b = crypto.randomBytes(2000);
  const { parent, dest, result } = await extract((parent) => [
    { name: 'photos/a.jpg', data: a },
    { name: 'b.PNG', data: b },
    { name: 'notes.txt' },
    { name: 'emptydir', dir: true },
    { name: '../x1.jpg' },
    { name: 'a/../../x2.jpg' },
    // Absolute, into the test's own temp folder: an escape shows up in the walk below, never in the real /tmp.
    { name: path.join(parent, 'x3.jpg') },
    { name: 'C:\\x4.jpg' },
    { name: 'C:/x5.jpg' },
    { name: '..\\x6.jpg' },
    { name: 'photos\\..\\..\\x7.jpg' },
    { name: 'a/../inside.jpg' },
    { name: 'link.jpg', data: Buffer.from('../../etc/passwd'), mode: 0o120777 },
    { name: 'photos/ok.webp' },
  ]);
  const r = await result;
  assert.deepEqual(walk(parent), ['out/b.PNG', 'out/photos/a.jpg', 'out/photos/ok.webp', 'upload.zip'], 'nothing outside out/, nothing but the photos inside');
  assert.deepEqual(r, { written: 3, ignored: 11 });
  assert.deepEqual(fs.readFileSync(path.join(dest, 'photos/a.jpg')), a);
  assert.deepEqual(fs.readFileSync(path.join(dest, 'b.PNG')), b);
});

test('duplicate names: the second copy is skipped and never overwrites the first', async () => {
  const first = crypto.randomBytes(500);
  const { dest, result } = await extract([
    { name: 'photos/a.jpg', data: first },
    { name: 'photos/a.jpg', data: crypto.randomBytes(700) },
  ]);
  // Skipped, not a failed upload: the rest of the archive still loads.
  assert.deepEqual(await result, { written: 1, ignored: 1 });
  assert.deepEqual(fs.readFileSync(path.join(dest, 'photos/a.jpg')), first);
});

test('an entry declaring a small size but inflating to more is cut off and refused', async () => {
  const { dest, result } = await extract([{ name: 'photos/liar.jpg', data: Buffer.alloc(200_000, 7), declare: 100 }]);
  await assert.rejects(result, (e: unknown) => e instanceof AppError);
  const f = path.join(dest, 'photos/liar.jpg');
  if (fs.existsSync(f)) assert.ok(fs.statSync(f).size <= LIMITS.maxEntryBytes, `${fs.statSync(f).size} bytes written`);
});

test('an entry declaring more than the per-file cap is refused before anything is written', async () => {
  const { dest, result } = await extract([{ name: 'photos/huge.jpg', data: Buffer.alloc(1000, 1), declare: LIMITS.maxEntryBytes + 1 }]);
  await assert.rejects(result, (e: unknown) => e instanceof AppError && e.code === 'payload_too_large');
  assert.deepEqual(walk(dest), []);
});

test('a stored entry whose header under-states its size yields only the declared bytes', async () => {
  const { dest, result } = await extract([
    { name: 'photos/short.jpg', data: crypto.randomBytes(5000), compress: false, declare: 100 },
    { name: 'photos/next.jpg' },
  ]);
  const r = await result.catch((e: unknown) => e);
  if (r instanceof Error) assert.ok(r instanceof AppError, String(r));
  const f = path.join(dest, 'photos/short.jpg');
  if (fs.existsSync(f)) assert.ok(fs.statSync(f).size <= 100);
});

test('too many entries → payload_too_large, at most maxEntries photos written', async () => {
  const entries = Array.from({ length: 6 }, (_, i) => ({ name: `photos/p${i}.jpg` }));
  const { dest, result } = await extract(entries, { ...LIMITS, maxEntries: 3 });
  await assert.rejects(result, (e: unknown) => e instanceof AppError && e.code === 'payload_too_large');
  assert.ok(walk(dest).length <= 3, walk(dest).join(','));
});

test('total bytes over the cap → payload_too_large, and the entries before the cap are the only ones written', async () => {
  const entries = Array.from({ length: 4 }, (_, i) => ({ name: `photos/p${i}.jpg`, data: crypto.randomBytes(4000) }));
  const { dest, result } = await extract(entries, { ...LIMITS, maxTotalBytes: 10_000 });
  await assert.rejects(result, (e: unknown) => e instanceof AppError && e.code === 'payload_too_large');
  assert.deepEqual(walk(dest), ['photos/p0.jpg', 'photos/p1.jpg']);
});
