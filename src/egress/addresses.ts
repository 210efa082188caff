/**
 * @module
 * What kind of address an IP literal is, for the SSRF guard. IPv4 and IPv6 (with an
 * embedded IPv4 address classified as that address: mapped, compatible, NAT64 and 6to4).
 * Only `public` addresses are reachable from Tollgate's egress; `loopback` only where local
 * development allows it.
 */

export type AddressClass =
  'public' | 'private' | 'loopback' | 'link_local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

/** A CIDR block of IPv4, as (first address as a 32-bit number, prefix length). */
type Block4 = readonly [base: number, bits: number, kind: AddressClass];

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/** Most specific first: the first block that holds an address names its class. */
const BLOCKS_V4: readonly Block4[] = [
  // Cloud metadata services: AWS/GCP/Azure (169.254.169.254), AWS ECS (169.254.170.2), Alibaba (100.100.100.200).
  [v4(169, 254, 169, 254), 32, 'metadata'],
  [v4(169, 254, 170, 2), 32, 'metadata'],
  [v4(100, 100, 100, 200), 32, 'metadata'],
  [v4(0, 0, 0, 0), 8, 'unspecified'],
  [v4(10, 0, 0, 0), 8, 'private'],
  [v4(100, 64, 0, 0), 10, 'private'], // shared address space (carrier-grade NAT)
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link_local'],
  [v4(172, 16, 0, 0), 12, 'private'],
  [v4(192, 0, 0, 0), 24, 'reserved'], // IETF protocol assignments
  [v4(192, 0, 2, 0), 24, 'reserved'], // documentation
  [v4(192, 88, 99, 0), 24, 'reserved'], // 6to4 relay anycast
  [v4(192, 168, 0, 0), 16, 'private'],
  [v4(198, 18, 0, 0), 15, 'reserved'], // benchmarking
  [v4(198, 51, 100, 0), 24, 'reserved'],
  [v4(203, 0, 113, 0), 24, 'reserved'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved'], // reserved, and the broadcast address
];

/** The 32-bit value of a dotted-quad IPv4 address, or null. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function classifyV4(value: number): AddressClass {
  for (const [base, bits, kind] of BLOCKS_V4) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === base) return kind;
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (brackets and a zone id allowed), or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return null;
  // A trailing dotted quad is the last two groups.
  let tail: number[] = [];
  if (s.slice(lastColon + 1).includes('.')) {
    const quad = parseIPv4(s.slice(lastColon + 1));
    if (quad === null) return null;
    tail = [quad >>> 16, quad & 0xffff];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) =>
    part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...rest].some(Number.isNaN)) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
}

const startsWith = (groups: number[], prefix: number[]) => prefix.every((g, i) => groups[i] === g);
const embeddedV4 = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function classifyV6(g: number[]): AddressClass {
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return 'unspecified';
  if (zeros(7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address decides.
  if (zeros(5) && g[5] === 0xffff) return classifyV4(embeddedV4(g[6], g[7]));
  if (zeros(6)) return classifyV4(embeddedV4(g[6], g[7]));
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach an IPv4 address too.
  if (startsWith(g, [0x64, 0xff9b, 0, 0, 0, 0])) return classifyV4(embeddedV4(g[6], g[7]));
  if (g[0] === 0x2002) return classifyV4(embeddedV4(g[1], g[2]));
  if (startsWith(g, [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254])) return 'metadata'; // AWS's IPv6 metadata service
  if ((g[0] & 0xffc0) === 0xfe80) return 'link_local';
  if ((g[0] & 0xfe00) === 0xfc00) return 'private'; // unique local
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (startsWith(g, [0x2001, 0x0db8])) return 'reserved'; // documentation
  if (startsWith(g, [0x0100, 0, 0, 0])) return 'reserved'; // discard
  return 'public';
}

/** The class of an IP literal (IPv4 dotted quad, or IPv6 with or without brackets); null when it is no IP literal. */
export function classifyAddress(text: string): AddressClass | null {
  const value = parseIPv4(text);
  if (value !== null) return classifyV4(value);
  const groups = parseIPv6(text);
  return groups === null ? null : classifyV6(groups);
}
