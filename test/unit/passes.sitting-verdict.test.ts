// Which sitting a recognised student enters (passes/sitting-rule.ts), from the room's and the student's sittings and
// the clock, without a database.
import test from 'node:test';
import assert from 'node:assert/strict';
import { isOpen, sittingVerdict } from '../../src/passes/sitting-rule.js';
import type { SittingWithCount } from '../../src/schedule/today.js';

const MIN = 60_000;
const OPEN_BEFORE = 30 * MIN;
let nextId = 1;
function sitting(room: string, start: string, end: string): SittingWithCount {
  return {
    id: nextId++,
    exam: `Экзамен ${room} ${start}`,
    room,
    sitting_date: '2026-12-07',
    start_time: start.slice(11, 16),
    end_time: end.slice(11, 16),
    starts_at: new Date(start),
    ends_at: new Date(end),
    created_at: new Date(0),
    updated_at: new Date(0),
    registered: 10,
  };
}
const at = (iso: string) => new Date(iso);

const r101a = sitting('101', '2026-12-07T09:00:00Z', '2026-12-07T11:00:00Z');
const r101b = sitting('101', '2026-12-07T11:30:00Z', '2026-12-07T13:00:00Z');
const r202 = sitting('202', '2026-12-07T09:00:00Z', '2026-12-07T11:00:00Z');

test('isOpen: from SITTING_OPEN_BEFORE before the start to the end, both ends included', () => {
  assert.equal(isOpen(r101a, at('2026-12-07T08:29:59Z'), OPEN_BEFORE), false);
  assert.equal(isOpen(r101a, at('2026-12-07T08:30:00Z'), OPEN_BEFORE), true);
  assert.equal(isOpen(r101a, at('2026-12-07T11:00:00Z'), OPEN_BEFORE), true);
  assert.equal(isOpen(r101a, at('2026-12-07T11:00:00.001Z'), OPEN_BEFORE), false);
});

test('sittingVerdict: a room with nothing today keeps the day rule', () => {
  assert.deepEqual(sittingVerdict([], [r202], at('2026-12-07T09:10:00Z'), OPEN_BEFORE), { kind: 'day' });
});

test('sittingVerdict: registered for the open sitting of this room → its pass', () => {
  const v = sittingVerdict([r101a, r101b], [r101a], at('2026-12-07T09:10:00Z'), OPEN_BEFORE);
  assert.deepEqual(v, { kind: 'sitting', sitting: r101a });
});

test('sittingVerdict: overlapping entry windows — the student’s own sitting wins, else the one under way', () => {
  const now = at('2026-12-07T10:50:00Z'); // r101a under way, r101b's entry open since 11:30 − 45 min
  assert.deepEqual(sittingVerdict([r101a, r101b], [r101b], now, 45 * MIN), { kind: 'sitting', sitting: r101b });
  const v = sittingVerdict([r101b, r101a], [], now, 45 * MIN);
  assert.equal(v.kind, 'not_registered');
  assert.equal(v.kind === 'not_registered' && v.current.id, r101a.id, 'the sitting under way, not the one whose entry only opened');
});

test('sittingVerdict: registered for an open sitting in another room → wrong_room naming it', () => {
  const v = sittingVerdict([r101a], [r202], at('2026-12-07T09:10:00Z'), OPEN_BEFORE);
  assert.deepEqual(v, { kind: 'wrong_room', current: r101a, right: r202 });
});

test('sittingVerdict: not registered anywhere open → not_registered with the student’s sittings today', () => {
  const later = sitting('303', '2026-12-07T15:00:00Z', '2026-12-07T16:00:00Z');
  const v = sittingVerdict([r101a], [later], at('2026-12-07T09:10:00Z'), OPEN_BEFORE);
  assert.deepEqual(v, { kind: 'not_registered', current: r101a, registeredToday: [later] });
});

test('sittingVerdict: sittings today but none open → no_sitting with the next one (or none after the last)', () => {
  assert.deepEqual(sittingVerdict([r101a, r101b], [r101a], at('2026-12-07T07:00:00Z'), OPEN_BEFORE), { kind: 'no_sitting', next: r101a });
  assert.deepEqual(sittingVerdict([r101a, r101b], [r101b], at('2026-12-07T11:05:00Z'), 15 * MIN), { kind: 'no_sitting', next: r101b });
  assert.deepEqual(sittingVerdict([r101a, r101b], [r101b], at('2026-12-07T13:00:01Z'), OPEN_BEFORE), { kind: 'no_sitting', next: null });
});
