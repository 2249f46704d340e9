import { describe, expect, it } from 'vitest';
import { evenRanges, MAX_HASH_KEY, partitionKeyHash } from '../../src/local/services/kinesis/hash.js';

describe('Kinesis hash keys', () => {
  it('reads the MD5 digest of the UTF-8 partition key as an unsigned 128-bit big-endian integer', () => {
    // MD5("") = d41d8cd98f00b204e9800998ecf8427e, MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
    expect(partitionKeyHash('')).toBe(0xd41d8cd98f00b204e9800998ecf8427en);
    expect(partitionKeyHash('a')).toBe(0x0cc175b9c0f1b6a831c399e269772661n);
    expect(partitionKeyHash('ü')).toBe(0xc03410a5204b21cd8229ff754688d743n); // UTF-8 bytes c3 bc
  });

  it('splits the key space evenly and without gaps, as CreateStream does', () => {
    expect(MAX_HASH_KEY).toBe(2n ** 128n - 1n);
    for (const n of [1, 2, 3, 4, 7, 64]) {
      const ranges = evenRanges(n);
      expect(ranges).toHaveLength(n);
      expect(ranges[0]?.start).toBe(0n);
      expect(ranges.at(-1)?.end).toBe(MAX_HASH_KEY);
      for (let i = 1; i < n; i++) expect(ranges[i]?.start).toBe((ranges[i - 1]?.end as bigint) + 1n);
    }
    expect(evenRanges(4)[0]?.end.toString()).toBe('85070591730234615865843651857942052863');
  });
});
