// src/face/scan.wat → src/face/scan-wasm.ts (the module's bytes as Base64), with wabt from devDependencies.
// Run after editing scan.wat: npm run build:wasm. test/unit/face.scan.test.ts fails if the two drift apart.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const wat = path.join(root, 'src/face/scan.wat');

export async function compileScanWat() {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('scan.wat', fs.readFileSync(wat, 'utf8'), { simd: true });
  mod.validate();
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return Buffer.from(buffer);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await compileScanWat();
  const out = `// Generated from scan.wat by scripts/build-wasm.mjs (npm run build:wasm): do not edit.\nexport const SCAN_WASM_BASE64 =\n  '${bytes.toString('base64')}';\n`;
  fs.writeFileSync(path.join(root, 'src/face/scan-wasm.ts'), out);
  console.log(`src/face/scan-wasm.ts: ${bytes.length} bytes of WebAssembly`);
}
