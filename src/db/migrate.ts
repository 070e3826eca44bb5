// Runs the numbered migrations in src/db/migrations with Kysely's Migrator (locked, transactional).
import { Migrator, type Migration, type MigrationProvider, type Kysely } from 'kysely';
import type { DbKind } from './kind.js';
import * as m0001 from './migrations/0001_init.js';
import * as m0002 from './migrations/0002_student_search.js';
import * as m0003 from './migrations/0003_face_models.js';
import * as m0004 from './migrations/0004_pass_workflow.js';
import * as m0005 from './migrations/0005_exam_sittings.js';
import * as m0006 from './migrations/0006_verified_faces.js';
import * as m0007 from './migrations/0007_stations.js';
import * as m0008 from './migrations/0008_students_without_photo.js';
import * as m0010 from './migrations/0010_erasure.js';
import * as m0011 from './migrations/0011_audit_log.js';

/** Migrations get the dialect so that types that differ (blob/bytea, serial) are chosen once, here. */
export interface DialectMigration {
  up: (db: Kysely<unknown>, kind: DbKind) => Promise<void>;
  down?: (db: Kysely<unknown>, kind: DbKind) => Promise<void>;
}

const all: Record<string, DialectMigration> = {
  '0001_init': m0001,
  '0002_student_search': m0002,
  '0003_face_models': m0003,
  '0004_pass_workflow': m0004,
  '0005_exam_sittings': m0005,
  '0006_verified_faces': m0006,
  '0007_stations': m0007,
  '0008_students_without_photo': m0008,
  '0010_erasure': m0010,
  '0011_audit_log': m0011,
};

/** Names of the migrations this version of the app has (a backup with any other is from a newer version). */
export const knownMigrations = (): string[] => Object.keys(all);

class Provider implements MigrationProvider {
  constructor(private readonly kind: DbKind) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(all)) {
      const { up, down } = m;
      out[name] = {
        up: (db) => up(db, this.kind),
        ...(down ? { down: (db: Kysely<unknown>) => down(db, this.kind) } : {}),
      };
    }
    return Promise.resolve(out);
  }
}

/** Kysely's Migrator reports a failure as `unknown` (whatever the migration threw). */
function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function migrateToLatest<DB>(db: Kysely<DB>, kind: DbKind): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new Provider(kind) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${reason(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Brings the schema to `name` exactly (tests of an upgrade from an older schema with rows in it). */
export async function migrateTo<DB>(db: Kysely<DB>, kind: DbKind, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: new Provider(kind) }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(`Database migration to ${name} failed: ${reason(error)}`);
}
