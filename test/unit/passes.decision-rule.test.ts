// The match rule itself (passes/decision.ts), without an engine: every way to refuse, and the one way to name.
import test from 'node:test';
import assert from 'node:assert/strict';
import { decide, matchQuality, offRosterRival, verifyQuality } from '../../src/passes/decision.js';

const rule = { threshold: 0.95, margin: 0.04 };
const found = (distance: number, secondDistance: number, studentId = 7) => ({ best: { studentId, distance }, secondDistance, secondStudentId: 9 });

test('decide: nobody enrolled, too far, a tie or a near second, a look-alike: no name', () => {
  assert.deepEqual(decide(undefined, rule), { match: false, reason: 'empty_index' });
  assert.equal(decide(found(0.951, 2), rule).match, false);
  assert.deepEqual(decide(found(0.951, 2), rule), { match: false, reason: 'too_far', distance: 0.951, secondDistance: 2 });
  // the second student is within the margin: not sure who it is
  assert.deepEqual(decide(found(0.5, 0.539), rule), { match: false, reason: 'ambiguous', distance: 0.5, secondDistance: 0.539 });
  // a tie is never a match, not even with no margin at all
  assert.equal(decide(found(0.5, 0.5), { threshold: 0.95, margin: 0 }).match, false);
  assert.equal(decide(found(0.5, 0.5), { threshold: 0.95, margin: 0 }).match === false && 'ambiguous', 'ambiguous');
  assert.deepEqual(
    decide(found(0.5, 2), rule, (id) => id === 7),
    { match: false, reason: 'lookalike', distance: 0.5, secondDistance: 2 },
  );
  // a broken distance (NaN) never passes a comparison that would name someone
  assert.equal(decide(found(Number.NaN, 2), rule).match, false);
  assert.equal(decide(found(0.5, Number.NaN), rule).match, false);
});

test('decide: within the threshold and clearly nearer than the next student: named', () => {
  assert.deepEqual(decide(found(0.95, 0.99), rule), { match: true, studentId: 7, distance: 0.95, secondDistance: 0.99 });
  // one student enrolled: the second distance is Infinity
  assert.deepEqual(decide(found(0.3, Infinity), rule), { match: true, studentId: 7, distance: 0.3, secondDistance: Infinity });
  assert.equal(decide(found(0.3, 2), rule, (id) => id === 8).match, true, 'another student’s look-alike does not block this one');
});

test('matchQuality and verifyQuality: reliable only with room to spare, scaled to the threshold', () => {
  // slack = 0.05 × 0.95 / 0.45 ≈ 0.1056
  assert.equal(matchQuality(0.84, 2, rule), 'reliable');
  assert.equal(matchQuality(0.85, 2, rule), 'borderline');
  assert.equal(matchQuality(0.5, 0.5 + 0.04 + 0.11, rule), 'reliable');
  assert.equal(matchQuality(0.5, 0.5 + 0.04 + 0.1, rule), 'borderline');
  assert.equal(verifyQuality(0.8, 0.95), 'reliable');
  assert.equal(verifyQuality(0.9, 0.95), 'borderline');
});

test('offRosterRival: the first enrolled student near the frame who is not on the roster', () => {
  const members = new Set([1, 2]);
  assert.equal(
    offRosterRival(
      [
        { studentId: 1, distance: 0.4 },
        { studentId: 2, distance: 0.5 },
      ],
      members,
    ),
    undefined,
  );
  assert.deepEqual(
    offRosterRival(
      [
        { studentId: 1, distance: 0.4 },
        { studentId: 5, distance: 0.43 },
      ],
      members,
    ),
    { studentId: 5, distance: 0.43 },
  );
  assert.equal(offRosterRival([], members), undefined);
});
