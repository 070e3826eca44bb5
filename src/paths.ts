// Absolute paths of the project's own folders, independent of the working directory.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import { createRequire } from 'node:module';

/** Project root: the nearest folder above this module holding our package.json (works from src/ and dist/src/). */
export const projectRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'exam-face-checkin') return d;
    if (path.dirname(d) === d) throw new Error(`package.json of exam-face-checkin not found above ${dir}`);
  }
}

const require = createRequire(import.meta.url);

/** Folder with face-api's bundled weights (shipped in the npm package, never downloaded). */
export const faceModelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');

/** Folder with tfjs' .wasm binaries. */
export const tfjsWasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));

/** face-api's demo photos of real people, used by tests and benchmarks. */
export const faceApiDemoDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

/** Weights that ship inside the repository (YuNet, Intel's descriptor), each beside its licence. */
export const vendoredModelDir = path.join(projectRoot, 'models');
