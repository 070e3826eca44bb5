// A shared fixture of the loader tests: a face engine, real ID photos of samples 1 and 3, a temp folder.
import fs from 'node:fs';
import { FaceEngine } from '../../src/face/engine.js';
import { tempDir } from './db.js';
import { makeIdPhotos, type IdPhoto } from './students.js';

export interface IdPhotoFixture {
  engine: FaceEngine;
  photos: IdPhoto[];
  work: string;
  close(): Promise<void>;
}

export async function startIdPhotoFixture(samples = [1, 3]): Promise<IdPhotoFixture> {
  const engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  const photos = await makeIdPhotos(engine, samples);
  const work = tempDir();
  return {
    engine,
    photos,
    work,
    close: async () => {
      await engine.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
