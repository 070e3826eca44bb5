// The services one app instance runs on, built once by server.ts (or a test) and passed to routes.
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import type { FaceEngine } from './face/engine.js';
import type { FaceIndex } from './face/index.js';
import type { Clock } from './time.js';

export interface AppContext {
  config: Config;
  db: Db;
  engine: FaceEngine;
  index: FaceIndex;
  clock: Clock;
}
