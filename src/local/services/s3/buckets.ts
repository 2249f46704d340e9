import type { Operation } from '../../core/context.js';
import {
  allBuckets,
  type Bucket,
  bucketArn,
  findBucket,
  getBucket,
  invalidArgument,
  OWNER,
  regionState,
  requireString,
  S3Error,
  type S3Result,
  type S3State,
  str,
} from './state.js';

type Op = Operation<S3State>;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3's bucket naming rules (general purpose buckets). */
export const validBucketName = (name: string): boolean =>
  BUCKET_NAME.test(name) &&
  !name.includes('..') &&
  !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
  !name.startsWith('xn--') &&
  !name.startsWith('sthree-') &&
  !name.endsWith('-s3alias') &&
  !name.endsWith('--ol-s3');

export const createBucket: Op = (input, ctx): S3Result => {
  const name = requireString(input, 'Bucket');
  if (!validBucketName(name)) {
    throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
  }
  const config = (input.CreateBucketConfiguration ?? {}) as Record<string, unknown>;
  const constraint = str(config.LocationConstraint);
  if (constraint === 'us-east-1' || constraint === '') {
    throw new S3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
      LocationConstraint: constraint,
    });
  }
  const region = constraint ?? 'us-east-1';
  if (region !== ctx.region) {
    throw new S3Error(
      'IllegalLocationConstraintException',
      constraint === undefined
        ? 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.'
        : `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  const existing = findBucket(ctx, name);
  if (existing) {
    // us-east-1 answers 200 to its owner for legacy reasons; every other region says 409.
    if (ctx.region === 'us-east-1' && existing.region === 'us-east-1') return { Location: `/${name}` };
    throw new S3Error(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
      { BucketName: name },
    );
  }
  const bucket: Bucket = {
    name,
    region,
    created: ctx.emulator.now(),
    objects: new Map(),
    sortedKeys: undefined,
    uploads: new Map(),
    tags: undefined,
    notification: { targets: [], eventBridge: false },
    policy: undefined,
    sequence: BigInt(ctx.emulator.now()) * 1_000_000n,
  };
  regionState(ctx, region).buckets.set(name, bucket);
  return { Location: `/${name}` };
};

export const headBucket: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  return { BucketRegion: bucket.region, AccessPointAlias: 'false' };
};

export const getBucketLocation: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  return {
    Xml: { root: 'LocationConstraint', value: bucket.region === 'us-east-1' ? '' : bucket.region },
  };
};

export const listBuckets: Op = (input, ctx): S3Result => {
  const prefix = str(input.Prefix) ?? '';
  const region = str(input.BucketRegion);
  const buckets = allBuckets(ctx)
    .filter((b) => b.name.startsWith(prefix) && (region === undefined || b.region === region))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    Xml: {
      root: 'ListAllMyBucketsResult',
      value: {
        Owner: OWNER,
        Buckets: {
          Bucket: buckets.map((b) => ({
            Name: b.name,
            CreationDate: new Date(b.created),
            BucketRegion: b.region,
            BucketArn: bucketArn(b.name),
          })),
        },
        Prefix: input.Prefix === undefined ? undefined : prefix,
      },
    },
  };
};

export const deleteBucket: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  if (bucket.objects.size > 0) {
    throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
      BucketName: bucket.name,
    });
  }
  regionState(ctx, bucket.region).buckets.delete(bucket.name);
  return {};
};

interface TagInput {
  Key?: unknown;
  Value?: unknown;
}

/** Validates a TagSet (the `Tagging` payload) into a map; `max` is 50 for buckets, 10 for objects. */
export const readTagSet = (
  tagging: unknown,
  max: number,
  what: 'bucket' | 'object',
): Record<string, string> => {
  const set = (tagging as { TagSet?: unknown } | undefined)?.TagSet;
  const list = Array.isArray(set) ? (set as TagInput[]) : [];
  const tags: Record<string, string> = {};
  for (const t of list) {
    const key = t.Key;
    const value = t.Value ?? '';
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid', 400);
    }
    if (typeof value !== 'string' || value.length > 256) {
      throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid', 400);
    }
    if (Object.hasOwn(tags, key)) {
      throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key', 400, { TagKey: key });
    }
    if (key.startsWith('aws:')) {
      throw new S3Error('InvalidTag', 'Your TagKey cannot be prefixed with aws:', 400, { TagKey: key });
    }
    tags[key] = value;
  }
  if (Object.keys(tags).length > max) {
    throw what === 'object'
      ? new S3Error('BadRequest', 'Object tags cannot be greater than 10', 400)
      : new S3Error('InvalidTag', 'Bucket tag count cannot be greater than 50', 400);
  }
  return tags;
};

export const tagSetXml = (tags: Readonly<Record<string, string>>) => ({
  TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
});

export const putBucketTagging: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  if (input.Tagging === undefined) throw invalidArgument('Tagging is required');
  bucket.tags = readTagSet(input.Tagging, 50, 'bucket');
  return {};
};

export const getBucketTagging: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  if (!bucket.tags || Object.keys(bucket.tags).length === 0) {
    throw new S3Error('NoSuchTagSet', 'The TagSet does not exist', 404, { BucketName: bucket.name });
  }
  return { Xml: { root: 'Tagging', value: tagSetXml(bucket.tags) } };
};

export const deleteBucketTagging: Op = (input, ctx): S3Result => {
  getBucket(ctx, input).tags = undefined;
  return {};
};

export const putBucketPolicy: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  const policy = input.Policy;
  const text = Buffer.isBuffer(policy) ? policy.toString('utf8') : str(policy);
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || !('Statement' in parsed)) {
    throw new S3Error('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
  }
  bucket.policy = text;
  return {};
};

export const getBucketPolicy: Op = (input, ctx): S3Result => {
  const bucket = getBucket(ctx, input);
  if (bucket.policy === undefined) {
    throw new S3Error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, {
      BucketName: bucket.name,
    });
  }
  return { Body: Buffer.from(bucket.policy, 'utf8'), ContentType: 'application/json' };
};

export const deleteBucketPolicy: Op = (input, ctx): S3Result => {
  getBucket(ctx, input).policy = undefined;
  return {};
};

export const getBucketVersioning: Op = (input, ctx): S3Result => {
  getBucket(ctx, input);
  return { Xml: { root: 'VersioningConfiguration', value: {} } };
};
