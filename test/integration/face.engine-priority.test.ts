// The door before the load: after a recognition, bulk jobs leave one of the two workers free, so the next
// recognition starts at once (the latency is measured by benchmarks/door-during-load.ts); with the reservation off (DOOR_RESERVE_S=0) a load takes both workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceEngine } from '../../src/face/engine.js';
import { sampleBytes } from '../helpers/faces.js';

/** Runs 6 bulk describes after one door recognition; returns the most workers busy with them at once. */
async function peakBulkWorkers(doorReserveMs: number): Promise<{ peak: number }> {
  const engine = await FaceEngine.start({ workers: 2, maxPixels: 40_000_000, doorReserveMs });
  try {
    const photo = sampleBytes(3);
    await engine.describe(photo, { purpose: 'probe' }, { client: 'door' });
    let peak = 0;
    const bulk = Promise.all(Array.from({ length: 6 }, () => engine.describe(photo, { purpose: 'probe' })));
    let done = false;
    void bulk.then(() => (done = true));
    while (!done) {
      peak = Math.max(peak, engine.stats().busy);
      await new Promise((r) => setTimeout(r, 2));
    }
    return { peak };
  } finally {
    await engine.close();
  }
}

test('after a door recognition a load uses one worker of two; with the reservation off, both', async () => {
  const reserved = await peakBulkWorkers(60_000);
  assert.equal(reserved.peak, 1, 'one worker kept for the door');
  const off = await peakBulkWorkers(0);
  assert.equal(off.peak, 2, 'without the reservation the load takes both workers');
});
