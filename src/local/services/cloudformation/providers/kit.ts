/**
 * What every resource provider shares: the provider contract, CloudFormation's generated names,
 * the tags CloudFormation puts on resources, and small property helpers. Providers of new types
 * live beside this file and import only from it (never from resources.ts, which lists them).
 */
import { randomBytes } from 'node:crypto';
import { arn as buildArn } from '../../../core/arn.js';
import { bool, text } from '../../../core/coerce.js';
import { AwsError } from '../../../core/errors.js';

/** What a provider can do besides reading its properties. */
export interface ProviderContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly logicalId: string;
  /** Tags of the stack, propagated to taggable resources. */
  readonly stackTags: readonly { Key: string; Value: string }[];
  /** Runs another service's operation in this region. */
  invoke(
    service: string,
    operation: string,
    input: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

/** A resource as it exists: its physical id, what `Ref` gives, and its `Fn::GetAtt` attributes. */
export interface Deployed {
  readonly physicalId: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ResourceProvider {
  /** Signing name of the emulated service the type needs (absent: needs none). */
  readonly service?: string;
  /** The property that holds a custom name (a custom-named resource cannot be replaced). */
  readonly nameProperty?: string;
  /** Properties whose change means a new physical resource. */
  readonly replaceOn: readonly string[];
  create(props: Record<string, unknown>, ctx: ProviderContext): Promise<Deployed>;
  /** Changes the resource in place (only called when no `replaceOn` property changed). */
  update(
    current: Deployed,
    props: Record<string, unknown>,
    previous: Record<string, unknown>,
    ctx: ProviderContext,
  ): Promise<Deployed>;
  delete(current: Deployed, props: Record<string, unknown>, ctx: ProviderContext): Promise<void>;
}

const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** CloudFormation's generated names: `<stack>-<logicalId>-<13 random>`, trimmed to fit. */
export const generatedName = (
  stackName: string,
  logicalId: string,
  maxLength: number,
  suffix = '',
): string => {
  const random = [...randomBytes(13)].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
  const room = maxLength - random.length - suffix.length - 2;
  const stackPart = stackName.slice(0, Math.max(1, Math.floor(room / 2)));
  const logicalPart = logicalId.slice(0, Math.max(1, room - stackPart.length));
  return `${stackPart}-${logicalPart}-${random}${suffix}`;
};

export const str = text;

export const isTrue = bool;

export type Tag = { Key: string; Value: string };

/** The tags CloudFormation puts on every resource that supports tags. */
export const systemTags = (ctx: ProviderContext): Tag[] => [
  { Key: 'aws:cloudformation:stack-name', Value: ctx.stackName },
  { Key: 'aws:cloudformation:logical-id', Value: ctx.logicalId },
  { Key: 'aws:cloudformation:stack-id', Value: ctx.stackId },
];

/** The resource's own tags, the stack's tags and CloudFormation's system tags, merged. */
export const tagList = (props: Record<string, unknown>, ctx: ProviderContext): Tag[] => {
  const own = Array.isArray(props.Tags) ? (props.Tags as Tag[]) : [];
  const merged = new Map<string, string>();
  for (const t of [...ctx.stackTags, ...own, ...systemTags(ctx)]) merged.set(String(t.Key), String(t.Value));
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
};

/** Tags as a map (what the newer APIs such as Lambda, Logs and SQS take). */
export const tagMapOf = (props: Record<string, unknown>, ctx: ProviderContext): Record<string, string> =>
  Object.fromEntries(tagList(props, ctx).map((t) => [t.Key, t.Value]));

export const tagMap = (tags: readonly Tag[]): Record<string, string> | undefined =>
  tags.length === 0 ? undefined : Object.fromEntries(tags.map((t) => [t.Key, t.Value]));

/** Drops undefined values (the emulated services read absent and undefined alike, but keep it tidy). */
export const compact = (input: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));

const NOT_FOUND = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'ResourceNotFoundException',
  'NotFound',
  'NotFoundException',
]);

/** Deleting what is already gone is success (as CloudFormation treats it). */
export const ignoreNotFound = async (work: Promise<unknown>): Promise<void> => {
  try {
    await work;
  } catch (err) {
    if (err instanceof AwsError && (NOT_FOUND.has(err.code) || NOT_FOUND.has(err.queryCode))) return;
    throw err;
  }
};

/** An ARN in the stack's partition (`aws`, `aws-cn`, `aws-us-gov`). */
export const arn = (ctx: ProviderContext, service: string, resource: string): string =>
  buildArn(service, ctx.region, ctx.accountId, resource);
