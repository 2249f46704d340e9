/** ARNs, partition-aware: every service builds and reads its ARNs here. */

/** The partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, else `aws`. */
export const partitionOf = (region: string): string => {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
};

/** The parts of an ARN. `region` and `accountId` may be empty (IAM, S3). */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  /** Everything after the fifth colon: `stream/name`, `my-queue`, `rule/bus/name`. */
  readonly resource: string;
}

/** `arn:PARTITION:service:region:account:resource`, the partition taken from the region. */
export const arn = (service: string, region: string, accountId: string, resource: string): string =>
  `arn:${partitionOf(region)}:${service}:${region}:${accountId}:${resource}`;

/**
 * A global (region-less) ARN such as IAM's, in the partition of `region` (the caller's region):
 * `arn:aws:iam::123456789012:root`.
 */
export const globalArn = (service: string, region: string, accountId: string, resource: string): string =>
  `arn:${partitionOf(region)}:${service}::${accountId}:${resource}`;

/** Parses an ARN of any partition, or undefined when the text is not one. */
export const parseArn = (text: unknown): ArnParts | undefined => {
  if (typeof text !== 'string') return undefined;
  const m = /^arn:(aws(?:-[a-z]+)*):([a-z0-9-]+):([^:]*):([^:]*):(.+)$/.exec(text);
  if (!m) return undefined;
  return {
    partition: m[1] as string,
    service: m[2] as string,
    region: m[3] as string,
    accountId: m[4] as string,
    resource: m[5] as string,
  };
};
