// For browser tests: a real app listening on a free port, with some of face-api's demo people enrolled.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FaceEngine } from '../../src/face/engine.js';
import { sqliteDatabase, tempDir, type TestDatabase } from './db.js';
import { startApp, STATION_TOKEN, type TestApp } from './app.js';
import { enrol, makeIdPhotos, type IdPhoto } from './students.js';
import { grow, sampleBytes } from './faces.js';

export interface ServedApp {
  engine: FaceEngine;
  tdb: TestDatabase;
  t: TestApp;
  /** http://127.0.0.1:<port> */
  base: string;
  /** The checkpoint page through its pairing link (`/#pair=<station token>`), as a paired station opens it. */
  pair: string;
  /** A temp folder for the test's files, removed by close(). */
  work: string;
  /** ID photos of every face in `samples`; those of `enrolSamples` are enrolled (rows 0, 1, …). */
  people: IdPhoto[];
  close(): Promise<void>;
}

/** `env`: settings for the app's config (e.g. `{ RESULT_FADE_S: '2' }`). */
export async function startServedApp(samples: number[], enrolSamples: number[], env: Record<string, string> = {}): Promise<ServedApp> {
  const engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000 });
  const work = tempDir();
  const people = await makeIdPhotos(engine, samples);
  const tdb = await sqliteDatabase();
  const t = await startApp(tdb, engine, env);
  await enrol(
    t,
    engine,
    people.filter((p) => enrolSamples.includes(p.sample)),
    path.join(work, 'docs'),
  );
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    engine,
    tdb,
    t,
    work,
    people,
    base,
    pair: `${base}/#pair=${STATION_TOKEN}`,
    close: async () => {
      await t.close();
      await tdb.drop();
      await engine.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A camera frame around one face of a demo photo (a wider cut than the enrolled ID photo), grey bars to width×height. */
export async function cameraFrame(engine: FaceEngine, p: IdPhoto, width = 480, height = 360): Promise<Buffer> {
  const bytes = sampleBytes(p.sample);
  const meta = await sharp(bytes).metadata();
  const face = (await engine.describe(bytes, { purpose: 'probe', describe: 'all' })).faces[p.face]!;
  const r = grow(face.box, 0.5, meta.width, meta.height);
  return sharp(bytes).extract(r).resize(width, height, { fit: 'contain', background: '#777' }).jpeg({ quality: 92 }).toBuffer();
}
