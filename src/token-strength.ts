// Set tokens (ADMIN_TOKEN, STATION_TOKEN) that are easy to guess stop the start: too short, too few different
// characters (`aaaaaaaa`, `abababab…`) or a straight run (`abcdefghijkl`, `123456789012`). Generated tokens are
// 256 random bits and never reach this check.

/** Fewer different characters than this is a pattern, not a secret. */
export const MIN_DISTINCT = 8;

export const SAME_TOKENS = 'ADMIN_TOKEN and STATION_TOKEN: must differ (every station holds its token; the same one would open /admin/* to it)';

/** Each character one code point above (or below) the one before: abcdef…, 987654…. */
function isRun(s: string): boolean {
  const c = [...s].map((ch) => ch.codePointAt(0)!);
  const step = c[1]! - c[0]!;
  return Math.abs(step) === 1 && c.every((x, i) => i === 0 || x - c[i - 1]! === step);
}

/** What is wrong with `value` as the token `name` (empty when it is acceptable). */
export function tokenProblems(name: string, value: string, minLength: number): string[] {
  if ([...value].length < minLength) return [`${name}: must be at least ${minLength} characters`];
  if (new Set(value).size < MIN_DISTINCT)
    return [
      `${name}: too weak, needs at least ${MIN_DISTINCT} different characters (leave it unset: the server makes a random one and \`npm run tokens\` shows it)`,
    ];
  if (isRun(value))
    return [`${name}: too weak, a run of consecutive characters (leave it unset: the server makes a random one and \`npm run tokens\` shows it)`];
  return [];
}
