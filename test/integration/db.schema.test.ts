// The one schema on SQLite and on the real PostgreSQL: migrations, keys, blobs, the one-pass-a-day key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDb, type Db } from '../../src/db/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { encodeEmbedding, decodeEmbedding } from '../../src/face/embedding.js';
import type { NewStudent } from '../../src/db/schema.js';
import { databaseKinds } from '../helpers/db.js';

function student(over: Partial<NewStudent> = {}): NewStudent {
  const now = new Date().toISOString();
  const e = new Float32Array(128).map((_, i) => i / 1000);
  return {
    matricula: '000123',
    lastname: 'Иванов',
    firstname: 'Иван',
    lotin: 'Ivanov Ivan',
    short: 'Ivanov I.',
    group: 'ИТ-21',
    identifier: '0012345678',
    date_of_birth: '2003-01-09',
    passport_number: 'AA0012345',
    file_path: 'photos/000123.jpg',
    embedding: encodeEmbedding(e),
    face_score: 0.93,
    face_width: 180,
    created_at: now,
    updated_at: now,
    ...over,
  };
}

async function isRejected(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch {
    return true;
  }
}

for (const kind of databaseKinds) {
  test(`schema on ${kind.name}: migrations, unique keys, blobs and one first pass per student and day`, async () => {
    const tdb = await kind.make();
    let db: Db | undefined;
    try {
      db = await createDb(tdb.config);
      // Running the migrations again is a no-op.
      assert.deepEqual(await migrateToLatest(db, tdb.config.kind), []);

      const { id } = await db.insertInto('students').values(student()).returning('id').executeTakeFirstOrThrow();
      const row = await db.selectFrom('students').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.matricula, '000123');
      assert.equal(row.identifier, '0012345678');
      assert.equal(row.passport_number, 'AA0012345');
      assert.equal(row.lastname, 'Иванов');
      assert.equal(row.group, 'ИТ-21');
      assert.equal(decodeEmbedding(row.embedding)[5], new Float32Array([5 / 1000])[0]);
      assert.ok(!Number.isNaN(new Date(row.created_at).getTime()));

      assert.ok(
        await isRejected(
          db
            .insertInto('students')
            .values(student({ identifier: '999' }))
            .execute(),
        ),
        'same matricula rejected',
      );
      assert.ok(
        await isRejected(
          db
            .insertInto('students')
            .values(student({ matricula: '999' }))
            .execute(),
        ),
        'same identifier rejected',
      );
      assert.ok(
        await isRejected(
          db
            .insertInto('students')
            .values(student({ matricula: null, identifier: null }))
            .execute(),
        ),
        'a student needs a matricula or an identifier',
      );
      // Missing identifiers are allowed several times (NULLs do not collide).
      await db
        .insertInto('students')
        .values(student({ matricula: 'M2', identifier: null }))
        .execute();
      await db
        .insertInto('students')
        .values(student({ matricula: 'M3', identifier: null }))
        .execute();

      const pass = (pass_date: string, timestamp: string) =>
        db!.insertInto('passes').values({ student_id: id, timestamp, pass_date, source: 'camera', station: 'A', distance: 0.3 }).execute();
      await pass('2026-06-01', '2026-05-31T19:30:00.000Z');
      assert.ok(await isRejected(pass('2026-06-01', '2026-06-01T08:00:00.000Z')), 'second pass the same local day rejected');
      await pass('2026-06-02', '2026-06-01T19:30:00.000Z');
      const passes = await db.selectFrom('passes').selectAll().where('student_id', '=', id).orderBy('id').execute();
      assert.equal(passes.length, 2);
      assert.equal(new Date(passes[0]!.timestamp).toISOString(), '2026-05-31T19:30:00.000Z');

      await db
        .insertInto('student_photos')
        .values({ student_id: id, mime: 'image/jpeg', data: Buffer.from([1, 2, 3]) })
        .execute();
      const photo = await db.selectFrom('student_photos').selectAll().where('student_id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual([...photo.data], [1, 2, 3]);

      await db.insertInto('attempts').values({ timestamp: new Date().toISOString(), status: 'not_found', distance: 0.61, source: 'web' }).execute();
      assert.ok(
        await isRejected(
          db.insertInto('passes').values({ student_id: 99999, timestamp: '2026-06-01T00:00:00Z', pass_date: '2026-06-01', source: 'web' }).execute(),
        ),
        'foreign key',
      );
    } finally {
      await db?.destroy();
      await tdb.drop();
    }
  });
}

for (const kind of databaseKinds) {
  test(`${kind.name}: the upgrade to 0004 keeps every pass, then one standing pass a day, cancelled ones aside`, async () => {
    const { connect } = await import('../../src/db/index.js');
    const { migrateTo } = await import('../../src/db/migrate.js');
    const tdb = await kind.make();
    const db = connect(tdb.config);
    try {
      await migrateTo(db, tdb.config.kind, '0003_face_models');
      const { id } = await db
        .insertInto('students')
        .values({ ...student(), lastname: 'Фёдорова', search_text: 'old' } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('passes')
        .values({ student_id: id, timestamp: '2026-06-10T04:30:00.000Z', pass_date: '2026-06-10', source: 'camera', station: 'A', distance: 0.3 })
        .execute();
      await migrateToLatest(db, tdb.config.kind);
      const rows = await db.selectFrom('passes').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.deepEqual(
        [rows[0]!.student_id, rows[0]!.pass_date, rows[0]!.source, rows[0]!.station, rows[0]!.cancelled_at, rows[0]!.reason],
        [id, '2026-06-10', 'camera', 'A', null, null],
      );
      assert.match((await db.selectFrom('students').select('search_text').executeTakeFirstOrThrow()).search_text, /^федорова /, 'search text folded (ё → е)');
      const second = { student_id: id, timestamp: '2026-06-10T05:00:00.000Z', pass_date: '2026-06-10', source: 'manual', station: null, distance: null };
      assert.ok(await isRejected(db.insertInto('passes').values(second).execute()), 'a second standing pass the same day');
      await db.updateTable('passes').set({ cancelled_at: '2026-06-10T04:40:00.000Z', cancel_reason: 'ошибка' }).where('id', '=', rows[0]!.id).execute();
      await db.insertInto('passes').values(second).execute();
      assert.ok(
        await isRejected(
          db
            .insertInto('passes')
            .values({ ...second, timestamp: '2026-06-10T06:00:00.000Z' })
            .execute(),
        ),
      );
      // The pass id sequence goes on after the rebuilt table's rows.
      const ids = (await db.selectFrom('passes').select('id').orderBy('id').execute()).map((r) => r.id);
      assert.equal(ids.length, 2);
      assert.ok(ids[1]! > ids[0]!);
    } finally {
      await db.destroy();
      await tdb.drop();
    }
  });
}
