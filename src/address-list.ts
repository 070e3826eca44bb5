// TRUST_PROXY's list of proxies (addresses and CIDRs, as Fastify's proxy-addr reads them) as a test of a
// connection's peer address: the connection caps leave those peers alone.
import net from 'node:net';

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack listener) → `10.0.0.1`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** Prefix length of an IPv4 netmask (255.255.0.0 → 16); throws when it is not one. */
function maskBits(mask: string): number {
  const n = mask.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const bits = n.toString(2).padStart(32, '0');
  if (!net.isIPv4(mask) || !/^1*0*$/.test(bits)) throw new Error(`${mask} is not a netmask`);
  return bits.indexOf('0') === -1 ? 32 : bits.indexOf('0');
}

/** `10.0.0.1,10.1.0.0/16,fd00::/8` → whether an address is in the list; throws on an item that is not an address or CIDR. */
export function addressMatcher(list: string): (address: string) => boolean {
  const block = new net.BlockList();
  for (const item of list.split(',').filter((s) => s !== '')) {
    const [addr = '', prefix] = item.split('/');
    const type = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : undefined;
    if (!type) throw new Error(`${item} is not an IP address or CIDR`);
    if (prefix === undefined) {
      block.addAddress(addr, type);
      continue;
    }
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : type === 'ipv4' ? maskBits(prefix) : NaN;
    if (!(bits >= 0 && bits <= (type === 'ipv4' ? 32 : 128))) throw new Error(`${item}: bad prefix length`);
    block.addSubnet(addr, bits, type);
  }
  return (address) => {
    const a = plainAddress(address);
    const type = net.isIPv4(a) ? 'ipv4' : net.isIPv6(a) ? 'ipv6' : undefined;
    return type !== undefined && block.check(a, type);
  };
}
