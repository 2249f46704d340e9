/**
 * IP address and CIDR handling for event patterns, as EventBridge does it: an IP literal is
 * recognised by shape (IPv4 dotted quad, or an IPv6 form of hex digits and colons), then parsed
 * strictly; a CIDR covers the given address up to the address with every host bit set.
 */

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** A CIDR block: addresses of the same length between `low` and `high`, both inclusive. */
export interface IpRange {
  readonly low: readonly number[];
  readonly high: readonly number[];
}

const parseIpv4 = (ip: string): number[] | undefined => {
  const bytes: number[] = [];
  for (const part of ip.split('.')) {
    // The shape check guarantees decimal digits; only the magnitude can be wrong.
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
};

const parseGroups = (text: string): number[] | undefined => {
  if (text === '') return [];
  const groups: number[] = [];
  for (const group of text.split(':')) {
    if (!HEX_GROUP.test(group)) return undefined;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
};

const parseIpv6 = (ip: string): number[] | undefined => {
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] as string);
  const tail = halves.length === 2 ? parseGroups(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
};

/**
 * The bytes of an IP literal; `undefined` when `ip` does not have the shape of one, `null` when it
 * has the shape but is not a valid address.
 */
export const ipBytes = (ip: string): number[] | null | undefined => {
  if (IPV4_SHAPE.test(ip)) return parseIpv4(ip) ?? null;
  if (IPV6_SHAPE.test(ip)) return parseIpv6(ip) ?? null;
  return undefined;
};

const sameBytes = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Lexicographic comparison of two byte arrays of the same length. */
const compareBytes = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return 0;
};

/** True when `value` is an IP literal equal (as an address) to `bytes`. */
export const isSameIp = (bytes: readonly number[], value: string): boolean => {
  const other = ipBytes(value);
  return other != null && sameBytes(bytes, other);
};

/** True when `value` is an IP literal inside `range`. */
export const isInRange = (range: IpRange, value: string): boolean => {
  const bytes = ipBytes(value);
  return (
    bytes != null &&
    bytes.length === range.low.length &&
    compareBytes(bytes, range.low) >= 0 &&
    compareBytes(bytes, range.high) <= 0
  );
};

const INT_PATTERN = /^[+-]?[0-9]+$/;

/** Parses a CIDR as EventBridge does; returns AWS's reason as a string when it is malformed. */
export const parseCidr = (cidr: string): IpRange | string => {
  const parts = cidr.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const [ip, maskText] = parts as [string, string];
  const mask = INT_PATTERN.test(maskText) ? Number(maskText) : Number.NaN;
  if (!(Math.abs(mask) <= 2 ** 31 - 1)) return 'Malformed CIDR, mask bits must be an integer';
  if (mask < 0) return 'Malformed CIDR, mask bits must not be negative';
  const bytes = ipBytes(ip);
  if (bytes === undefined) return `Nonstandard IP address: ${ip}`;
  if (bytes === null) return `Invalid IP address: ${ip}`;
  if (bytes.length === 4 && mask > 31) return 'IPv4 mask bits must be < 32';
  if (mask > 127) return 'IPv6 mask bits must be < 128';
  let hostBits = bytes.length * 8 - mask;
  const high = [...bytes];
  for (let i = high.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    high[i] = (high[i] as number) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return { low: bytes, high };
};
