// What the rules below HTTP work with: the configuration, the database, the face engine, the index, the look-alike
// pairs and the clock. The app's context (context.ts) adds the server's jobs; passes/ and students/ take only this,
// so that no folder below http/ imports the top.
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import type { FaceEngine } from './face/engine.js';
import type { FaceIndex } from './face/index.js';
import type { Lookalikes } from './face/lookalikes.js';
import type { Clock } from './time.js';

export interface Core {
  config: Config;
  db: Db;
  engine: FaceEngine;
  index: FaceIndex;
  /** Enrolled students whose photos the match rule cannot tell apart (never named by the camera). */
  lookalikes: Lookalikes;
  clock: Clock;
}
