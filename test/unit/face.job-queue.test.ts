// The engine's scheduling (face/job-queue.ts) without workers: the door before a load, clients in turn, the caps,
// a worker kept free of bulk work while the door is active, dropped and drained jobs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { JobQueue } from '../../src/face/job-queue.js';

interface J {
  name: string;
  client?: string;
}
const limits = { maxQueue: 3, interactiveQueue: 4, perClientQueue: 2, doorReserveMs: 1000 };
function queue() {
  let now = 0;
  const q = new JobQueue<J>(limits, () => now);
  return { q, advance: (ms: number) => (now += ms) };
}
const door = (name: string, client: string) => ({ name, client });

test('bulk jobs in arrival order; a full bulk queue refuses at once', () => {
  const { q } = queue();
  assert.equal(q.addBulk({ name: 'b1' }), true);
  assert.equal(q.addBulk({ name: 'b2' }), true);
  assert.equal(q.addBulk({ name: 'b3' }), true);
  assert.equal(q.addBulk({ name: 'b4' }), false);
  assert.equal(q.size, 3);
  assert.equal(q.next([], 2)?.name, 'b1');
  assert.equal(q.next([undefined], 2)?.name, 'b2');
});

test('a door job goes before waiting bulk jobs; clients take turns', () => {
  const { q } = queue();
  q.addBulk({ name: 'load' });
  assert.equal(q.addInteractive(door('a1', 'A')), null);
  assert.equal(q.addInteractive(door('a2', 'A')), null);
  assert.equal(q.addInteractive(door('b1', 'B')), null);
  assert.deepEqual(
    [q.next([], 4), q.next([], 4), q.next([], 4)].map((j) => j?.name),
    ['a1', 'b1', 'a2'],
  );
  assert.equal(q.size, 1);
});

test('per-client and total caps on waiting door jobs', () => {
  const { q } = queue();
  assert.equal(q.addInteractive(door('a1', 'A')), null);
  assert.equal(q.addInteractive(door('a2', 'A')), null);
  assert.match(q.addInteractive(door('a3', 'A')) ?? '', /client's 2/);
  assert.equal(q.addInteractive(door('b1', 'B')), null);
  assert.equal(q.addInteractive(door('c1', 'C')), null);
  assert.match(q.addInteractive(door('d1', 'D')) ?? '', /interactive queue 4/);
});

test('one client never holds every worker: with 2 workers, its second job waits while the first runs', () => {
  const { q } = queue();
  q.addInteractive(door('a1', 'A'));
  q.addInteractive(door('a2', 'A'));
  assert.equal(q.next([], 2)?.name, 'a1');
  assert.equal(q.next(['A'], 2), undefined, 'the second worker is left for other clients');
  q.addInteractive(door('b1', 'B'));
  assert.equal(q.next(['A'], 2)?.name, 'b1');
  // with one worker the client may use it
  const { q: one } = queue();
  one.addInteractive(door('a1', 'A'));
  assert.equal(one.next([], 1)?.name, 'a1');
});

test('while the door was active lately, bulk work leaves one worker free; after doorReserveMs it may use all', () => {
  const { q, advance } = queue();
  q.addBulk({ name: 'l1' });
  q.addBulk({ name: 'l2' });
  q.addInteractive(door('a1', 'A'));
  assert.equal(q.next([], 2)?.name, 'a1');
  assert.equal(q.next(['A'], 2)?.name, 'l1');
  assert.equal(q.next([undefined], 2), undefined, 'one bulk job running of two workers: the other stays free for the door');
  advance(1001);
  assert.equal(q.next([undefined], 2)?.name, 'l2');
});

test('drop takes out a door job that waited too long (once); drain empties everything', () => {
  const { q } = queue();
  const a = door('a1', 'A');
  q.addInteractive(a);
  q.addBulk({ name: 'l1' });
  assert.equal(q.drop(a), true);
  assert.equal(q.drop(a), false);
  assert.equal(q.drop({ name: 'l1' }), false, 'bulk jobs are not dropped');
  q.addInteractive(door('b1', 'B'));
  assert.deepEqual(
    q.drain().map((j) => j.name),
    ['l1', 'b1'],
  );
  assert.equal(q.size, 0);
  assert.equal(q.next([], 2), undefined);
});
