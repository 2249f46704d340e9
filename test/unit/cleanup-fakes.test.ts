import { describe, expect, it } from 'vitest';
import { cleanupProbe, removeListeners, sweep } from '../../src/cleanup/index.js';
import { removeListener, removeListenerResources, simpleEnv } from '../../src/cleanup/remove.js';
import { ClientSet } from '../../src/config.js';
import { CleanupError } from '../../src/errors.js';
import type { ProbeContext } from '../../src/probe.js';
import type { ListenerResources } from '../../src/resources/listener-resources.js';
import { resourceTags } from '../../src/resources/tags.js';

/**
 * Cleanup against fake SDK clients: every odd answer AWS can give (pagination, missing fields,
 * partial failures, errors at each step) without a server.
 */
type Handler = (input: Record<string, unknown>) => unknown;
type Handlers = Record<string, Handler>;

const fake = (handlers: Handlers, log: string[]) => ({
  send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const op = command.constructor.name.replace(/Command$/, '');
    log.push(op);
    const handler = handlers[op];
    if (!handler) throw new Error(`unexpected call ${op}`);
    return handler(command.input);
  },
});

const awsError = (name: string, status = 400): Error =>
  Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode: status } });
const fail =
  (name: string, status = 403): Handler =>
  () => {
    throw awsError(name, status);
  };

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ACCOUNT = '123456789012';
const ID = 'l000000000000001';
const NAME = `eventprobe-${ID}`;
const QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${NAME}`;
const QUEUE_ARN = `arn:aws:sqs:us-east-1:${ACCOUNT}:${NAME}`;
const RULE_ARN = `arn:aws:events:us-east-1:${ACCOUNT}:rule/${NAME}`;
const OLD = resourceTags({
  listenerId: ID,
  runId: 'old-run',
  createdAt: new Date(NOW - 5 * 3_600_000),
  userTags: { suite: 's' },
});
const TAG_LIST = Object.entries(OLD).map(([Key, Value]) => ({ Key, Value }));
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

interface World {
  sqs?: Handlers;
  eventBridge?: Handlers;
  tagging?: Handlers;
  sns?: Handlers;
  /** Fixtures' services: empty listings unless a test says otherwise. */
  dynamoDb?: Handlers;
  kinesis?: Handlers;
  s3?: Handlers;
}

/** Handlers of a world with one managed listener, overridable per operation. */
const world = (over: World = {}): Required<World> => ({
  sqs: {
    ListQueues: () => ({ QueueUrls: [QUEUE_URL] }),
    ListQueueTags: () => ({ Tags: OLD }),
    GetQueueUrl: () => ({ QueueUrl: QUEUE_URL }),
    DeleteQueue: () => ({}),
    ...over.sqs,
  },
  eventBridge: {
    ListEventBuses: () => ({ EventBuses: [{ Name: 'default' }] }),
    ListRules: () => ({ Rules: [{ Name: NAME, Arn: RULE_ARN }] }),
    ListTagsForResource: () => ({ Tags: TAG_LIST }),
    DescribeRule: () => ({ Arn: RULE_ARN }),
    ListTargetsByRule: () => ({ Targets: [{ Id: 'eventprobe-queue' }] }),
    RemoveTargets: () => ({ FailedEntryCount: 0 }),
    DeleteRule: () => ({}),
    ...over.eventBridge,
  },
  tagging: {
    GetResources: () => ({ ResourceTagMappingList: [] }),
    ...over.tagging,
  },
  sns: {
    ListSubscriptions: () => ({ Subscriptions: [] }),
    Unsubscribe: () => ({}),
    ListTopics: () => ({ Topics: [] }),
    ListTagsForResource: () => ({ Tags: [] }),
    ...over.sns,
  },
  dynamoDb: { ListTables: () => ({ TableNames: [] }), ...over.dynamoDb },
  kinesis: { ListStreams: () => ({ StreamNames: [] }), ...over.kinesis },
  s3: { ListBuckets: () => ({ Buckets: [] }), ...over.s3 },
});

const setup = (over: World = {}) => {
  const log: string[] = [];
  const w = world(over);
  const clients = new ClientSet({
    region: 'us-east-1',
    clients: {
      sqs: fake(w.sqs, log) as never,
      eventBridge: fake(w.eventBridge, log) as never,
      tagging: fake(w.tagging, log) as never,
      sns: fake(w.sns, log) as never,
      dynamoDb: fake(w.dynamoDb, log) as never,
      kinesis: fake(w.kinesis, log) as never,
      s3: fake(w.s3, log) as never,
    },
  });
  const ctx: ProbeContext = {
    clients,
    runId: 'this-run',
    tags: { suite: 's' },
    clock: { now: () => NOW },
    created: new Map(),
  };
  return { ctx, log };
};

const full: ListenerResources = {
  listenerId: ID,
  kind: 'eventbridge',
  region: 'us-east-1',
  queueUrl: QUEUE_URL,
  queueArn: QUEUE_ARN,
  ruleName: NAME,
  ruleArn: RULE_ARN,
  eventBusName: 'default',
  targetId: 'eventprobe-queue',
};

const failuresOf = async (promise: Promise<unknown>): Promise<string[]> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CleanupError);
  return (error as CleanupError).failures.map((f) => `${f.resource}: ${(f.error as Error).message}`);
};

describe('removeListenerResources with odd answers', () => {
  it('reports RemoveTargets entries that failed and leaves the rule', async () => {
    const { ctx, log } = setup({
      eventBridge: {
        RemoveTargets: () => ({
          FailedEntryCount: 1,
          FailedEntries: [
            { TargetId: 'eventprobe-queue', ErrorCode: 'InternalFailure', ErrorMessage: 'try later' },
          ],
        }),
      },
    });
    const failures = await failuresOf(removeListenerResources(ctx.clients, full));
    expect(failures).toEqual([
      `${RULE_ARN} (targets): RemoveTargets on ${RULE_ARN} failed for 1 target(s): eventprobe-queue: InternalFailure try later`,
    ]);
    expect(log).not.toContain('DeleteRule');
    expect(log).toContain('DeleteQueue');
  });

  it('counts a FailedEntryCount without entries', async () => {
    const { ctx } = setup({ eventBridge: { RemoveTargets: () => ({ FailedEntryCount: 2 }) } });
    expect((await failuresOf(removeListenerResources(ctx.clients, full)))[0]).toMatch(
      /failed for 2 target\(s\): $/,
    );
  });

  it('lists targets page by page when the target id is unknown, skipping RemoveTargets when there are none', async () => {
    let page = 0;
    const { ctx } = setup({
      eventBridge: {
        ListTargetsByRule: (input) => {
          page++;
          return input.NextToken
            ? { Targets: [{ Id: 'b' }, {}] }
            : { Targets: [{ Id: 'a' }], NextToken: 't2' };
        },
        RemoveTargets: (input) => {
          expect(input.Ids).toEqual(['a', 'b']);
          return {};
        },
      },
    });
    const { targetId: _, ...noTarget } = full;
    await removeListenerResources(ctx.clients, noTarget);
    expect(page).toBe(2);
    const empty = setup({ eventBridge: { ListTargetsByRule: () => ({}) } });
    await removeListenerResources(empty.ctx.clients, noTarget);
    expect(empty.log).not.toContain('RemoveTargets');
  });

  it('finds the rule ARN with DescribeRule and reads the bus from a rule ARN', async () => {
    const { ctx, log } = setup();
    const { ruleArn: _a, ...noArn } = full;
    await removeListenerResources(ctx.clients, noArn);
    expect(log).toContain('DescribeRule');
    const onBus = setup({
      eventBridge: {
        DeleteRule: (input) => {
          expect(input).toEqual({ Name: NAME, EventBusName: 'orders' });
          return {};
        },
      },
    });
    await removeListenerResources(onBus.ctx.clients, {
      listenerId: ID,
      kind: 'eventbridge',
      region: 'us-east-1',
      ruleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/${NAME}`,
    });
    // Without a name or a parsable ARN there is no rule to remove.
    const none = setup();
    await removeListenerResources(none.ctx.clients, {
      listenerId: ID,
      kind: 'sns',
      region: 'us-east-1',
      ruleArn: 'nonsense',
    });
    expect(none.log).toEqual([]);
  });

  it('treats a rule gone at any step as removed', async () => {
    for (const op of ['DescribeRule', 'ListTagsForResource', 'RemoveTargets', 'DeleteRule']) {
      const { ctx } = setup({ eventBridge: { [op]: fail('ResourceNotFoundException', 400) } });
      const { ruleArn: _a, ...noArn } = full;
      const outcome = await removeListener(simpleEnv(ctx.clients), noArn);
      expect(outcome.failures).toEqual([]);
      expect(outcome.removed.map((r) => r.kind).sort()).toEqual(['queue', 'rule']);
    }
  });

  it('reports each failing step on its own and still removes the rest', async () => {
    const cases: [World, RegExp][] = [
      [
        { eventBridge: { DescribeRule: fail('AccessDeniedException') } },
        /rule default\/eventprobe-\w+: AccessDenied/,
      ],
      [{ eventBridge: { ListTagsForResource: fail('AccessDeniedException') } }, /AccessDeniedException/],
      [{ eventBridge: { RemoveTargets: fail('AccessDeniedException') } }, /\(targets\): AccessDenied/],
      [{ sqs: { ListQueueTags: fail('AccessDenied') } }, /AccessDenied/],
      [{ sqs: { DeleteQueue: fail('AccessDenied') } }, /AccessDenied/],
      [{ sqs: { GetQueueUrl: fail('AccessDenied') } }, /AccessDenied/],
    ];
    for (const [over, message] of cases) {
      const { ctx } = setup(over);
      const { ruleArn: _a, queueUrl: _u, ...partial } = full;
      const failures = await failuresOf(removeListenerResources(ctx.clients, partial));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(message);
    }
  });

  it('removes extra targets and retries when DeleteRule refuses, and reports a second refusal', async () => {
    let deletes = 0;
    const { ctx, log } = setup({
      eventBridge: {
        DeleteRule: () => {
          if (deletes++ === 0) throw awsError('ValidationException');
          return {};
        },
        ListTargetsByRule: () => ({ Targets: [{ Id: 'eventprobe-queue' }, { Id: 'added-by-hand' }] }),
      },
    });
    await removeListenerResources(ctx.clients, full);
    expect(log.filter((op) => op === 'RemoveTargets')).toHaveLength(2);
    const stubborn = setup({ eventBridge: { DeleteRule: fail('ValidationException', 400) } });
    expect(await failuresOf(removeListenerResources(stubborn.ctx.clients, full))).toEqual([
      `${RULE_ARN}: ValidationException (fake)`,
    ]);
    let n = 0;
    const vanishing = setup({
      eventBridge: {
        DeleteRule: () => {
          if (n++ === 0) throw awsError('ValidationException');
          throw awsError('ResourceNotFoundException');
        },
      },
    });
    await removeListenerResources(vanishing.ctx.clients, full);
    const { targetId: _t, ...noTarget } = full;
    const refused = setup({ eventBridge: { DeleteRule: fail('ValidationException', 400) } });
    expect(await failuresOf(removeListenerResources(refused.ctx.clients, noTarget))).toHaveLength(1);
  });

  it('unsubscribes, counting a subscription already gone as removed', async () => {
    const sub = `arn:aws:sns:us-east-1:${ACCOUNT}:topic:abc`;
    const gone = setup({ sns: { Unsubscribe: fail('NotFound', 404) } });
    const outcome = await removeListener(simpleEnv(gone.ctx.clients), { ...full, subscriptionArn: sub });
    expect(outcome.removed.map((r) => r.kind).sort()).toEqual(['queue', 'rule', 'subscription']);
    const denied = setup({ sns: { Unsubscribe: fail('AuthorizationError') } });
    expect(
      await failuresOf(removeListenerResources(denied.ctx.clients, { ...full, subscriptionArn: sub })),
    ).toEqual([`${sub}: AuthorizationError (fake)`]);
  });

  it('finds a queue by name when only its ARN is known, and by the given name for odd ARNs', async () => {
    const { ctx } = setup({
      sqs: {
        GetQueueUrl: (input) => {
          expect(input).toEqual({ QueueName: NAME, QueueOwnerAWSAccountId: ACCOUNT });
          return { QueueUrl: QUEUE_URL };
        },
      },
    });
    await removeListenerResources(ctx.clients, {
      listenerId: ID,
      kind: 'eventbridge',
      region: 'us-east-1',
      queueArn: QUEUE_ARN,
    });
    const odd = setup({
      sqs: {
        GetQueueUrl: (input) => {
          expect(input).toEqual({ QueueName: 'not-an-arn' });
          throw awsError('QueueDoesNotExist');
        },
      },
    });
    const outcome = await removeListener(simpleEnv(odd.ctx.clients), {
      listenerId: ID,
      kind: 'eventbridge',
      region: 'us-east-1',
      queueArn: 'not-an-arn',
    });
    expect(outcome).toEqual({
      removed: [{ kind: 'queue', resource: 'not-an-arn', listenerId: ID }],
      failures: [],
    });
    const queueGone = setup({ sqs: { DeleteQueue: fail('QueueDoesNotExist', 400) } });
    await removeListenerResources(queueGone.ctx.clients, full);
  });

  it('reads tags that come back empty as unmanaged', async () => {
    const { ctx } = setup({
      sqs: { ListQueueTags: () => ({}) },
      eventBridge: { ListTagsForResource: () => ({}) },
    });
    expect(await failuresOf(removeListenerResources(ctx.clients, full))).toHaveLength(2);
  });
});

describe('sweep with odd answers', () => {
  const opts = { retry: fast };

  it('reports failed listings as failures and tagging/SNS trouble as warnings', async () => {
    for (const [over, resource] of [
      [{ sqs: { ListQueues: fail('AccessDenied') } }, 'sqs:ListQueues'],
      [{ eventBridge: { ListEventBuses: fail('AccessDeniedException') } }, 'events:ListEventBuses'],
      [{ eventBridge: { ListRules: fail('AccessDeniedException') } }, 'events:ListRules on bus default'],
      [{ eventBridge: { ListTagsForResource: fail('AccessDeniedException') } }, RULE_ARN],
      [{ sqs: { ListQueueTags: fail('AccessDenied') } }, QUEUE_URL],
    ] as [World, string][]) {
      const { ctx } = setup(over);
      const error = (await sweep(ctx, opts).catch((e: unknown) => e)) as CleanupError;
      expect(error).toBeInstanceOf(CleanupError);
      expect(error.failures.map((f) => f.resource)).toContain(resource);
    }
    const { ctx } = setup({
      tagging: { GetResources: fail('AccessDeniedException') },
      sns: { ListSubscriptions: fail('AuthorizationError') },
    });
    const report = await sweep(ctx, opts);
    expect(report.removed).toHaveLength(2);
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings.join('\n')).toMatch(/tag:GetResources[\s\S]*sns:ListSubscriptions/);
  });

  it('pages through every listing and skips resources gone before their tags were read', async () => {
    const second = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/eventprobe-l000000000000002`;
    const { ctx } = setup({
      sqs: {
        ListQueues: (input) =>
          input.NextToken ? { QueueUrls: [second] } : { QueueUrls: [QUEUE_URL], NextToken: 'q2' },
        ListQueueTags: (input) => {
          if (input.QueueUrl === second) throw awsError('QueueDoesNotExist');
          return { Tags: OLD };
        },
      },
      eventBridge: {
        ListEventBuses: (input) =>
          input.NextToken ? { EventBuses: [{}] } : { EventBuses: [{ Name: 'orders' }], NextToken: 'b2' },
        ListRules: (input) =>
          input.EventBusName === 'orders'
            ? { Rules: [{ Name: 'eventprobe-nameless' }, { Arn: 'arn-only' }] }
            : input.NextToken
              ? { Rules: [{ Name: 'eventprobe-l000000000000003', Arn: `${RULE_ARN}3` }] }
              : { Rules: [{ Name: NAME, Arn: RULE_ARN }], NextToken: 'r2' },
        ListTagsForResource: (input) => {
          if (input.ResourceARN !== RULE_ARN) throw awsError('ResourceNotFoundException');
          return { Tags: TAG_LIST };
        },
      },
      tagging: {
        GetResources: (input) =>
          input.PaginationToken
            ? { ResourceTagMappingList: [{}] }
            : {
                ResourceTagMappingList: [{ ResourceARN: QUEUE_ARN }, { ResourceARN: RULE_ARN }],
                PaginationToken: 'p2',
              },
      },
      sns: {
        ListSubscriptions: (input) =>
          input.NextToken
            ? {
                Subscriptions: [
                  { Protocol: 'sqs', Endpoint: QUEUE_ARN, SubscriptionArn: 'PendingConfirmation' },
                  { Protocol: 'sqs', Endpoint: QUEUE_ARN, SubscriptionArn: `${QUEUE_ARN}:sub1` },
                  { Protocol: 'sqs', Endpoint: QUEUE_ARN, SubscriptionArn: `${QUEUE_ARN}:sub2` },
                ],
              }
            : {
                Subscriptions: [
                  { Protocol: 'email', Endpoint: 'a@example.com', SubscriptionArn: 'arn:x' },
                  { Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:other` },
                  { Protocol: 'sqs' },
                  {},
                ],
                NextToken: 's2',
              },
      },
    });
    const report = await sweep(ctx, opts);
    expect(report.failed).toEqual([]);
    expect(report.removed.map((r) => r.kind).sort()).toEqual([
      'queue',
      'rule',
      'subscription',
      'subscription',
    ]);
  });

  it('finds resources known only to the tagging API (renamed by hand) and handles their disappearance', async () => {
    const otherQueueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:renamed`;
    const otherRuleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/renamed`;
    const lookups: unknown[] = [];
    const { ctx } = setup({
      sqs: {
        ListQueues: () => ({}),
        GetQueueUrl: (input) => {
          lookups.push(input);
          return { QueueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/renamed` };
        },
      },
      eventBridge: { ListEventBuses: () => ({}), ListRules: () => ({}) },
      tagging: {
        GetResources: () => ({
          ResourceTagMappingList: [
            { ResourceARN: otherQueueArn },
            { ResourceARN: otherRuleArn },
            { ResourceARN: 'arn:aws:sns:us-east-1:123456789012:topic' },
          ],
        }),
      },
    });
    const report = await sweep(ctx, opts);
    expect(lookups).toEqual([{ QueueName: 'renamed', QueueOwnerAWSAccountId: ACCOUNT }]);
    expect(report.removed.map((r) => r.resource).sort()).toEqual([
      otherRuleArn,
      `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/renamed`,
    ]);
    const gone = setup({
      sqs: { ListQueues: () => ({}), GetQueueUrl: fail('QueueDoesNotExist', 400) },
      tagging: { GetResources: () => ({ ResourceTagMappingList: [{ ResourceARN: otherQueueArn }] }) },
    });
    expect((await sweep(gone.ctx, opts)).removed).toHaveLength(1);
    const denied = setup({
      sqs: { ListQueues: () => ({}), GetQueueUrl: fail('AccessDenied') },
      tagging: { GetResources: () => ({ ResourceTagMappingList: [{ ResourceARN: otherQueueArn }] }) },
    });
    const error = (await sweep(denied.ctx, opts).catch((e: unknown) => e)) as CleanupError;
    expect(error.failures[0]).toMatchObject({ resource: 'queue renamed' });
  });

  it('groups a second queue or rule claiming the same listener id separately', async () => {
    const twin = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/eventprobe-twin`;
    const twinRule = `${RULE_ARN}-twin`;
    const { ctx } = setup({
      sqs: { ListQueues: () => ({ QueueUrls: [QUEUE_URL, twin] }) },
      eventBridge: {
        ListRules: () => ({
          Rules: [
            { Name: NAME, Arn: RULE_ARN },
            { Name: `${NAME}-twin`, Arn: twinRule },
          ],
        }),
      },
    });
    const report = await sweep(ctx, opts);
    expect(report.removed).toHaveLength(4);
  });

  it('rethrows the abort reason from discovery and removal', async () => {
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    const { ctx } = setup({
      sqs: {
        ListQueueTags: () => {
          controller.abort(reason);
          throw awsError('AccessDenied');
        },
      },
    });
    await expect(sweep(ctx, { ...opts, signal: controller.signal })).rejects.toBe(reason);
    const c2 = new AbortController();
    const tagging = setup({
      tagging: {
        GetResources: () => {
          c2.abort(reason);
          throw awsError('AccessDeniedException');
        },
      },
    });
    await expect(sweep(tagging.ctx, { ...opts, signal: c2.signal })).rejects.toBe(reason);
    const c3 = new AbortController();
    const subs = setup({
      sns: {
        ListSubscriptions: () => {
          c3.abort(reason);
          throw awsError('AuthorizationError');
        },
      },
    });
    await expect(sweep(subs.ctx, { ...opts, signal: c3.signal })).rejects.toBe(reason);
    const c4 = new AbortController();
    const removal = setup({
      sqs: {
        DeleteQueue: () => {
          c4.abort(reason);
          throw awsError('AccessDenied');
        },
      },
    });
    removal.ctx.created.set(ID, full);
    await expect(cleanupProbe(removal.ctx, { signal: c4.signal })).rejects.toBe(reason);
  });

  it('retries throttled calls with its own backoff', async () => {
    let calls = 0;
    const { ctx } = setup({
      sqs: {
        DeleteQueue: () => {
          if (calls++ < 2) throw awsError('RequestThrottled', 400);
          return {};
        },
      },
    });
    ctx.created.set(ID, full);
    const report = await cleanupProbe(ctx, opts);
    expect(calls).toBe(3);
    expect(report.removed).toHaveLength(2);
    expect(ctx.created.size).toBe(0);
  });
});

describe('removeListeners with odd answers', () => {
  it('refuses an id that is not one, with an example id it would accept', async () => {
    const { ctx } = setup({ sqs: { ListQueues: () => ({}) }, eventBridge: { ListRules: () => ({}) } });
    const error = (await removeListeners(ctx, { ids: ['nope'] }).catch((e: unknown) => e)) as Error;
    const example = /like "([^"]+)"/.exec(error?.message ?? '')?.[1] as string;
    expect(example).toHaveLength(16);
    const report = await removeListeners(ctx, { ids: [example] });
    expect(report.notFound).toEqual([example]);
  });

  it('keeps a listener of this probe whose removal failed', async () => {
    const { ctx } = setup({ sqs: { DeleteQueue: fail('AccessDenied') } });
    ctx.created.set(ID, full);
    await expect(removeListeners(ctx, { ids: [ID] })).rejects.toBeInstanceOf(CleanupError);
    expect(ctx.created.has(ID)).toBe(true);
  });

  it('finds listeners by the id in their tags when the name does not carry it', async () => {
    const renamedUrl = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/eventprobe-renamed`;
    const { ctx } = setup({
      sqs: { ListQueues: () => ({ QueueUrls: [renamedUrl] }) },
      eventBridge: { ListRules: () => ({}) },
    });
    const report = await removeListeners(ctx, { ids: [ID] });
    expect(report.removed.map((r) => r.resource)).toEqual([renamedUrl]);
    expect(report.notFound).toEqual([]);
  });

  it('by tags leaves unmarked and non-matching resources', async () => {
    const { ctx } = setup({
      eventBridge: { ListTagsForResource: () => ({ Tags: [{ Key: 'suite', Value: 's' }] }) },
      sqs: { ListQueueTags: () => ({ Tags: { ...OLD, suite: 'other' } }) },
    });
    const report = await removeListeners(ctx, { tagFilters: { suite: 's' } });
    expect(report.removed).toEqual([]);
  });
});
