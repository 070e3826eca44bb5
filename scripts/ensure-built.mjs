// Builds the TypeScript only when it changed: `npm start`, `npm test`, `npm run load|tokens|cert|…` run this first.
// The build's inputs are every .ts file under src/, test/, benchmarks/ and web/, the tsconfig files, package.json
// and package-lock.json (a new TypeScript or @types version); a SHA-256 of their paths and contents is kept in
// dist/.build-stamp.json after a successful build. Nothing changed and every output present → no tsc (a few tens
// of milliseconds); otherwise `tsc -p` runs for each of PROJECTS (the app, the API shapes' declarations, the
// pages), and the outputs of removed sources are deleted (a removed test must not go on running from dist/).
//   node scripts/ensure-built.mjs             build if stale
//   node scripts/ensure-built.mjs --force     build anyway (`npm run build`)
//   node scripts/ensure-built.mjs --install   as `prepare` at `npm ci`: without TypeScript (--omit=dev) skip, don't fail
// Messages and tsc's own output go to stderr: stdout stays the command's (`npm run --silent load -- --json > f`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SOURCE_DIRS = ['src', 'test', 'benchmarks', 'web'];
export const CONFIG_FILES = ['tsconfig.json', 'src/contract/tsconfig.json', 'web/tsconfig.json', 'package.json', 'package-lock.json'];
/** The projects in build order: the app, the API shapes' declarations web/ reads (dist/contract/), the pages. */
export const PROJECTS = ['tsconfig.json', 'src/contract/tsconfig.json', 'web/tsconfig.json'];
export const STAMP = 'dist/.build-stamp.json';
const LOCK = 'dist/.build-lock';

/** Every input of the build, relative to root with '/' separators, sorted. */
export function inputFiles(root) {
  const out = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.isFile() && e.name.endsWith('.ts')) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  for (const f of CONFIG_FILES) if (fs.existsSync(path.join(root, f))) out.push(f);
  return out.sort();
}

/** SHA-256 over the inputs' paths and contents: a touched but unchanged file does not count, a renamed one does. */
export function fingerprint(root, files) {
  const h = crypto.createHash('sha256');
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(fs.readFileSync(path.join(root, f)))
      .update('\0');
  return h.digest('hex');
}

/** Where tsc writes a source's JavaScript (web/*.ts → public/js, the rest → dist/), or undefined for a config file. */
export function outputOf(file) {
  if (!file.endsWith('.ts') || file.endsWith('.d.ts')) return undefined;
  if (file.startsWith('web/')) return `public/js/${file.slice(4, -3)}.js`;
  return `dist/${file.slice(0, -3)}.js`;
}

/** Every file tsc writes for a source: its JavaScript, and for an API shape (src/contract/) the declarations web/ reads. */
export function outputsOf(file) {
  const js = outputOf(file);
  if (js === undefined) return [];
  const m = /^src\/contract\/([^/]+)\.ts$/.exec(file);
  return m ? [js, `dist/contract/${m[1]}.d.ts`] : [js];
}

function readStamp(root) {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(root, STAMP), 'utf8'));
    return typeof s.hash === 'string' && Array.isArray(s.files) ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the build is stale, and why (in Russian, for the operator's terminal): no stamp, changed inputs (which),
 * or an output missing. `removed`: sources the last build had and that are gone now.
 */
export function staleness(root) {
  const files = inputFiles(root);
  const hash = fingerprint(root, files);
  const stamp = readStamp(root);
  const removed = stamp ? stamp.files.filter((f) => !files.includes(f)) : [];
  if (!stamp) return { stale: true, reason: 'первая сборка', files, hash, removed, missing: false };
  if (stamp.hash !== hash) {
    const before = new Map(Object.entries(stamp.perFile ?? {}));
    const changed = files.filter((f) => before.get(f) !== fileHash(root, f)).concat(removed);
    const shown = changed.slice(0, 3).join(', ') + (changed.length > 3 ? ` и ещё ${changed.length - 3}` : '');
    return { stale: true, reason: `изменились исходники${shown ? `: ${shown}` : ''}`, files, hash, removed, missing: false };
  }
  const lost = files.flatMap(outputsOf).find((o) => !fs.existsSync(path.join(root, o)));
  if (lost) return { stale: true, reason: `нет ${lost}`, files, hash, removed, missing: true };
  return { stale: false, reason: '', files, hash, removed, missing: false };
}

function fileHash(root, f) {
  return crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(root, f)))
    .digest('hex')
    .slice(0, 16);
}

/** tsc of root's node_modules, both projects; its messages to stderr. Returns true when both compiled cleanly. */
function runTsc(root) {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!fs.existsSync(tsc)) {
    process.stderr.write('TypeScript не установлен: выполните npm ci (без --omit=dev) / TypeScript is missing: run npm ci\n');
    return false;
  }
  for (const project of PROJECTS) {
    if (!fs.existsSync(path.join(root, project))) continue; // a project without API shapes (the tests' tiny one)
    const r = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: ['ignore', 2, 2] });
    if (r.error) throw r.error;
    if (r.status !== 0) return false;
  }
  return true;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** One build at a time (`npm start` and `npm run tokens` typed together): the second waits, then finds it fresh. */
function withLock(root, fn) {
  const lock = path.join(root, LOCK);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(lock, 'utf8')) || 0;
      if (!holder || !alive(holder) || waited > 600_000) fs.rmSync(lock, { force: true });
      else sleep(200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Builds root's TypeScript if stale (or `force`). Returns { built, ok, reason }. `tsc(root)` compiles (tests pass a
 * stand-in); `log` gets the operator's lines.
 */
export function ensureBuilt(root, { force = false, tsc = runTsc, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  if (!force && !staleness(root).stale) return { built: false, ok: true, reason: '' };
  return withLock(root, () => {
    const s = staleness(root); // another process may have built it while this one waited
    if (!force && !s.stale) return { built: false, ok: true, reason: '' };
    const reason = force ? 'npm run build' : s.reason;
    log(`Сборка TypeScript (${reason}) / building TypeScript…`);
    const t0 = Date.now();
    for (const f of s.removed) {
      for (const out of outputsOf(f)) for (const o of [out, `${out}.map`]) fs.rmSync(path.join(root, o), { force: true });
    }
    // tsc --incremental trusts its .tsbuildinfo and would not write outputs deleted since.
    if (s.missing) fs.rmSync(path.join(root, 'dist/.tsbuildinfo'), { force: true });
    fs.rmSync(path.join(root, STAMP), { force: true });
    if (!tsc(root)) {
      log('Сборка не удалась: исправьте ошибки выше / the build failed: see the errors above');
      return { built: true, ok: false, reason };
    }
    const perFile = Object.fromEntries(s.files.map((f) => [f, fileHash(root, f)]));
    // The inputs as they were when tsc started: a file edited during the build makes the next run build again.
    fs.writeFileSync(path.join(root, STAMP), `${JSON.stringify({ hash: s.hash, files: s.files, perFile })}\n`);
    log(`Сборка готова за ${((Date.now() - t0) / 1000).toFixed(1)} с / built`);
    return { built: true, ok: true, reason };
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--force' && a !== '--install');
  if (unknown.length > 0) {
    process.stderr.write(`ensure-built: неизвестный параметр ${unknown[0]} (--force, --install)\n`);
    process.exit(2);
  }
  if (args.includes('--install') && !fs.existsSync(path.join(root, 'node_modules/typescript/bin/tsc'))) {
    process.stderr.write('TypeScript не установлен (npm ci --omit=dev): сборка пропущена / no TypeScript, build skipped\n');
    process.exit(0);
  }
  process.exit(ensureBuilt(root, { force: args.includes('--force') }).ok ? 0 : 1);
}
