// The local CA's NameConstraints (RFC 5280 §4.2.1.10): which names it may vouch for, as DER and read back.
// @peculiar/x509 2.x has no class for this extension, and the DER is small: a SEQUENCE of permitted subtrees,
// each a dNSName or an iPAddress with its mask (a host's address: a mask of all ones).
import net from 'node:net';

export const NAME_CONSTRAINTS_OID = '2.5.29.30';

/** Names a certificate under the authority may carry: DNS names (each with its subdomains, RFC 5280) and single addresses. */
export interface PermittedNames {
  dns: string[];
  ips: string[];
}

/** What a CA's extension permits, as read back: DNS bases and address/mask pairs (other name forms are left out). */
export interface Permitted {
  dns: string[];
  ips: { address: Uint8Array; mask: Uint8Array }[];
}

const SEQUENCE = 0x30;
const PERMITTED = 0xa0; // [0] IMPLICIT GeneralSubtrees
const DNS_NAME = 0x82; // GeneralName [2] IMPLICIT IA5String
const IP_ADDRESS = 0x87; // GeneralName [7] IMPLICIT OCTET STRING

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  if (n > 0xffff) throw new Error('name constraints: too long');
  return Uint8Array.from([tag, ...length, ...content]);
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** The 4 or 16 bytes of an address (IPv6 with `::` and a dotted IPv4 tail too). */
export function ipBytes(ip: string): Uint8Array {
  if (net.isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!net.isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  let text = ip.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipBytes(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return Uint8Array.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** The extension's DER value: every given name and address permitted, nothing else. */
export function encodeNameConstraints(names: PermittedNames): Uint8Array {
  const subtrees = [
    ...names.dns.map((d) => tlv(DNS_NAME, new TextEncoder().encode(d.toLowerCase()))),
    ...names.ips.map((ip) => {
      const address = ipBytes(ip);
      return tlv(IP_ADDRESS, concat([address, new Uint8Array(address.length).fill(0xff)]));
    }),
  ].map((name) => tlv(SEQUENCE, name));
  return tlv(SEQUENCE, tlv(PERMITTED, concat(subtrees)));
}

/** One TLV at `at`: its tag, where its content starts and ends (DER definite lengths only). */
function read(der: Uint8Array, at: number): { tag: number; start: number; end: number } {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    len = 0;
    for (let i = 0; i < bytes; i++) len = (len << 8) | der[start + i]!;
    start += bytes;
  }
  if (start + len > der.length) throw new Error('name constraints: truncated');
  return { tag, start, end: start + len };
}

function* children(der: Uint8Array, start: number, end: number): Generator<{ tag: number; start: number; end: number }> {
  for (let at = start; at < end;) {
    const t = read(der, at);
    yield t;
    at = t.end;
  }
}

/** The permitted DNS names and addresses of an extension value (excluded subtrees are never written by this project). */
export function decodeNameConstraints(value: ArrayBuffer | Uint8Array): Permitted {
  const der = value instanceof Uint8Array ? value : new Uint8Array(value);
  const out: Permitted = { dns: [], ips: [] };
  const outer = read(der, 0);
  for (const part of children(der, outer.start, outer.end)) {
    if (part.tag !== PERMITTED) continue;
    for (const subtree of children(der, part.start, part.end)) {
      const base = read(der, subtree.start);
      const content = der.subarray(base.start, base.end);
      if (base.tag === DNS_NAME) out.dns.push(new TextDecoder().decode(content).toLowerCase());
      else if (base.tag === IP_ADDRESS && (content.length === 8 || content.length === 32))
        out.ips.push({ address: content.slice(0, content.length / 2), mask: content.slice(content.length / 2) });
    }
  }
  return out;
}

/** Whether `name` (a DNS name or an address) is inside what the authority permits, as a verifier checks it. */
export function permits(p: Permitted, name: string): boolean {
  if (net.isIP(name) !== 0) {
    const a = ipBytes(name);
    return p.ips.some((r) => r.address.length === a.length && a.every((byte, i) => (byte & r.mask[i]!) === (r.address[i]! & r.mask[i]!)));
  }
  const n = name.toLowerCase();
  // RFC 5280: a base permits itself and any name made by adding labels on the left; «.example» only the latter.
  return p.dns.some((base) => (base.startsWith('.') ? n.endsWith(base) : n === base || n.endsWith(`.${base}`)));
}
