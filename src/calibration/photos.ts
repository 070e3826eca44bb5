// Calibration photo sets (DIR/<person>/<photo>) and their descriptors, described once per model and cached on disk.
import fs from 'node:fs';
import path from 'node:path';
import { isAppError } from '../errors.js';
import type { FaceEngine } from '../face/engine.js';
import type { Purpose } from '../face/types.js';
import type { FaceQuality } from '../face/quality.js';

export interface PhotoFile {
  /** `<person>/<file>`, relative to the set's folder. */
  key: string;
  person: string;
  file: string;
}

/** Every photo of DIR/<person>/<photo>, people and photos in name order. */
export function readSet(dir: string): PhotoFile[] {
  const out: PhotoFile[] = [];
  for (const person of fs.readdirSync(dir).sort()) {
    const pdir = path.join(dir, person);
    if (!fs.statSync(pdir).isDirectory()) continue;
    for (const f of fs.readdirSync(pdir).sort()) if (/\.(jpe?g|png|webp)$/i.test(f)) out.push({ key: `${person}/${f}`, person, file: path.join(pdir, f) });
  }
  return out;
}

/** Base64 of little-endian float32 → a Float32Array of its own (Buffer.from may share a pooled slab). */
function floats(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** What the engine saw in one photo, as the loader (enrol) or the checkpoint (probe) would. */
export interface Described {
  /** Widths of the faces found, largest first (pixels of the photo). */
  widths: number[];
  /** The largest face's descriptor; absent when no face was found or the photo was unreadable. */
  descriptor?: Float32Array;
  /** What the quality gate measured on the largest face, and how many other faces are as large as half of it. */
  quality?: FaceQuality & { others: number };
  error?: string;
}

interface CacheLine {
  key: string;
  purpose: Purpose;
  size: number;
  widths: number[];
  d?: string;
  quality?: FaceQuality & { others: number };
  error?: string;
}

/**
 * Describes `wanted` photos with the engine's model; results are kept in `cacheFile` (one JSON line a
 * photo) so a second calibration of the same sets with the same model costs nothing. Keys are
 * `purpose:key`.
 */
export async function describeSet(
  engine: FaceEngine,
  dir: string,
  wanted: { photo: PhotoFile; purpose: Purpose }[],
  cacheFile: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Map<string, Described>> {
  const out = new Map<string, Described>();
  const sizes = new Map<string, number>();
  if (fs.existsSync(cacheFile)) {
    for (const line of fs.readFileSync(cacheFile, 'utf8').split('\n')) {
      if (!line) continue;
      const c = JSON.parse(line) as CacheLine;
      out.set(`${c.purpose}:${c.key}`, {
        widths: c.widths,
        ...(c.d ? { descriptor: floats(c.d) } : {}),
        ...(c.quality ? { quality: c.quality } : {}),
        ...(c.error ? { error: c.error } : {}),
      });
      sizes.set(`${c.purpose}:${c.key}`, c.size);
    }
  }
  const todo = wanted.filter((w) => {
    const k = `${w.purpose}:${w.photo.key}`;
    const had = out.get(k);
    // Lines from before quality was cached are described again.
    return !had || sizes.get(k) !== fs.statSync(w.photo.file).size || (had.descriptor !== undefined && !had.quality);
  });
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  const cache = fs.createWriteStream(cacheFile, { flags: 'a' });
  let next = 0,
    done = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { photo, purpose } = todo[next++]!;
      const bytes = fs.readFileSync(photo.file);
      let d: Described;
      try {
        const r = await engine.describe(bytes, { purpose });
        const face = r.faces[0];
        const others = r.faces.slice(1).filter((f) => face && f.box.width >= 0.5 * face.box.width).length;
        d = {
          widths: r.faces.map((f) => Math.round(f.box.width)),
          ...(face?.descriptor ? { descriptor: face.descriptor } : {}),
          ...(face?.quality ? { quality: { ...face.quality, others } } : {}),
        };
      } catch (e) {
        d = { widths: [], error: isAppError(e) ? e.code : String(e) };
      }
      out.set(`${purpose}:${photo.key}`, d);
      const line: CacheLine = {
        key: photo.key,
        purpose,
        size: bytes.length,
        widths: d.widths,
        ...(d.descriptor ? { d: Buffer.from(d.descriptor.buffer, d.descriptor.byteOffset, d.descriptor.byteLength).toString('base64') } : {}),
        ...(d.quality ? { quality: d.quality } : {}),
        ...(d.error ? { error: d.error } : {}),
      };
      cache.write(`${JSON.stringify(line)}\n`);
      onProgress?.(++done, todo.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, engine.size * 2) }, worker));
  await new Promise<void>((resolve) => cache.end(resolve));
  return out;
}
