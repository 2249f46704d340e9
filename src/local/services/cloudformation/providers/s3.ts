/**
 * `AWS::S3::Bucket` and `AWS::S3::BucketPolicy`: created, updated and deleted through the emulated
 * S3 service's own operations (CreateBucket, PutBucketTagging, PutBucketNotificationConfiguration,
 * PutBucketPolicy ...), so S3's rules (names, destinations that must accept S3) apply as on AWS.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../../core/errors.js';
// Types only: resources.ts imports this file, so nothing is imported from it at run time.
import type { Deployed, ProviderContext, ResourceProvider } from './kit.js';

type Props = Record<string, unknown>;
type Tag = { Key: string; Value: string };

/**
 * CloudFormation's generated bucket names: `<stack>-<logical id>-<12 random>`, lower-cased, at most
 * 63 characters, only the characters S3 allows.
 */
export const generatedBucketName = (stackName: string, logicalId: string): string => {
  const random = [...randomBytes(12)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '');
  const room = 63 - random.length - 2;
  const stack = clean(stackName).slice(0, Math.max(1, Math.floor(room / 2)));
  const logical = clean(logicalId).slice(0, Math.max(1, room - stack.length));
  return `${stack}-${logical}-${random}`.replace(/^-+/, '');
};

const list = (value: unknown): Props[] => (Array.isArray(value) ? (value as Props[]) : []);

const ignoreMissing = async (work: Promise<unknown>): Promise<void> => {
  try {
    await work;
  } catch (err) {
    if (err instanceof AwsError && (err.code === 'NoSuchBucket' || err.code === 'NoSuchBucketPolicy')) return;
    throw err;
  }
};

/**
 * The bucket's own tags and the stack's. CloudFormation's `aws:cloudformation:*` tags are left
 * out: S3's PutBucketTagging refuses `aws:` keys from callers, and providers go through the API.
 */
const bucketTags = (props: Props, ctx: ProviderContext): Tag[] => {
  const merged = new Map<string, string>();
  for (const t of [...ctx.stackTags, ...(list(props.Tags) as Tag[])])
    merged.set(String(t.Key), String(t.Value));
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
};

/** CloudFormation's `Filter: { S3Key: { Rules } }` → the API's `Filter: { Key: { FilterRules } }`. */
const filterOf = (entry: Props): Props | undefined => {
  const rules = (entry.Filter as { S3Key?: { Rules?: unknown } } | undefined)?.S3Key?.Rules;
  return Array.isArray(rules) ? { Key: { FilterRules: rules } } : undefined;
};

const KINDS = [
  ['QueueConfigurations', 'Queue', 'QueueArn', 'QueueConfigurations'],
  ['TopicConfigurations', 'Topic', 'TopicArn', 'TopicConfigurations'],
  ['LambdaConfigurations', 'Function', 'LambdaFunctionArn', 'LambdaFunctionConfigurations'],
] as const;

/** The template's NotificationConfiguration (one Event per entry) in the API's shape. */
export const notificationConfiguration = (props: Props): Props => {
  const config = (props.NotificationConfiguration ?? {}) as Props;
  const out: Props = {};
  for (const [cfnList, cfnArn, apiArn, apiList] of KINDS) {
    const entries = list(config[cfnList]).map((e) => ({
      [apiArn]: e[cfnArn],
      Events: [e.Event],
      ...(filterOf(e) ? { Filter: filterOf(e) } : {}),
    }));
    if (entries.length > 0) out[apiList] = entries;
  }
  const eventBridge = (config.EventBridgeConfiguration as { EventBridgeEnabled?: unknown } | undefined)
    ?.EventBridgeEnabled;
  if (eventBridge === true || eventBridge === 'true') out.EventBridgeConfiguration = {};
  return out;
};

const deployed = (name: string, region: string): Deployed => ({
  physicalId: name,
  ref: name,
  attributes: {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
    WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
  },
});

const configure = async (
  name: string,
  props: Props,
  ctx: ProviderContext,
  previous?: Props,
): Promise<void> => {
  const tags = bucketTags(props, ctx);
  if (tags.length > 0)
    await ctx.invoke('s3', 'PutBucketTagging', { Bucket: name, Tagging: { TagSet: tags } });
  else if (previous) await ctx.invoke('s3', 'DeleteBucketTagging', { Bucket: name });
  if (props.NotificationConfiguration !== undefined || previous?.NotificationConfiguration !== undefined) {
    await ctx.invoke('s3', 'PutBucketNotificationConfiguration', {
      Bucket: name,
      NotificationConfiguration: notificationConfiguration(props),
    });
  }
};

export const s3Bucket: ResourceProvider = {
  service: 's3',
  nameProperty: 'BucketName',
  replaceOn: ['BucketName'],
  async create(props, ctx) {
    const name =
      typeof props.BucketName === 'string'
        ? props.BucketName
        : generatedBucketName(ctx.stackName, ctx.logicalId);
    await ctx.invoke('s3', 'CreateBucket', {
      Bucket: name,
      ...(ctx.region === 'us-east-1'
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: ctx.region } }),
    });
    try {
      await configure(name, props, ctx);
    } catch (err) {
      await ignoreMissing(ctx.invoke('s3', 'DeleteBucket', { Bucket: name }));
      throw err;
    }
    return deployed(name, ctx.region);
  },
  async update(current, props, previous, ctx) {
    await configure(current.physicalId, props, ctx, previous);
    return current;
  },
  async delete(current, _props, ctx) {
    // As on AWS, a bucket that still holds objects cannot be deleted (BucketNotEmpty).
    await ignoreMissing(ctx.invoke('s3', 'DeleteBucket', { Bucket: current.physicalId }));
  },
};

const policyText = (props: Props): string =>
  typeof props.PolicyDocument === 'string'
    ? props.PolicyDocument
    : JSON.stringify(props.PolicyDocument ?? {});

export const s3BucketPolicy: ResourceProvider = {
  service: 's3',
  replaceOn: ['Bucket'],
  async create(props, ctx) {
    await ctx.invoke('s3', 'PutBucketPolicy', { Bucket: String(props.Bucket), Policy: policyText(props) });
    const id = `${ctx.stackName}-${ctx.logicalId}-${randomBytes(6).toString('hex').toUpperCase()}`;
    return { physicalId: id, ref: id, attributes: {} };
  },
  async update(current, props, _previous, ctx) {
    await ctx.invoke('s3', 'PutBucketPolicy', { Bucket: String(props.Bucket), Policy: policyText(props) });
    return current;
  },
  async delete(_current, props, ctx) {
    await ignoreMissing(ctx.invoke('s3', 'DeleteBucketPolicy', { Bucket: String(props.Bucket) }));
  },
};
