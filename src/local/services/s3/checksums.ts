import { createHash } from 'node:crypto';

/** The checksum algorithms S3 accepts (`x-amz-checksum-<name>`). */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const isChecksumAlgorithm = (value: unknown): value is ChecksumAlgorithm =>
  typeof value === 'string' && (CHECKSUM_ALGORITHMS as readonly string[]).includes(value);

/** Table for a reflected 32-bit CRC with the given (reflected) polynomial. */
const table32 = (poly: number): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
};

const CRC32_TABLE = table32(0xedb88320);
const CRC32C_TABLE = table32(0x82f63b78);

const crc32With = (table: Uint32Array, data: Uint8Array): number => {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** CRC-32 (ISO-HDLC, as zlib), the SDK's default checksum. */
export const crc32 = (data: Uint8Array): number => crc32With(CRC32_TABLE, data);
/** CRC-32C (Castagnoli). */
export const crc32c = (data: Uint8Array): number => crc32With(CRC32C_TABLE, data);

// CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones. The 64-bit
// register is kept as two 32-bit halves so that large bodies need no BigInt arithmetic per byte.
const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
{
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let k = 0; k < 8; k++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        hi = (hi ^ polyHi) >>> 0;
        lo = (lo ^ polyLo) >>> 0;
      }
    }
    CRC64_HI[n] = hi;
    CRC64_LO[n] = lo;
  }
}

/** CRC-64/NVME as 8 big-endian bytes. */
export const crc64nvme = (data: Uint8Array): Buffer => {
  let hi = 0xffffffff;
  let lo = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const idx = (lo ^ (data[i] as number)) & 0xff;
    lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ (CRC64_LO[idx] as number);
    hi = (hi >>> 8) ^ (CRC64_HI[idx] as number);
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((hi ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((lo ^ 0xffffffff) >>> 0, 4);
  return out;
};

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

/** The raw digest of `data` for an algorithm. */
export const digest = (algorithm: ChecksumAlgorithm, data: Uint8Array): Buffer => {
  switch (algorithm) {
    case 'CRC32':
      return u32(crc32(data));
    case 'CRC32C':
      return u32(crc32c(data));
    case 'CRC64NVME':
      return crc64nvme(data);
    case 'SHA1':
      return createHash('sha1').update(data).digest();
    case 'SHA256':
      return createHash('sha256').update(data).digest();
  }
};

/** The checksum of `data` as S3 writes it in `x-amz-checksum-*` (base64). */
export const checksumOf = (algorithm: ChecksumAlgorithm, data: Uint8Array): string =>
  digest(algorithm, data).toString('base64');

/**
 * The checksum of a multipart object whose parts have these (base64) checksums, as S3 computes
 * it for COMPOSITE checksums: the digest of the concatenated part digests, then `-<parts>`.
 */
export const compositeChecksum = (algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string =>
  `${checksumOf(
    algorithm,
    Buffer.concat(partChecksums.map((c) => Buffer.from(c, 'base64'))),
  )}-${partChecksums.length}`;

/** S3's ETag of a single-part object: the hex MD5, quoted. */
export const md5Etag = (data: Uint8Array): string => `"${createHash('md5').update(data).digest('hex')}"`;

/** S3's ETag of a multipart object: MD5 of the concatenated binary part MD5s, `-<parts>`, quoted. */
export const multipartEtag = (partEtags: readonly string[]): string => {
  const md5s = Buffer.concat(partEtags.map((e) => Buffer.from(e.replaceAll('"', ''), 'hex')));
  return `"${createHash('md5').update(md5s).digest('hex')}-${partEtags.length}"`;
};
