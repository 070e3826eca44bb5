// People for calibration from face-api's demo photos: each face's ID crop, plus altered copies as probes.
import sharp from 'sharp';
import fs from 'node:fs';
import path from 'node:path';
import type { FaceEngine } from '../face/engine.js';
import { faceApiDemoDir } from '../paths.js';

/** One identity of a calibration set. */
export interface Person {
  name: string;
  /** Photo bytes; the first one is enrolled, the others are probes. */
  photos: { label: string; bytes: Buffer }[];
}

export async function samplePeople(engine: FaceEngine): Promise<Person[]> {
  const people: Person[] = [];
  for (let s = 1; s <= 6; s++) {
    const bytes = fs.readFileSync(path.join(faceApiDemoDir, `sample${s}.jpg`));
    const { data, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const img = () => sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
    const r = await engine.describe(bytes, { purpose: 'probe', describe: 'all' });
    for (const [f, face] of r.faces.entries()) {
      const cut = (margin: number) => {
        const left = Math.max(0, Math.round(face.box.x - face.box.width * margin));
        const top = Math.max(0, Math.round(face.box.y - face.box.height * margin));
        const width = Math.min(info.width - left, Math.round(face.box.width * (1 + 2 * margin)));
        const height = Math.min(info.height - top, Math.round(face.box.height * (1 + 2 * margin)));
        return img().extract({ left, top, width, height });
      };
      const id = await cut(0.3).jpeg({ quality: 92 }).toBuffer();
      const probes = [
        await cut(0.5).resize(480).jpeg({ quality: 75 }).toBuffer(),
        await cut(0.4).resize(200).jpeg({ quality: 60 }).toBuffer(),
        await cut(0.45).flop().resize(360).webp({ quality: 80 }).toBuffer(),
        await cut(0.35).modulate({ brightness: 0.75 }).resize(320).jpeg({ quality: 85 }).toBuffer(),
      ];
      people.push({
        name: `sample${s}/face${f}`,
        photos: [{ label: `sample${s}/face${f}/id`, bytes: id }, ...probes.map((b, k) => ({ label: `sample${s}/face${f}/probe${k}`, bytes: b }))],
      });
    }
  }
  return people;
}
