// What may reach the logs: no tokens, no images, no whole passport numbers, no search terms.

/** `AB1234567` → `AB*****67`: enough to find the row in the sheet, not enough to use the number. */
export function maskPassport(value: string): string {
  const v = value.trim();
  if (v.length <= 4) return '*'.repeat(v.length);
  const keep = v.length >= 8 ? 2 : 1;
  return `${v.slice(0, keep)}${'*'.repeat(v.length - 2 * keep)}${v.slice(-keep)}`;
}

/** Query parameters whose values are harmless in a log line (dates, paging, flags). */
const SAFE_QUERY = new Set(['date', 'from', 'to', 'group', 'force', 'limit', 'offset']);

/** The request URL for the log: every other query value (a search for a name or a number, a stray token) is masked. */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      return eq < 0 || SAFE_QUERY.has(decodeKey(key)) ? pair : `${key}=***`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}
