import {
  CreateEventBusCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const uid = () => Math.random().toString(36).slice(2, 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DETAIL = { command: 'update-account', payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' } };
const PATTERN = { source: ['core.update-account-command'], 'detail-type': ['core.update-account-command'] };

describe('local EventBridge: delivery to SQS targets', () => {
  let aws: TestAws;
  let eb: EventBridgeClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    aws = await startTestAws();
    eb = new EventBridgeClient({ ...aws.clientConfig, maxAttempts: 1 });
    sqs = new SQSClient({ ...aws.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    eb.destroy();
    sqs.destroy();
    await aws.close();
  });

  const queue = async (fifo = false): Promise<{ url: string; arn: string }> => {
    const name = `q-${uid()}${fifo ? '.fifo' : ''}`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true' } } : {}) }),
    );
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl as string, arn: attrs.Attributes?.QueueArn as string };
  };

  const allow = async (q: { url: string; arn: string }, ruleArn: string): Promise<void> => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: q.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
        },
      ],
    };
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: q.url, Attributes: { Policy: JSON.stringify(policy) } }),
    );
  };

  /** Receives until `count` messages arrived (or 3 s passed). */
  const receive = async (url: string, count: number): Promise<Message[]> => {
    const out: Message[] = [];
    const deadline = Date.now() + 3000;
    while (out.length < count && Date.now() < deadline) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['AWSTraceHeader'],
        }),
      );
      out.push(...(res.Messages ?? []));
    }
    return out;
  };

  /** Nothing arrives: the delivery tick has long passed after 100 ms. */
  const expectEmpty = async (url: string): Promise<void> => {
    await sleep(100);
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(res.Messages ?? []).toEqual([]);
  };

  /** A rule on `bus` with one SQS target whose queue allows the rule. */
  const setup = async (
    target: Omit<Target, 'Id' | 'Arn'> = {},
    options: { bus?: string; allowQueue?: boolean; pattern?: object } = {},
  ) => {
    const q = await queue();
    const name = `rule-${uid()}`;
    const { RuleArn } = await eb.send(
      new PutRuleCommand({
        Name: name,
        EventPattern: JSON.stringify(options.pattern ?? PATTERN),
        ...(options.bus ? { EventBusName: options.bus } : {}),
      }),
    );
    if (options.allowQueue !== false) await allow(q, RuleArn as string);
    const put = await eb.send(
      new PutTargetsCommand({
        Rule: name,
        ...(options.bus ? { EventBusName: options.bus } : {}),
        Targets: [{ Id: 't1', Arn: q.arn, ...target }],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    return { q, name, ruleArn: RuleArn as string };
  };

  const put = (bus: string | undefined, detail: object = DETAIL, extra: object = {}) =>
    eb.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'core.update-account-command',
            DetailType: 'core.update-account-command',
            Detail: JSON.stringify(detail),
            ...(bus ? { EventBusName: bus } : {}),
            ...extra,
          },
        ],
      }),
    );

  it('done when: a bus, a rule, an allowed queue and an InputTransformer target get exactly the matching events', async () => {
    const bus = `bus-${uid()}`;
    const { EventBusArn } = await eb.send(new CreateEventBusCommand({ Name: bus }));
    const { q, ruleArn } = await setup(
      {
        InputTransformer: {
          InputPathsMap: { cmd: '$.detail.command', id: '$.detail.payload.acc_id', src: '$.source' },
          InputTemplate:
            '{"command": <cmd>, "account": "acc-<id>", "from": <src>, "rule": "<aws.events.rule-name>"}',
        },
      },
      { bus },
    );
    const matching = await eb.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: 'core.update-account-command',
            DetailType: 'core.update-account-command',
            Detail: JSON.stringify(DETAIL),
          },
          {
            EventBusName: EventBusArn,
            Source: 'other.source',
            DetailType: 'core.update-account-command',
            Detail: JSON.stringify(DETAIL),
          },
          {
            EventBusName: EventBusArn,
            Source: 'core.update-account-command',
            DetailType: 'core.update-account-command',
            Detail: JSON.stringify({ ...DETAIL, command: 'second' }),
          },
        ],
      }),
    );
    expect(matching.FailedEntryCount).toBe(0);
    // Same events on the default bus do not reach the custom bus's rule.
    await put(undefined);
    const messages = await receive(q.url, 2);
    await expectEmpty(q.url);
    const ruleName = ruleArn.slice(ruleArn.lastIndexOf('/') + 1);
    expect(messages.map((m) => JSON.parse(m.Body as string))).toEqual([
      {
        command: 'update-account',
        account: 'acc-0a787ecb-4015',
        from: 'core.update-account-command',
        rule: ruleName,
      },
      {
        command: 'second',
        account: 'acc-0a787ecb-4015',
        from: 'core.update-account-command',
        rule: ruleName,
      },
    ]);
  });

  it('delivers the full envelope when the target has no input', async () => {
    const { q } = await setup();
    const time = new Date('2024-01-01T00:00:00.123Z');
    const res = await put(undefined, DETAIL, { Time: time, Resources: ['arn:aws:s3:::b'] });
    const [message] = await receive(q.url, 1);
    const body = JSON.parse(message?.Body as string);
    expect(Object.keys(body)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(body).toEqual({
      version: '0',
      id: res.Entries?.[0]?.EventId,
      'detail-type': 'core.update-account-command',
      source: 'core.update-account-command',
      account: aws.local?.accountId ?? body.account,
      time: '2024-01-01T00:00:00Z',
      region: aws.region,
      resources: ['arn:aws:s3:::b'],
      detail: DETAIL,
    });
    // Without Time, the event gets the current time, ISO 8601 without milliseconds.
    await put(undefined);
    const [now] = await receive(q.url, 1);
    expect(JSON.parse(now?.Body as string).time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('delivers a constant Input as is', async () => {
    const { q } = await setup({ Input: '{"fixed": true}' });
    await put(undefined);
    const [message] = await receive(q.url, 1);
    expect(message?.Body).toBe('{"fixed": true}');
  });

  it('delivers the InputPath result', async () => {
    const { q } = await setup({ InputPath: '$.detail.payload' });
    await put(undefined);
    expect(JSON.parse((await receive(q.url, 1))[0]?.Body as string)).toEqual(DETAIL.payload);
    const { q: q2 } = await setup({ InputPath: '$.detail.payload.sf_id' });
    await put(undefined);
    expect((await receive(q2.url, 1))[0]?.Body).toBe('"baz"');
  });

  it('delivers InputTransformer results as AWS does (string templates stay text)', async () => {
    const { q } = await setup({
      InputTransformer: {
        InputPathsMap: {
          'detail-type': '$.detail-type',
          command: '$.detail.command',
          missing: '$.detail.nope',
        },
        InputTemplate: '"Event of <detail-type> type, command <command><missing>"',
      },
    });
    await put(undefined);
    expect((await receive(q.url, 1))[0]?.Body).toBe(
      '"Event of core.update-account-command type, command update-account"',
    );
  });

  it('delivers nothing to a queue whose policy does not allow the rule', async () => {
    const { q } = await setup({}, { allowQueue: false });
    await put(undefined);
    await expectEmpty(q.url);
    // A policy for another rule does not help either.
    await allow(q, 'arn:aws:events:us-east-1:000000000000:rule/someone-else');
    await put(undefined);
    await expectEmpty(q.url);
  });

  it('delivers nothing through a disabled rule, and again once enabled', async () => {
    const { q, name } = await setup();
    await eb.send(new DisableRuleCommand({ Name: name }));
    await put(undefined);
    await expectEmpty(q.url);
    await eb.send(new EnableRuleCommand({ Name: name }));
    await put(undefined);
    expect(await receive(q.url, 1)).toHaveLength(1);
  });

  it('passes the X-Amzn-Trace-Id of the PutEvents request as AWSTraceHeader', async () => {
    const { q } = await setup();
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    await put(undefined, DETAIL, { TraceHeader: header });
    const [message] = await receive(q.url, 1);
    expect(message?.Attributes?.AWSTraceHeader).toBe(header);
  });

  it('passes the request X-Amzn-Trace-Id header when the entry has no TraceHeader', async () => {
    const { q } = await setup();
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272794;Sampled=1';
    const traced = new EventBridgeClient({ ...aws.clientConfig, maxAttempts: 1 });
    traced.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers['X-Amzn-Trace-Id'] = header;
        return next(args);
      },
      { step: 'build', name: 'traceHeader' },
    );
    await traced.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'core.update-account-command',
            DetailType: 'core.update-account-command',
            Detail: JSON.stringify(DETAIL),
          },
        ],
      }),
    );
    traced.destroy();
    const [message] = await receive(q.url, 1);
    expect(message?.Attributes?.AWSTraceHeader).toBe(header);
  });

  it('sends to every matching rule and to FIFO queues with the rule target group id', async () => {
    const a = await setup();
    const b = await setup({}, { pattern: { source: ['core.update-account-command'] } });
    const fifo = await queue(true);
    const name = `fifo-${uid()}`;
    const { RuleArn } = await eb.send(
      new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(PATTERN) }),
    );
    await allow(fifo, RuleArn as string);
    await eb.send(
      new PutTargetsCommand({
        Rule: name,
        Targets: [
          { Id: 'fifo', Arn: fifo.arn, SqsParameters: { MessageGroupId: 'g1' } },
          // Non-SQS targets are accepted; delivery to them is a no-op in the emulator.
          { Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
        ],
      }),
    );
    await put(undefined);
    expect(await receive(a.q.url, 1)).toHaveLength(1);
    expect(await receive(b.q.url, 1)).toHaveLength(1);
    expect(await receive(fifo.url, 1)).toHaveLength(1);
  });

  it('drops events for a bus that does not exist', async () => {
    const res = await put('no-such-bus');
    expect(res.FailedEntryCount).toBe(0);
    expect(res.Entries?.[0]?.EventId).toBeTruthy();
  });
});
