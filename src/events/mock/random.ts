import { randomBytes } from 'node:crypto';

/** A small seeded PRNG (mulberry32): same seed, same sequence. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  /** `n` lowercase hex digits. */
  hex(n: number): string;
  /** A version-4 UUID. */
  uuid(): string;
}

/** FNV-1a over the string's UTF-16 code units: a 32-bit seed from any string. */
const hashSeed = (seed: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** A PRNG from a seed; without one, from 32 random bits (so results differ per call). */
export const createRandom = (seed?: number | string): Random => {
  let state =
    seed === undefined
      ? randomBytes(4).readUInt32LE(0)
      : typeof seed === 'number'
        ? Math.trunc(seed) >>> 0
        : hashSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const hex = (n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += int(0, 15).toString(16);
    return out;
  };
  const uuid = (): string => {
    const variant = (8 + int(0, 3)).toString(16);
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
  };
  return { next, int, hex, uuid };
};
