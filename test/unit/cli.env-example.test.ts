// `.env.example` documents every setting src/config.ts reads, each with a Russian + English comment, and
// the values it shows are the real defaults: uncommented as a whole it configures exactly what no .env does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { loadConfig, readDotEnv } from '../../src/config.js';
import { tempDir } from '../helpers/db.js';

const example = fs.readFileSync(path.join(projectRoot, '.env.example'), 'utf8');
const lines = example.split('\n');
const SETTING = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/;

/** Every environment variable config.ts reads: through its str/optional/num/bool helpers or env directly. */
function variablesReadByConfig(): Set<string> {
  const source = fs.readFileSync(path.join(projectRoot, 'src/config.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of source.matchAll(/\b(?:str|optional|num|bool)\(\s*['"]([A-Z][A-Z0-9_]*)['"]/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g)) names.add((m[1] ?? m[2])!);
  return names;
}

test('every variable config.ts reads is in .env.example, and nothing else is', () => {
  const read = variablesReadByConfig();
  assert.ok(read.size >= 30, `the scan of config.ts found only ${read.size} names: ${[...read].join(', ')}`);
  const documented = lines.map((l) => SETTING.exec(l)?.[1]).filter((n): n is string => n !== undefined);
  assert.equal(new Set(documented).size, documented.length, 'each setting once');
  assert.deepEqual(
    [...read].filter((n) => !documented.includes(n)),
    [],
    'read by config.ts but missing from .env.example',
  );
  assert.deepEqual(
    documented.filter((n) => !read.has(n)),
    [],
    'in .env.example but not read by config.ts',
  );
});

test('each setting has a one-line Russian + English comment above it and is commented out (copying the file changes nothing)', () => {
  lines.forEach((line, i) => {
    const m = SETTING.exec(line);
    if (!m) return;
    assert.ok(line.startsWith('# '), `${m[1]}: commented out`);
    const comment = lines[i - 1] ?? '';
    assert.match(comment, /^# .*[А-Яа-яЁё].* \/ .*[A-Za-z]{3,}/, `${m[1]}: «${comment}» is a Russian / English comment`);
  });
});

test('uncommented as a whole, .env.example gives exactly the default configuration', () => {
  const dir = tempDir('efc-env-');
  try {
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, lines.map((l) => (SETTING.test(l) ? l.replace(/^#\s*/, '') : l)).join('\n'));
    const env: Record<string, string | undefined> = {};
    readDotEnv(file, env);
    assert.ok(Object.keys(env).length >= 30, Object.keys(env).join(', '));
    assert.deepEqual(loadConfig(env), loadConfig({}));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
