// A fake webcam for Chromium: a .y4m (YUV 4:2:0) video made from a real photo.
import fs from 'node:fs';
import sharp from 'sharp';

/** Writes `frames` identical frames of `image` fitted into width×height (grey bars) as a Y4M file. */
export async function writeY4m(image: Buffer, file: string, width = 640, height = 480, frames = 10): Promise<void> {
  const { data } = await sharp(image)
    .resize(width, height, { fit: 'contain', background: { r: 128, g: 128, b: 128 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc((width / 2) * (height / 2));
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const k = (j * width + i) * 3;
      const r = data[k]!,
        g = data[k + 1]!,
        b = data[k + 2]!;
      y[j * width + i] = Math.max(0, Math.min(255, Math.round(0.299 * r + 0.587 * g + 0.114 * b)));
      if (j % 2 === 0 && i % 2 === 0) {
        const c = (j / 2) * (width / 2) + i / 2;
        u[c] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
        v[c] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
      }
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, `YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  for (let f = 0; f < frames; f++) fs.writeSync(out, frame);
  fs.closeSync(out);
}
