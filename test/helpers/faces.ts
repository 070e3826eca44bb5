// Real faces for tests: face-api's demo photos (shipped in its npm package) and crops made from them.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { faceApiDemoDir } from '../../src/paths.js';
import type { FaceBox } from '../../src/face/types.js';

/** People in each demo photo, counted by eye. */
export const SAMPLE_PEOPLE: Record<number, number> = { 1: 3, 2: 3, 3: 3, 4: 4, 5: 5, 6: 4 };
export const SAMPLES = [1, 2, 3, 4, 5, 6];

export function samplePath(i: number): string {
  return path.join(faceApiDemoDir, `sample${i}.jpg`);
}

export function sampleBytes(i: number): Buffer {
  return fs.readFileSync(samplePath(i));
}

/** The face's box grown by `margin` of its size on each side, clipped to the image. */
export function grow(box: FaceBox, margin: number, width: number, height: number): { left: number; top: number; width: number; height: number } {
  const left = Math.max(0, Math.round(box.x - box.width * margin));
  const top = Math.max(0, Math.round(box.y - box.height * margin));
  const right = Math.min(width, Math.round(box.x + box.width * (1 + margin)));
  const bottom = Math.min(height, Math.round(box.y + box.height * (1 + margin)));
  return { left, top, width: right - left, height: bottom - top };
}

/** An "ID photo": the face cut out of a group photo with a small margin, as a JPEG. */
export async function cropFace(bytes: Buffer, box: FaceBox, margin = 0.3, quality = 92): Promise<Buffer> {
  const img = sharp(bytes).rotate();
  const { data, info } = await img.toBuffer({ resolveWithObject: true });
  return sharp(data)
    .extract(grow(box, margin, info.width, info.height))
    .jpeg({ quality })
    .toBuffer();
}

export type Variant = 'jpeg' | 'half' | 'double' | 'mirror' | 'jpeg40' | 'png' | 'webp' | 'exif-rotated';

/** The same crop altered the way a different camera or upload would alter it. */
export async function alter(crop: Buffer, variant: Variant): Promise<Buffer> {
  const img = sharp(crop);
  const meta = await img.metadata();
  switch (variant) {
    case 'jpeg':
      return crop;
    case 'half':
      return img
        .resize(Math.round(meta.width / 2))
        .jpeg({ quality: 90 })
        .toBuffer();
    case 'double':
      return img
        .resize(meta.width * 2)
        .jpeg({ quality: 90 })
        .toBuffer();
    case 'mirror':
      return img.flop().jpeg({ quality: 90 }).toBuffer();
    case 'jpeg40':
      return img.jpeg({ quality: 40 }).toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: 80 }).toBuffer();
    case 'exif-rotated':
      // Pixels stored turned 90° anticlockwise with EXIF orientation 6, as phones write them.
      return img.rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
  }
}

/** A part of a demo photo with no face in it (a wall and a chair of sample 1). */
export async function landscape(): Promise<Buffer> {
  return sharp(sampleBytes(1)).extract({ left: 0, top: 700, width: 400, height: 500 }).jpeg().toBuffer();
}

/** A PNG whose header claims w×h pixels in a few KB (a decompression bomb): must be refused before decoding. */
export function pngHeaderBomb(w = 60000, h = 60000): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1 << 20))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
