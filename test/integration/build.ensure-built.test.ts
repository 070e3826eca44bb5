// Build once: scripts/ensure-built.mjs runs tsc only when an input changed (a .ts file of src/, test/, benchmarks/,
// web/, a tsconfig, package.json or package-lock.json) or an output is missing, on a small project in a temp folder
// with the real tsc; every npm script that runs the compiled code goes through it, so nothing runs stale.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../src/paths.js';
import { tempDir } from '../helpers/db.js';

const SCRIPT = path.join(projectRoot, 'scripts/ensure-built.mjs');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A project of the same shape as this one (tsconfig.json → dist/, web/tsconfig.json → public/js). `tsc: 'real'` links
 * this project's node_modules (TypeScript itself); `'stand-in'` puts a quick tsc in its place that writes each source
 * as its output (a source saying TYPE_ERROR fails) and logs its calls to tsc-calls.log.
 */
function tinyProject(tsc: 'real' | 'stand-in'): string {
  const root = tempDir('efc-build-');
  dirs.push(root);
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write('package.json', '{ "name": "tiny", "type": "module" }\n');
  write('package-lock.json', '{}\n');
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: [],
        strict: true,
        sourceMap: true,
        outDir: 'dist',
        rootDir: '.',
        incremental: true,
        tsBuildInfoFile: 'dist/.tsbuildinfo',
      },
      include: ['src/**/*.ts', 'test/**/*.ts', 'benchmarks/**/*.ts'],
    }),
  );
  write(
    'web/tsconfig.json',
    JSON.stringify({ compilerOptions: { target: 'ES2020', module: 'ES2020', types: [], outDir: '../public/js', rootDir: '.' }, include: ['*.ts'] }),
  );
  write('src/answer.ts', 'export const answer: number = 1;\n');
  write('src/gone.ts', 'export const gone = true;\n');
  write('test/answer.test.ts', "import { answer } from '../src/answer.js';\nexport const checked = answer;\n");
  write('web/page.ts', "export const title = 'one';\n");
  fs.mkdirSync(path.join(root, 'scripts'));
  fs.copyFileSync(SCRIPT, path.join(root, 'scripts/ensure-built.mjs'));
  if (tsc === 'real') fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  else
    write(
      'node_modules/typescript/bin/tsc',
      `const fs = require('node:fs'), path = require('node:path');
const web = process.argv[3] === 'web/tsconfig.json';
fs.appendFileSync('tsc-calls.log', process.argv[3] + '\\n');
const walk = (d) => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() && !web ? walk(path.join(d, e.name)) : e.name.endsWith('.ts') ? [path.join(d, e.name)] : [])) : []);
for (const f of web ? walk('web') : ['src', 'test', 'benchmarks'].flatMap(walk)) {
  const text = fs.readFileSync(f, 'utf8');
  if (text.includes('TYPE_ERROR')) { console.log(f + ': error TS2322'); process.exit(2); }
  const out = web ? path.join('public/js', path.basename(f, '.ts') + '.js') : path.join('dist', f.slice(0, -3) + '.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  if (!web) fs.writeFileSync(out + '.map', '{}');
}
`,
    );
  return root;
}

/** `node scripts/ensure-built.mjs [args]` in root, as the npm scripts run it. */
function ensure(root: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['scripts/ensure-built.mjs', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const exists = (root: string, rel: string) => fs.existsSync(path.join(root, rel));
/** How many times the stand-in tsc ran (two a build: tsconfig.json, web/tsconfig.json). */
const tscCalls = (root: string) => (exists(root, 'tsc-calls.log') ? read(root, 'tsc-calls.log').split('\n').filter(Boolean).length : 0);

test(
  'the real tsc: cold builds both projects, warm runs no tsc, an edit is what runs next, a deleted output comes back, a type error fails unstamped',
  { timeout: 180_000 },
  () => {
    const root = tinyProject('real');
    const cold = ensure(root);
    assert.equal(cold.code, 0, cold.stderr);
    assert.match(cold.stderr, /Сборка TypeScript \(первая сборка\)/);
    assert.match(cold.stderr, /Сборка готова за \d+\.\d с/);
    assert.equal(cold.stdout, '', 'nothing on stdout: `npm run --silent load -- --json > f` stays JSON');
    assert.match(read(root, 'dist/src/answer.js'), /answer = 1/);
    assert.ok(exists(root, 'dist/test/answer.test.js') && exists(root, 'public/js/page.js') && exists(root, 'dist/.build-stamp.json'));

    const built = fs.statSync(path.join(root, 'dist/src/answer.js')).mtimeMs;
    const warm = ensure(root);
    assert.deepEqual([warm.code, warm.stdout, warm.stderr], [0, '', ''], 'fresh: silent, no build');
    assert.equal(fs.statSync(path.join(root, 'dist/src/answer.js')).mtimeMs, built, 'tsc did not run');

    fs.writeFileSync(path.join(root, 'src/answer.ts'), 'export const answer: number = 2;\n');
    const edited = ensure(root);
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stderr, /изменились исходники: src\/answer\.ts\)/);
    assert.match(read(root, 'dist/src/answer.js'), /answer = 2/, 'the new code is what runs');

    // dist/.tsbuildinfo still says "up to date": tsc must write the output all the same.
    fs.rmSync(path.join(root, 'dist/src/answer.js'));
    const lost = ensure(root);
    assert.equal(lost.code, 0, lost.stderr);
    assert.match(lost.stderr, /нет dist\/src\/answer\.js/);
    assert.match(read(root, 'dist/src/answer.js'), /answer = 2/);

    fs.writeFileSync(path.join(root, 'src/answer.ts'), "export const answer: number = 'three';\n");
    const failed = ensure(root);
    assert.equal(failed.code, 1, 'the command after && does not run');
    assert.match(failed.stderr, /TS2322/, "tsc's error, on stderr");
    assert.match(failed.stderr, /Сборка не удалась/);
    assert.equal(failed.stdout, '');
    assert.ok(!exists(root, 'dist/.build-stamp.json'), 'no stamp: the next run tries again');
  },
);

test('touched but unchanged: no build; a web page, package.json, --force, a removed source, a failed build retried, a dead lock', () => {
  const root = tinyProject('stand-in');
  assert.equal(ensure(root).code, 0);
  assert.equal(tscCalls(root), 2);
  assert.equal(ensure(root).stderr, '');
  assert.equal(tscCalls(root), 2, 'fresh: no tsc');

  // Touched (git checkout, an editor's save without changes): same contents, no build.
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(root, 'src/answer.ts'), later, later);
  assert.equal(ensure(root).stderr, '');
  assert.equal(tscCalls(root), 2);

  fs.writeFileSync(path.join(root, 'web/page.ts'), "export const title = 'two';\n");
  assert.match(ensure(root).stderr, /изменились исходники: web\/page\.ts\)/);
  assert.match(read(root, 'public/js/page.js'), /'two'/);
  fs.writeFileSync(path.join(root, 'package.json'), '{ "name": "tiny", "type": "module", "version": "2.0.0" }\n');
  assert.match(ensure(root).stderr, /изменились исходники: package\.json\)/);
  assert.equal(ensure(root).stderr, '');

  const calls = tscCalls(root);
  const forced = ensure(root, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /Сборка TypeScript \(npm run build\)/, '`npm run build` builds even when fresh');
  assert.equal(tscCalls(root), calls + 2);
  assert.equal(ensure(root, '--fast').code, 2, 'an unknown option is refused');

  fs.rmSync(path.join(root, 'src/gone.ts'));
  const removed = ensure(root);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /src\/gone\.ts/);
  assert.ok(!exists(root, 'dist/src/gone.js') && !exists(root, 'dist/src/gone.js.map'), 'a removed test must not go on running from dist/');

  fs.rmSync(path.join(root, 'public/js/page.js'));
  assert.match(ensure(root).stderr, /нет public\/js\/page\.js/);
  assert.ok(exists(root, 'public/js/page.js'));

  fs.writeFileSync(path.join(root, 'src/answer.ts'), 'TYPE_ERROR\n');
  assert.equal(ensure(root).code, 1);
  const retried = ensure(root);
  assert.equal(retried.code, 1, 'still failing, still trying');
  assert.match(retried.stderr, /Сборка TypeScript/);
  fs.writeFileSync(path.join(root, 'src/answer.ts'), 'export const answer: number = 3;\n');
  assert.equal(ensure(root).code, 0);
  assert.match(read(root, 'dist/src/answer.js'), /answer: number = 3/);

  // A build killed half-way leaves its lock behind: a later run takes it over instead of waiting.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  fs.writeFileSync(path.join(root, 'dist/.build-lock'), String(dead));
  fs.writeFileSync(path.join(root, 'src/answer.ts'), 'export const answer: number = 4;\n');
  const relocked = ensure(root);
  assert.equal(relocked.code, 0, relocked.stderr);
  assert.match(read(root, 'dist/src/answer.js'), /= 4/);
  assert.ok(!exists(root, 'dist/.build-lock'));
});

test('staleness() in-process: the inputs are the .ts sources, the tsconfigs and package files, nothing else', async () => {
  const { inputFiles, outputOf } = (await import(pathToFileURL(SCRIPT).href)) as {
    inputFiles: (root: string) => string[];
    outputOf: (file: string) => string | undefined;
  };
  const root = tinyProject('stand-in');
  fs.writeFileSync(path.join(root, 'src/notes.md'), 'not an input');
  fs.mkdirSync(path.join(root, 'src/node_modules'));
  fs.writeFileSync(path.join(root, 'src/node_modules/x.ts'), '');
  assert.deepEqual(inputFiles(root), [
    'package-lock.json',
    'package.json',
    'src/answer.ts',
    'src/gone.ts',
    'test/answer.test.ts',
    'tsconfig.json',
    'web/page.ts',
    'web/tsconfig.json',
  ]);
  assert.equal(outputOf('src/cli/tokens.ts'), 'dist/src/cli/tokens.js');
  assert.equal(outputOf('web/admin.ts'), 'public/js/admin.js');
  assert.equal(outputOf('tsconfig.json'), undefined);
});

test("this project's npm scripts: every one that runs compiled code builds through ensure-built first", () => {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const runsDist = Object.entries(scripts).filter(([, cmd]) => /\bdist\//.test(cmd));
  assert.ok(runsDist.length >= 15, runsDist.map(([n]) => n).join(', '));
  for (const [name, cmd] of runsDist) assert.match(cmd, /^node scripts\/ensure-built\.mjs && node /, `npm run ${name}`);
  for (const [name, cmd] of Object.entries(scripts)) assert.doesNotMatch(cmd, /\btsc\b|npm run build\b/, `npm run ${name} builds only through ensure-built`);
  assert.equal(scripts.build, 'node scripts/ensure-built.mjs --force');
  assert.equal(scripts.prepare, 'node scripts/ensure-built.mjs --install', '`npm ci` builds once (and skips without TypeScript)');
});
