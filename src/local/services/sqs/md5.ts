import { createHash } from 'node:crypto';

/** A message attribute value as on the wire (JSON protocol): binary values are base64. */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

const lengthPrefixed = (bytes: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([len, bytes]);
};

/**
 * MD5 of message attributes exactly as SQS computes it: attributes sorted by name; for each, the
 * length-prefixed UTF-8 name and data type, a transport byte (1 string/number, 2 binary) and the
 * length-prefixed value bytes. Undefined for no attributes.
 */
export const md5OfAttributes = (
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): string | undefined => {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const attr = attributes[name] as MessageAttributeValue;
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(attr.DataType, 'utf8')));
    if (attr.BinaryValue !== undefined && attr.DataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]), lengthPrefixed(Buffer.from(attr.BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(attr.StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
};
