/**
 * `AWS::DynamoDB::Table`: keys, attribute definitions, billing, GSIs and LSIs, the stream, TTL,
 * SSE, tags. `Ref` is the table name; `Fn::GetAtt` gives `Arn` and `StreamArn`. Everything goes
 * through the emulated DynamoDB's own operations.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../../core/errors.js';
import { type Deployed, type ProviderContext, type ResourceProvider, tagList } from './kit.js';

type Props = Record<string, unknown>;
type Tag = { Key: string; Value: string };

const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** CloudFormation's generated names: `<stack>-<logicalId>-<13 random>`, at most 255 characters. */
const generatedName = (ctx: ProviderContext): string => {
  const random = [...randomBytes(13)].map((b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
  return `${ctx.stackName}-${ctx.logicalId}-${random}`.slice(-255);
};

const num = (v: unknown): number => Number(v);

const throughput = (raw: unknown): Props | undefined => {
  if (raw === undefined || raw === null) return undefined;
  const t = raw as Props;
  return { ReadCapacityUnits: num(t.ReadCapacityUnits), WriteCapacityUnits: num(t.WriteCapacityUnits) };
};

const gsi = (raw: Props): Props => ({
  IndexName: raw.IndexName,
  KeySchema: raw.KeySchema,
  Projection: raw.Projection ?? { ProjectionType: 'ALL' },
  ...(raw.ProvisionedThroughput ? { ProvisionedThroughput: throughput(raw.ProvisionedThroughput) } : {}),
});

const list = (v: unknown): Props[] => (Array.isArray(v) ? (v as Props[]) : []);

const streamView = (props: Props): string | undefined => {
  const spec = props.StreamSpecification as Props | undefined;
  return typeof spec?.StreamViewType === 'string' ? spec.StreamViewType : undefined;
};

const ttlOf = (props: Props): { AttributeName: string; Enabled: boolean } | undefined => {
  const spec = props.TimeToLiveSpecification as Props | undefined;
  if (!spec) return undefined;
  const enabled = spec.Enabled === true || String(spec.Enabled).toLowerCase() === 'true';
  return { AttributeName: String(spec.AttributeName ?? ''), Enabled: enabled };
};

/** The table's tags, the stack's tags and CloudFormation's `aws:cloudformation:*` tags. */
const tagsOf = (props: Props, ctx: ProviderContext): Tag[] => tagList(props, ctx);

const sse = (props: Props): Props | undefined => {
  const spec = props.SSESpecification as Props | undefined;
  if (!spec) return undefined;
  return { Enabled: spec.SSEEnabled === true || String(spec.SSEEnabled).toLowerCase() === 'true' };
};

const deployed = async (ctx: ProviderContext, name: string): Promise<Deployed> => {
  const out = await ctx.invoke('dynamodb', 'DescribeTable', { TableName: name });
  const table = out.Table as Props;
  const streamOn = (table.StreamSpecification as Props | undefined)?.StreamEnabled === true;
  return {
    physicalId: name,
    ref: name,
    attributes: {
      Arn: table.TableArn,
      ...(streamOn ? { StreamArn: table.LatestStreamArn } : {}),
    },
  };
};

const setTtl = async (
  ctx: ProviderContext,
  name: string,
  ttl: { AttributeName: string; Enabled: boolean },
) => {
  await ctx.invoke('dynamodb', 'UpdateTimeToLive', { TableName: name, TimeToLiveSpecification: ttl });
};

const arnOf = (ctx: ProviderContext, name: string): string =>
  `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;

export const dynamodbTable: ResourceProvider = {
  service: 'dynamodb',
  nameProperty: 'TableName',
  replaceOn: ['TableName', 'KeySchema', 'LocalSecondaryIndexes'],
  async create(props, ctx) {
    const name = typeof props.TableName === 'string' ? props.TableName : generatedName(ctx);
    const view = streamView(props);
    const tags = tagsOf(props, ctx);
    const input: Props = {
      TableName: name,
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      BillingMode: props.BillingMode ?? 'PROVISIONED',
      ProvisionedThroughput: throughput(props.ProvisionedThroughput),
      GlobalSecondaryIndexes: list(props.GlobalSecondaryIndexes).map(gsi),
      LocalSecondaryIndexes: props.LocalSecondaryIndexes,
      StreamSpecification: view ? { StreamEnabled: true, StreamViewType: view } : undefined,
      SSESpecification: sse(props),
      Tags: tags.length > 0 ? tags : undefined,
      DeletionProtectionEnabled:
        props.DeletionProtectionEnabled === true || props.DeletionProtectionEnabled === 'true',
      TableClass: props.TableClass,
    };
    if ((input.GlobalSecondaryIndexes as Props[]).length === 0) delete input.GlobalSecondaryIndexes;
    for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
    await ctx.invoke('dynamodb', 'CreateTable', input);
    const ttl = ttlOf(props);
    if (ttl?.Enabled) await setTtl(ctx, name, ttl);
    return deployed(ctx, name);
  },
  async update(current, props, previous, ctx) {
    const name = current.physicalId;
    const base: Props = { TableName: name };
    // Billing and throughput.
    const billing = props.BillingMode ?? 'PROVISIONED';
    if (
      billing !== (previous.BillingMode ?? 'PROVISIONED') ||
      JSON.stringify(throughput(props.ProvisionedThroughput)) !==
        JSON.stringify(throughput(previous.ProvisionedThroughput))
    ) {
      await ctx.invoke('dynamodb', 'UpdateTable', {
        ...base,
        BillingMode: billing,
        ...(billing === 'PROVISIONED'
          ? { ProvisionedThroughput: throughput(props.ProvisionedThroughput) }
          : {}),
      });
    }
    // Global secondary indexes: removed ones first, then new ones.
    const before = new Map(list(previous.GlobalSecondaryIndexes).map((g) => [String(g.IndexName), g]));
    const after = new Map(list(props.GlobalSecondaryIndexes).map((g) => [String(g.IndexName), g]));
    for (const [indexName, g] of before) {
      if (
        !after.has(indexName) ||
        JSON.stringify(gsi(g)) !== JSON.stringify(gsi(after.get(indexName) as Props))
      ) {
        await ctx.invoke('dynamodb', 'UpdateTable', {
          ...base,
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: indexName } }],
        });
        before.delete(indexName);
      }
    }
    for (const [indexName, g] of after) {
      if (before.has(indexName)) continue;
      await ctx.invoke('dynamodb', 'UpdateTable', {
        ...base,
        AttributeDefinitions: props.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: gsi(g) }],
      });
    }
    // The stream: off, on, or a new view type (off then on).
    const oldView = streamView(previous);
    const newView = streamView(props);
    if (oldView !== newView) {
      if (oldView)
        await ctx.invoke('dynamodb', 'UpdateTable', {
          ...base,
          StreamSpecification: { StreamEnabled: false },
        });
      if (newView) {
        await ctx.invoke('dynamodb', 'UpdateTable', {
          ...base,
          StreamSpecification: { StreamEnabled: true, StreamViewType: newView },
        });
      }
    }
    // Time to live.
    const oldTtl = ttlOf(previous);
    const newTtl = ttlOf(props);
    if (JSON.stringify(oldTtl) !== JSON.stringify(newTtl)) {
      if (oldTtl?.Enabled) await setTtl(ctx, name, { ...oldTtl, Enabled: false });
      if (newTtl?.Enabled) await setTtl(ctx, name, newTtl);
    }
    if (props.DeletionProtectionEnabled !== previous.DeletionProtectionEnabled) {
      await ctx.invoke('dynamodb', 'UpdateTable', {
        ...base,
        DeletionProtectionEnabled:
          props.DeletionProtectionEnabled === true || props.DeletionProtectionEnabled === 'true',
      });
    }
    // Tags: set the new ones, remove the dropped ones.
    const oldTags = tagsOf(previous, ctx);
    const newTags = tagsOf(props, ctx);
    const dropped = oldTags.filter((t) => !newTags.some((n) => n.Key === t.Key)).map((t) => t.Key);
    if (dropped.length > 0)
      await ctx.invoke('dynamodb', 'UntagResource', { ResourceArn: arnOf(ctx, name), TagKeys: dropped });
    if (newTags.length > 0)
      await ctx.invoke('dynamodb', 'TagResource', { ResourceArn: arnOf(ctx, name), Tags: newTags });
    return deployed(ctx, name);
  },
  async delete(current, _props, ctx) {
    try {
      await ctx.invoke('dynamodb', 'DeleteTable', { TableName: current.physicalId });
    } catch (err) {
      if (err instanceof AwsError && err.code === 'ResourceNotFoundException') return;
      throw err;
    }
  },
};
