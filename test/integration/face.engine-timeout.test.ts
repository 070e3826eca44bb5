// FaceEngine: a stuck decode hits jobTimeoutMs → engine_unavailable, its worker is replaced, the engine answers real faces again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FaceEngine } from '../../src/face/engine.js';
import { AppError } from '../../src/errors.js';
import { euclidean } from '../../src/face/embedding.js';
import { tempDir } from '../helpers/db.js';
import { cropFace, sampleBytes } from '../helpers/faces.js';

/** Long enough for any real job on a loaded 2-core machine, short enough to wait for once. */
const TIMEOUT_MS = 5000;
/** libuv's thread pool, shared by the main thread and every worker thread: sharp decodes run on it. */
const POOL = Number(process.env.UV_THREADPOOL_SIZE) || 4;

const work = tempDir('efc-timeout-');
let engine: FaceEngine | undefined;
after(async () => {
  await engine?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Fails (instead of hanging the suite) when `p` has not settled after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Occupies every thread of libuv's pool with an open() of a FIFO nobody writes to: no CPU used, and
 * every sharp call (the worker's decode) waits, exactly like a decode stuck on a bad file.
 * release() opens the write ends, which lets the pending opens finish.
 */
function stallThreadPool(): { release(): Promise<void> } {
  const fifos = Array.from({ length: POOL }, (_, i) => path.join(work, `fifo-${i}`));
  for (const f of fifos) execFileSync('mkfifo', [f]);
  const readers = fifos.map((f) => fs.promises.open(f, 'r'));
  return {
    release: async () => {
      const writers = fifos.map((f) => fs.openSync(f, 'r+')); // O_RDWR on a FIFO never blocks (Linux)
      for (const h of await Promise.all(readers)) await h.close();
      for (const w of writers) fs.closeSync(w);
    },
  };
}

test('a job stuck past jobTimeoutMs → engine_unavailable; the worker is replaced and the engine answers a real face after', async () => {
  const logs: string[] = [];
  engine = await FaceEngine.start({ workers: 1, maxPixels: 40_000_000, jobTimeoutMs: TIMEOUT_MS, onLog: (level, msg) => logs.push(`${level}: ${msg}`) });
  const group = await engine.describe(sampleBytes(1), { purpose: 'probe', describe: 'all' });
  const face = await cropFace(sampleBytes(1), group.faces[0]!.box, 0.3);
  const before = await engine.describe(face, { purpose: 'probe' });
  assert.ok(before.faces[0]?.descriptor, 'the crop has a face');
  assert.equal(engine.stats().workers, 1);

  const pool = stallThreadPool();
  let released = false;
  try {
    const t0 = Date.now();
    const stuck = engine.describe(face, { purpose: 'probe' });
    const outcome = stuck.then(
      () => 'answered',
      (e: unknown) => e,
    );
    // (a) the job's timer fires while the decode is stuck, and the caller is told the engine is unavailable.
    await within(
      until(() => logs.some((l) => /timed out/.test(l)), TIMEOUT_MS + 10_000, 'timeout log'),
      TIMEOUT_MS + 11_000,
      'timeout',
    );
    const fired = Date.now() - t0;
    assert.ok(fired >= TIMEOUT_MS - 50, `timed out after ${fired} ms, not before ${TIMEOUT_MS}`);
    await pool.release();
    released = true;
    const e = await within(outcome, 20_000, 'the stuck job');
    assert.ok(e instanceof AppError, `the stuck job: ${String(e)}`);
    assert.equal(e.code, 'engine_unavailable');
    assert.match(e.detail ?? '', /worker exited/);
    assert.ok(Date.now() - t0 < TIMEOUT_MS + 20_000);
  } finally {
    if (!released) await pool.release();
  }

  // (b) a replacement worker starts by itself, and answers the same face with the same descriptor.
  await until(() => logs.some((l) => /starting a new one/.test(l)), 10_000, 'restart log');
  await until(() => engine!.stats().workers === 1, 30_000, 'a new worker');
  const afterRestart = await within(engine.describe(face, { purpose: 'probe' }), 60_000, 'describe after the restart');
  assert.equal(afterRestart.faces.length, before.faces.length);
  assert.ok(euclidean(afterRestart.faces[0]!.descriptor!, before.faces[0].descriptor) < 1e-3, 'same face, same descriptor');
  assert.ok(engine.ready);
  assert.equal(engine.stats().busy, 0);
  assert.ok(!logs.some((l) => /cannot restart/.test(l)), logs.join('\n'));
});
