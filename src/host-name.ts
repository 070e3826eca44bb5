// What counts as a host name (certificates, PUBLIC_HOST, the redirect's allow-list), apart from IP addresses.

/** A valid DNS name (letters, digits, hyphens, dots; no scheme, port or path). */
export function isHostName(s: string): boolean {
  return s.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i.test(s);
}
