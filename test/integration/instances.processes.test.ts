// Two real server processes on one PostgreSQL database: 50 concurrent requests with the same face
// give exactly one pass; a load through A is recognised by B within 5 s; a force-reload that changes
// a student's photo takes effect on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import pg from 'pg';
import { FaceEngine } from '../../src/face/engine.js';
import { postgresDatabase, tempDir, type TestDatabase } from '../helpers/db.js';
import { ADMIN_TOKEN, STATION_TOKEN } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';
import { makeIdPhotos, studentRow, writeSheet, type IdPhoto } from '../helpers/students.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

let people: IdPhoto[];
/** A checkpoint-style frame of each person (a wider crop of the group photo than the ID photo). */
let frames: string[];
let docs: string;
const dataDirs: string[] = [];
let tdb: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;

before(async () => {
  const engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000 });
  try {
    people = await makeIdPhotos(engine, [6]);
    const r = await engine.describe(sampleBytes(6), { purpose: 'probe', describe: 'all' });
    frames = await Promise.all(
      people.map(async (p) =>
        (
          await sharp(await cropFace(sampleBytes(6), r.faces[p.face]!.box, 0.45))
            .resize(480)
            .jpeg()
            .toBuffer()
        ).toString('base64'),
      ),
    );
  } finally {
    await engine.close();
  }
  assert.ok(people.length >= 4, 'sample 6 has four people');
  docs = tempDir();
  fs.mkdirSync(path.join(docs, 'photos'));
  tdb = await postgresDatabase();
  if (tdb.config.kind !== 'postgres') throw new Error('unreachable');
  const port = await freePort();
  const port2 = await freePort();
  // 50 requests at once from this one test client: the per-client and queue caps are raised for it.
  const env = {
    DATABASE_URL: tdb.config.url,
    ADMIN_TOKEN,
    FACE_ID_DOCS: docs,
    RECOGNIZE_PER_CLIENT: '64',
    RECOGNIZE_QUEUE: '64',
    RECOGNIZE_MAX_INFLIGHT: '64',
  };
  dataDirs.push(tempDir(), tempDir());
  a = startServerProcess(port, { ...env, DATA_DIR: dataDirs[0]! });
  // B answers through the HNSW graph (from the first face on), A through the exact scan.
  b = startServerProcess(port2, { ...env, DATA_DIR: dataDirs[1]!, INDEX_BACKEND: 'hnsw', HNSW_FROM: '1' });
  await Promise.all([a.ready, b.ready]);
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await tdb?.drop();
  for (const d of [docs, ...dataDirs]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

/** Enrols people[0..2] as rows 0..2; `photoOfRow2` says whose photo row 2 carries. */
async function writeDocs(photoOfRow2: IdPhoto): Promise<void> {
  const enrolled = [people[0]!, people[1]!, photoOfRow2];
  enrolled.forEach((p, i) => fs.writeFileSync(path.join(docs, 'photos', `row${i}.jpg`), p.bytes));
  await writeSheet(
    path.join(docs, 'list of students.xlsx'),
    enrolled.map((_, i) => studentRow(i, `row${i}.jpg`)),
  );
}

async function recognize(s: ServerProcess, person: number, station: string): Promise<{ status: string; student?: { matricula: string } }> {
  const res = await fetch(`${s.base}/api/recognize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-station-token': STATION_TOKEN },
    body: JSON.stringify({ image: frames[person], station }),
  });
  assert.ok(res.status < 500, `no 5xx (got ${res.status})`);
  return (await res.json()) as { status: string; student?: { matricula: string } };
}

async function load(s: ServerProcess, force: boolean): Promise<{ added: number; updated: number }> {
  const res = await fetch(`${s.base}/admin/load_excel${force ? '?force=true' : ''}`, { method: 'POST', headers: { 'x-admin-token': ADMIN_TOKEN } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { added: number; updated: number };
}

/** Waits until `check` holds, failing after `ms`; returns how long it took. */
async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    assert.ok(Date.now() - t0 < ms, `${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

const health = async (s: ServerProcess) =>
  (await (await fetch(`${s.base}/api/health`, { headers: { 'x-admin-token': ADMIN_TOKEN } })).json()) as {
    index_size: number;
    index_backend: string;
    index_ann: { state: string } | null;
  };
const indexSize = async (s: ServerProcess) => (await health(s)).index_size;

test('two processes, one PostgreSQL (B on HNSW): load through A → B recognises within 5 s; 50 concurrent requests → one pass; force-reload with a new photo → both follow', async () => {
  assert.equal((await recognize(b, 0, 'B')).status, 'not_found', 'nobody enrolled yet');

  await writeDocs(people[2]!);
  assert.equal((await load(a, false)).added, 3);
  const seenAfter = await within(5000, 'B sees the students loaded through A', async () => (await indexSize(b)) === 3);
  await within(5000, "B's HNSW graph ready", async () => (await health(b)).index_backend === 'hnsw');
  assert.equal((await health(b)).index_ann?.state, 'ready');
  assert.equal((await health(a)).index_backend, 'bruteforce');
  assert.equal((await health(a)).index_ann, null);

  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? recognize(a, 0, 'A') : recognize(b, 0, 'B'))));
  const statuses = answers.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 'ok').length, 1, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 'already_passed').length, 49, statuses.join(','));
  assert.ok(answers.every((r) => r.student?.matricula === '001000'));

  // Row 2 now carries the photo of person 3, who was never enrolled; person 2 leaves the gallery.
  assert.equal((await recognize(b, 3, 'B')).status, 'not_found');
  await writeDocs(people[3]!);
  assert.equal((await load(a, true)).updated, 3);
  const followed = await within(5000, 'B follows the force-reload', async () => (await recognize(b, 3, 'B')).student?.matricula === '001002');
  await within(5000, 'B rebuilt its graph after the reload', async () => (await health(b)).index_backend === 'hnsw');
  for (const s of [a, b]) {
    assert.equal((await recognize(s, 2, s === a ? 'A' : 'B')).status, 'not_found', 'the old face no longer names the student');
    assert.equal((await recognize(s, 3, s === a ? 'A' : 'B')).student?.matricula, '001002');
  }

  const c = new pg.Client({ connectionString: tdb.config.kind === 'postgres' ? tdb.config.url : '' });
  await c.connect();
  try {
    const passes = await c.query('select s.matricula, count(*)::int as n from passes p join students s on s.id = p.student_id group by s.matricula order by 1');
    assert.deepEqual(passes.rows, [
      { matricula: '001000', n: 1 },
      { matricula: '001002', n: 1 },
    ]);
  } finally {
    await c.end();
  }
  console.log(`B saw the load after ${seenAfter} ms and the force-reload after ${followed} ms`);
});
