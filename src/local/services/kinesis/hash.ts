/** Kinesis hash-key arithmetic: the 128-bit key space, even splits, and partition-key hashing. */
import { createHash } from 'node:crypto';

/** Largest hash key: 2^128 - 1. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** MD5 of the partition key (UTF-8) read as an unsigned 128-bit big-endian integer, as AWS routes records. */
export const partitionKeyHash = (partitionKey: string): bigint =>
  BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);

/** The hash-key ranges of `count` shards splitting the key space evenly, as CreateStream does. */
export const evenRanges = (count: number): { start: bigint; end: bigint }[] => {
  const space = 1n << 128n;
  const n = BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    start: (BigInt(i) * space) / n,
    end: ((BigInt(i) + 1n) * space) / n - 1n,
  }));
};
