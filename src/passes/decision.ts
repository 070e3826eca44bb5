// The match rule in one place: within the threshold AND clearly nearer than anyone else, or nobody.
import type { SearchResult } from '../face/index.js';

export interface MatchRule {
  threshold: number;
  margin: number;
}

export type Decision =
  | { match: true; studentId: number; distance: number; secondDistance: number }
  | { match: false; reason: 'empty_index' | 'too_far' | 'ambiguous' | 'lookalike'; distance?: number; secondDistance?: number };

/**
 * A false match is worse than a miss: the nearest student is named only when the distance is
 * within the threshold, the second-nearest *different* student is at least `margin` further, and
 * the student has no look-alike on the roster (face/lookalikes.ts).
 */
export function decide(result: SearchResult | undefined, rule: MatchRule, hasLookalike: (studentId: number) => boolean = () => false): Decision {
  if (!result) return { match: false, reason: 'empty_index' };
  const { best, secondDistance } = result;
  if (!(best.distance <= rule.threshold)) return { match: false, reason: 'too_far', distance: best.distance, secondDistance };
  // A tie is never a match, even with MATCH_MARGIN=0: two students equally near means "not sure".
  if (!(secondDistance - best.distance >= rule.margin) || !(secondDistance > best.distance))
    return { match: false, reason: 'ambiguous', distance: best.distance, secondDistance };
  if (hasLookalike(best.studentId)) return { match: false, reason: 'lookalike', distance: best.distance, secondDistance };
  return { match: true, studentId: best.studentId, distance: best.distance, secondDistance };
}

/**
 * A roster search names its nearest member only if no enrolled student off the roster comes within that member's
 * distance plus the rule's margin: the frame could be that student (not registered here), and the roster rule was
 * calibrated for choosing among the registered. `nearby`: every enrolled student within that radius.
 */
export function offRosterRival(
  nearby: readonly { studentId: number; distance: number }[],
  members: ReadonlySet<number>,
): { studentId: number; distance: number } | undefined {
  return nearby.find((m) => !members.has(m.studentId));
}

/** How far inside the rule a match must sit to be called reliable, in face-api's units (threshold 0.45); scaled to other models' distances. */
export const RELIABLE_SLACK = 0.05;

const slackFor = (threshold: number) => RELIABLE_SLACK * (threshold / 0.45);

/**
 * The operator's word for a match: `reliable` when it clears the threshold and the margin with room
 * to spare, `borderline` otherwise (the operator compares the face with the document).
 */
export function matchQuality(distance: number, secondDistance: number, rule: MatchRule): 'reliable' | 'borderline' {
  const slack = slackFor(rule.threshold);
  return distance <= rule.threshold - slack && secondDistance - distance >= rule.margin + slack ? 'reliable' : 'borderline';
}

/** The same word for a 1:1 match: within the 1:1 threshold with room to spare. */
export function verifyQuality(distance: number, threshold: number): 'reliable' | 'borderline' {
  return distance <= threshold - slackFor(threshold) ? 'reliable' : 'borderline';
}
