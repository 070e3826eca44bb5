// Which database the app runs on: types that differ (blob/bytea, serial) and locks are chosen by it.
import type { DatabaseConfig } from '../config.js';

export type DbKind = DatabaseConfig['kind'];
