import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TagResourceCommand,
  TestEventPatternCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const uid = () => Math.random().toString(36).slice(2, 10);

const expectError = async (
  promise: Promise<unknown>,
  name: string,
  message?: string | RegExp,
): Promise<void> => {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string; message?: string } | undefined;
  expect(err, `expected ${name}`).toBeDefined();
  expect(err?.name).toBe(name);
  if (message instanceof RegExp) expect(err?.message).toMatch(message);
  else if (message !== undefined) expect(err?.message).toBe(message);
};

const PATTERN = JSON.stringify({ source: ['my.app'], 'detail-type': ['Thing'] });

describe('local EventBridge: control plane', () => {
  let aws: TestAws;
  let eb: EventBridgeClient;
  let account: string;
  let region: string;

  beforeAll(async () => {
    aws = await startTestAws();
    eb = new EventBridgeClient({ ...aws.clientConfig, maxAttempts: 1 });
    account = aws.local?.accountId ?? '000000000000';
    region = aws.region;
  });
  afterAll(async () => {
    eb.destroy();
    await aws.close();
  });

  describe('event buses', () => {
    it('has a default bus that cannot be deleted', async () => {
      const bus = await eb.send(new DescribeEventBusCommand({}));
      expect(bus.Name).toBe('default');
      expect(bus.Arn).toBe(`arn:aws:events:${region}:${account}:event-bus/default`);
      expect(bus.CreationTime).toBeInstanceOf(Date);
      await expectError(
        eb.send(new DeleteEventBusCommand({ Name: 'default' })),
        'ValidationException',
        'Cannot delete event bus default.',
      );
      const list = await eb.send(new ListEventBusesCommand({}));
      expect(list.EventBuses?.map((b) => b.Name)).toContain('default');
    });

    it('creates, describes, lists, and deletes a custom bus', async () => {
      const name = `bus-${uid()}`;
      const created = await eb.send(new CreateEventBusCommand({ Name: name, Description: 'test bus' }));
      expect(created).toMatchObject({
        EventBusArn: `arn:aws:events:${region}:${account}:event-bus/${name}`,
        Description: 'test bus',
      });
      const described = await eb.send(new DescribeEventBusCommand({ Name: created.EventBusArn }));
      expect(described).toMatchObject({ Name: name, Arn: created.EventBusArn, Description: 'test bus' });
      expect(described.LastModifiedTime).toBeInstanceOf(Date);
      const listed = await eb.send(new ListEventBusesCommand({ NamePrefix: name }));
      expect(listed.EventBuses).toHaveLength(1);
      expect(listed.EventBuses?.[0]).toMatchObject({ Name: name, Description: 'test bus' });
      await expectError(
        eb.send(new CreateEventBusCommand({ Name: name })),
        'ResourceAlreadyExistsException',
        `Event bus ${name} already exists.`,
      );
      await eb.send(new DeleteEventBusCommand({ Name: name }));
      expect((await eb.send(new ListEventBusesCommand({ NamePrefix: name }))).EventBuses).toEqual([]);
      await expectError(
        eb.send(new DescribeEventBusCommand({ Name: name })),
        'ResourceNotFoundException',
        `Event bus ${name} does not exist.`,
      );
      await expectError(
        eb.send(new DeleteEventBusCommand({ Name: name })),
        'ResourceNotFoundException',
        `Event bus ${name} does not exist.`,
      );
    });

    it('pages ListEventBuses with Limit and NextToken', async () => {
      const prefix = `page-${uid()}`;
      for (let i = 0; i < 5; i++) await eb.send(new CreateEventBusCommand({ Name: `${prefix}-${i}` }));
      const first = await eb.send(new ListEventBusesCommand({ NamePrefix: prefix, Limit: 3 }));
      expect(first.EventBuses?.map((b) => b.Name)).toEqual([`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
      expect(first.NextToken).toBeTruthy();
      const second = await eb.send(
        new ListEventBusesCommand({ NamePrefix: prefix, Limit: 3, NextToken: first.NextToken }),
      );
      expect(second.EventBuses?.map((b) => b.Name)).toEqual([`${prefix}-3`, `${prefix}-4`]);
      expect(second.NextToken).toBeUndefined();
      await expectError(
        eb.send(new ListEventBusesCommand({ NextToken: 'garbage' })),
        'ValidationException',
        /NextToken/,
      );
      await expectError(eb.send(new ListEventBusesCommand({ Limit: 500 })), 'ValidationException', /limit/);
    });

    it('validates bus names', async () => {
      await expectError(
        eb.send(new CreateEventBusCommand({ Name: 'bad name!' })),
        'ValidationException',
        /failed to satisfy constraint: Member must satisfy regular expression pattern/,
      );
      await expectError(
        eb.send(new CreateEventBusCommand({ Name: 'a/b' })),
        'ValidationException',
        /not valid/,
      );
      await expectError(
        eb.send(new CreateEventBusCommand({ Name: '' })),
        'ValidationException',
        /must not be null/,
      );
      await expectError(
        eb.send(new CreateEventBusCommand({ Name: 'x'.repeat(257) })),
        'ValidationException',
        /length less than or equal to 256/,
      );
    });
  });

  describe('rules', () => {
    let bus: string;
    beforeAll(async () => {
      bus = `rules-${uid()}`;
      await eb.send(new CreateEventBusCommand({ Name: bus }));
    });

    it('puts rules on the default and a custom bus with the right ARNs', async () => {
      const name = `rule-${uid()}`;
      const onDefault = await eb.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
      expect(onDefault.RuleArn).toBe(`arn:aws:events:${region}:${account}:rule/${name}`);
      const onCustom = await eb.send(
        new PutRuleCommand({ Name: name, EventPattern: PATTERN, EventBusName: bus }),
      );
      expect(onCustom.RuleArn).toBe(`arn:aws:events:${region}:${account}:rule/${bus}/${name}`);
      const described = await eb.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }));
      expect(described).toMatchObject({
        Name: name,
        Arn: onCustom.RuleArn,
        EventPattern: PATTERN,
        State: 'ENABLED',
        EventBusName: bus,
        CreatedBy: account,
      });
      const byArn = await eb.send(
        new DescribeRuleCommand({
          Name: name,
          EventBusName: `arn:aws:events:${region}:${account}:event-bus/${bus}`,
        }),
      );
      expect(byArn.Arn).toBe(onCustom.RuleArn);
      expect((await eb.send(new DescribeRuleCommand({ Name: name }))).EventBusName).toBe('default');
      await eb.send(new DeleteRuleCommand({ Name: name }));
      await eb.send(new DeleteRuleCommand({ Name: name, EventBusName: bus }));
    });

    it('updates a rule in place and keeps its targets', async () => {
      const name = `upd-${uid()}`;
      const first = await eb.send(
        new PutRuleCommand({
          Name: name,
          EventPattern: PATTERN,
          Description: 'one',
          Tags: [{ Key: 'a', Value: '1' }],
        }),
      );
      await eb.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [{ Id: 't1', Arn: `arn:aws:sqs:${region}:${account}:q` }],
        }),
      );
      const pattern2 = JSON.stringify({ source: ['other'] });
      const second = await eb.send(
        new PutRuleCommand({
          Name: name,
          EventPattern: pattern2,
          State: 'DISABLED',
          Tags: [{ Key: 'b', Value: '2' }],
        }),
      );
      expect(second.RuleArn).toBe(first.RuleArn);
      const described = await eb.send(new DescribeRuleCommand({ Name: name }));
      expect(described).toMatchObject({ EventPattern: pattern2, State: 'DISABLED' });
      expect(described.Description).toBeUndefined();
      const targets = await eb.send(new ListTargetsByRuleCommand({ Rule: name }));
      expect(targets.Targets).toEqual([{ Id: 't1', Arn: `arn:aws:sqs:${region}:${account}:q` }]);
      const tags = await eb.send(new ListTagsForResourceCommand({ ResourceARN: first.RuleArn }));
      expect(tags.Tags).toEqual([
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ]);
      await expectError(
        eb.send(new DeleteRuleCommand({ Name: name })),
        'ValidationException',
        "Rule can't be deleted since it has targets.",
      );
      await eb.send(new RemoveTargetsCommand({ Rule: name, Ids: ['t1'] }));
      await eb.send(new DeleteRuleCommand({ Name: name }));
      await expectError(
        eb.send(new DescribeRuleCommand({ Name: name })),
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus default.`,
      );
      // Deleting a rule that does not exist succeeds.
      await eb.send(new DeleteRuleCommand({ Name: name }));
    });

    it('lists rules by prefix with paging', async () => {
      const prefix = `list-${uid()}`;
      for (let i = 0; i < 5; i++) {
        await eb.send(
          new PutRuleCommand({ Name: `${prefix}-${i}`, EventPattern: PATTERN, EventBusName: bus }),
        );
      }
      const first = await eb.send(new ListRulesCommand({ NamePrefix: prefix, EventBusName: bus, Limit: 3 }));
      expect(first.Rules?.map((r) => r.Name)).toEqual([`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
      expect(first.Rules?.[0]).toEqual({
        Name: `${prefix}-0`,
        Arn: `arn:aws:events:${region}:${account}:rule/${bus}/${prefix}-0`,
        EventPattern: PATTERN,
        State: 'ENABLED',
        EventBusName: bus,
      });
      const second = await eb.send(
        new ListRulesCommand({ NamePrefix: prefix, EventBusName: bus, Limit: 3, NextToken: first.NextToken }),
      );
      expect(second.Rules?.map((r) => r.Name)).toEqual([`${prefix}-3`, `${prefix}-4`]);
      expect(second.NextToken).toBeUndefined();
      expect((await eb.send(new ListRulesCommand({ NamePrefix: prefix }))).Rules).toEqual([]);
      await expectError(
        eb.send(new ListRulesCommand({ EventBusName: 'nope' })),
        'ResourceNotFoundException',
        'Event bus nope does not exist.',
      );
    });

    it('disables and enables a rule', async () => {
      const name = `state-${uid()}`;
      await eb.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN, EventBusName: bus }));
      await eb.send(new DisableRuleCommand({ Name: name, EventBusName: bus }));
      expect((await eb.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }))).State).toBe(
        'DISABLED',
      );
      await eb.send(new EnableRuleCommand({ Name: name, EventBusName: bus }));
      expect((await eb.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }))).State).toBe(
        'ENABLED',
      );
      await expectError(
        eb.send(new EnableRuleCommand({ Name: 'missing', EventBusName: bus })),
        'ResourceNotFoundException',
        `Rule missing does not exist on EventBus ${bus}.`,
      );
    });

    it('accepts schedule rules on the default bus only', async () => {
      const name = `sched-${uid()}`;
      await eb.send(new PutRuleCommand({ Name: name, ScheduleExpression: 'rate(5 minutes)' }));
      const described = await eb.send(new DescribeRuleCommand({ Name: name }));
      expect(described.ScheduleExpression).toBe('rate(5 minutes)');
      expect(described.EventPattern).toBeUndefined();
      await eb.send(
        new PutRuleCommand({
          Name: name,
          ScheduleExpression: 'cron(0 12 * * ? *)',
          RoleArn: 'arn:aws:iam::1:role/r',
        }),
      );
      expect((await eb.send(new DescribeRuleCommand({ Name: name }))).RoleArn).toBe('arn:aws:iam::1:role/r');
      await expectError(
        eb.send(new PutRuleCommand({ Name: name, ScheduleExpression: 'rate(5 minutes)', EventBusName: bus })),
        'ValidationException',
        'ScheduleExpression is supported only on the default event bus.',
      );
      await expectError(
        eb.send(new PutRuleCommand({ Name: name, ScheduleExpression: 'every day' })),
        'ValidationException',
        'Parameter ScheduleExpression is not valid.',
      );
    });

    it('validates PutRule input', async () => {
      await expectError(
        eb.send(new PutRuleCommand({ Name: 'no-pattern' })),
        'ValidationException',
        'Parameter(s) EventPattern or ScheduleExpression must be specified.',
      );
      await expectError(
        eb.send(new PutRuleCommand({ Name: '!@#', EventPattern: PATTERN })),
        'ValidationException',
        "1 validation error detected: Value '!@#' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
      );
      await expectError(
        eb.send(new PutRuleCommand({ Name: 'x', EventPattern: PATTERN, State: 'ON' as never })),
        'ValidationException',
        /enum value set/,
      );
      await expectError(
        eb.send(new PutRuleCommand({ Name: 'x', EventPattern: PATTERN, EventBusName: 'nope' })),
        'ResourceNotFoundException',
        'Event bus nope does not exist.',
      );
      await expectError(
        eb.send(new PutRuleCommand({ Name: 'x', EventPattern: '{"int": 42}' })),
        'InvalidEventPatternException',
        /^Event pattern is not valid\. Reason: /,
      );
    });

    it('answers TestEventPattern', async () => {
      const event = JSON.stringify({
        id: '1',
        account,
        source: 'my.app',
        time: '2024-01-01T00:00:00Z',
        region,
        resources: [],
        'detail-type': 'Thing',
        detail: {},
      });
      expect(
        (await eb.send(new TestEventPatternCommand({ EventPattern: PATTERN, Event: event }))).Result,
      ).toBe(true);
      const other = JSON.stringify({ ...JSON.parse(event), source: 'x' });
      expect(
        (await eb.send(new TestEventPatternCommand({ EventPattern: PATTERN, Event: other }))).Result,
      ).toBe(false);
      await expectError(
        eb.send(new TestEventPatternCommand({ EventPattern: '{"int": 42}', Event: event })),
        'InvalidEventPatternException',
        /^Event pattern is not valid\. Reason: /,
      );
      await expectError(
        eb.send(new TestEventPatternCommand({ EventPattern: PATTERN, Event: '{"source":"x"}' })),
        'ValidationException',
        'Parameter Event is not valid.',
      );
      await expectError(
        eb.send(new TestEventPatternCommand({ EventPattern: PATTERN, Event: 'nope' })),
        'ValidationException',
        'Parameter Event is not valid.',
      );
    });
  });

  describe('targets', () => {
    const rule = `targets-${uid()}`;
    let queueArn: string;
    beforeAll(async () => {
      queueArn = `arn:aws:sqs:${region}:${account}:q-${uid()}`;
      await eb.send(new PutRuleCommand({ Name: rule, EventPattern: PATTERN }));
    });

    it('puts, lists (paged) and removes targets', async () => {
      const put = await eb.send(
        new PutTargetsCommand({
          Rule: rule,
          Targets: [
            { Id: 't0', Arn: queueArn },
            { Id: 't1', Arn: queueArn, Input: '{"a":1}' },
            { Id: 't2', Arn: queueArn, InputPath: '$.detail' },
            {
              Id: 't3',
              Arn: `arn:aws:lambda:${region}:${account}:function:f`,
              InputTransformer: { InputPathsMap: { s: '$.source' }, InputTemplate: '"<s>"' },
            },
          ],
        }),
      );
      expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
      const first = await eb.send(new ListTargetsByRuleCommand({ Rule: rule, Limit: 3 }));
      expect(first.Targets?.map((t) => t.Id)).toEqual(['t0', 't1', 't2']);
      expect(first.Targets?.[1]).toEqual({ Id: 't1', Arn: queueArn, Input: '{"a":1}' });
      const second = await eb.send(
        new ListTargetsByRuleCommand({ Rule: rule, Limit: 3, NextToken: first.NextToken }),
      );
      expect(second.Targets).toEqual([
        {
          Id: 't3',
          Arn: `arn:aws:lambda:${region}:${account}:function:f`,
          InputTransformer: { InputPathsMap: { s: '$.source' }, InputTemplate: '"<s>"' },
        },
      ]);
      const names = await eb.send(new ListRuleNamesByTargetCommand({ TargetArn: queueArn }));
      expect(names.RuleNames).toEqual([rule]);
      await expectError(eb.send(new ListRuleNamesByTargetCommand({ TargetArn: '' })), 'ValidationException');
      // Re-putting an id replaces the target.
      await eb.send(
        new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 't0', Arn: queueArn, InputPath: '$.x' }] }),
      );
      const after = await eb.send(new ListTargetsByRuleCommand({ Rule: rule }));
      expect(after.Targets?.[0]).toEqual({ Id: 't0', Arn: queueArn, InputPath: '$.x' });
      const removed = await eb.send(
        new RemoveTargetsCommand({ Rule: rule, Ids: ['t0', 't1', 't2', 't3', 'nope'] }),
      );
      expect(removed).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
      expect((await eb.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets).toEqual([]);
      await expectError(eb.send(new RemoveTargetsCommand({ Rule: rule, Ids: [] })), 'ValidationException');
    });

    it('reports per-entry failures and puts the other entries', async () => {
      const res = await eb.send(
        new PutTargetsCommand({
          Rule: rule,
          Targets: [
            { Id: 'ok', Arn: queueArn },
            { Id: 'bad-arn', Arn: 'not-an-arn' },
            { Id: 'bad-kind', Arn: `arn:aws:s3:::bucket-${uid()}:x` },
            { Id: 'bad-input', Arn: queueArn, Input: '{not json' },
            { Id: 'bad-path', Arn: queueArn, InputPath: 'detail' },
            {
              Id: 'bad-map',
              Arn: queueArn,
              InputTransformer: { InputPathsMap: { a: 'nope' }, InputTemplate: '"<a>"' },
            },
            {
              Id: 'reserved',
              Arn: queueArn,
              InputTransformer: { InputPathsMap: { 'aws.x': '$.id' }, InputTemplate: '"x"' },
            },
          ],
        }),
      );
      expect(res.FailedEntryCount).toBe(6);
      expect(res.FailedEntries?.map((f) => f.TargetId)).toEqual([
        'bad-arn',
        'bad-kind',
        'bad-input',
        'bad-path',
        'bad-map',
        'reserved',
      ]);
      for (const f of res.FailedEntries ?? []) {
        expect(f.ErrorCode).toBe('ValidationException');
        expect(f.ErrorMessage).toBeTruthy();
      }
      expect((await eb.send(new ListTargetsByRuleCommand({ Rule: rule }))).Targets?.map((t) => t.Id)).toEqual(
        ['ok'],
      );
      await eb.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['ok'] }));
    });

    it('rejects invalid requests as a whole', async () => {
      await expectError(
        eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: '!@#$@!#$', Arn: queueArn }] })),
        'ValidationException',
        "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
      );
      await expectError(
        eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'x'.repeat(65), Arn: queueArn }] })),
        'ValidationException',
        /Member must have length less than or equal to 64/,
      );
      await expectError(
        eb.send(
          new PutTargetsCommand({
            Rule: rule,
            Targets: [{ Id: 'both', Arn: queueArn, InputPath: '$.detail', Input: '{}' }],
          }),
        ),
        'ValidationException',
        'Only one of Input, InputPath, or InputTransformer must be provided for target both.',
      );
      await expectError(
        eb.send(
          new PutTargetsCommand({
            Rule: rule,
            Targets: [
              {
                Id: 'tpl',
                Arn: queueArn,
                InputTransformer: {
                  InputPathsMap: { 'detail-type': '$.detail-type' },
                  InputTemplate: '"Event of <detail-type> type, with not defined key <notdefinedkey>"',
                },
              },
            ],
          }),
        ),
        'ValidationException',
        'InputTemplate for target tpl contains invalid placeholder notdefinedkey.',
      );
      await expectError(
        eb.send(
          new PutTargetsCommand({
            Rule: rule,
            Targets: [{ Id: 'tpl', Arn: queueArn, InputTransformer: { InputTemplate: undefined } }],
          }),
        ),
        'ValidationException',
        /inputTemplate/,
      );
      await expectError(eb.send(new PutTargetsCommand({ Rule: rule, Targets: [] })), 'ValidationException');
      await expectError(
        eb.send(
          new PutTargetsCommand({
            Rule: rule,
            Targets: Array.from({ length: 11 }, (_, i) => ({ Id: `t${i}`, Arn: queueArn })),
          }),
        ),
        'ValidationException',
        /less than or equal to 10/,
      );
      await expectError(
        eb.send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'a', Arn: queueArn }] })),
        'ResourceNotFoundException',
        'Rule missing does not exist on EventBus default.',
      );
      await expectError(
        eb.send(new ListTargetsByRuleCommand({ Rule: 'missing' })),
        'ResourceNotFoundException',
        'Rule missing does not exist on EventBus default.',
      );
    });

    it('allows at most five targets per rule', async () => {
      const name = `five-${uid()}`;
      await eb.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
      const five = Array.from({ length: 5 }, (_, i) => ({ Id: `t${i}`, Arn: queueArn }));
      expect((await eb.send(new PutTargetsCommand({ Rule: name, Targets: five }))).FailedEntryCount).toBe(0);
      await expectError(
        eb.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 't5', Arn: queueArn }] })),
        'LimitExceededException',
        'The requested resource exceeds the maximum number allowed.',
      );
      // Replacing an existing one is fine.
      expect(
        (await eb.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 't4', Arn: queueArn }] })))
          .FailedEntryCount,
      ).toBe(0);
    });
  });

  describe('tags', () => {
    it('tags, lists and untags buses and rules', async () => {
      const bus = `tagbus-${uid()}`;
      const created = await eb.send(
        new CreateEventBusCommand({ Name: bus, Tags: [{ Key: 'tag1', Value: 'value1' }] }),
      );
      const busArn = created.EventBusArn as string;
      const { RuleArn } = await eb.send(
        new PutRuleCommand({ Name: 'r', EventPattern: PATTERN, EventBusName: bus }),
      );
      const defaultArn = `arn:aws:events:${region}:${account}:event-bus/default`;
      for (const arn of [busArn, RuleArn as string, defaultArn]) {
        await eb.send(
          new TagResourceCommand({
            ResourceARN: arn,
            Tags: [
              { Key: 'tag1', Value: 'value1' },
              { Key: 'tag2', Value: 'value2' },
            ],
          }),
        );
        expect((await eb.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
          { Key: 'tag1', Value: 'value1' },
          { Key: 'tag2', Value: 'value2' },
        ]);
        await eb.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['tag2', 'not-there'] }));
        expect((await eb.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
          { Key: 'tag1', Value: 'value1' },
        ]);
      }
      await eb.send(new UntagResourceCommand({ ResourceARN: defaultArn, TagKeys: ['tag1'] }));
      // A rule deleted and created again has no tags.
      await eb.send(new DeleteRuleCommand({ Name: 'r', EventBusName: bus }));
      await expectError(
        eb.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn })),
        'ResourceNotFoundException',
        `Rule r does not exist on EventBus ${bus}.`,
      );
      await eb.send(new PutRuleCommand({ Name: 'r', EventPattern: PATTERN, EventBusName: bus }));
      expect((await eb.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))).Tags).toEqual([]);
      await eb.send(new DeleteRuleCommand({ Name: 'r', EventBusName: bus }));
      await eb.send(new DeleteEventBusCommand({ Name: bus }));
      await expectError(
        eb.send(new ListTagsForResourceCommand({ ResourceARN: busArn })),
        'ResourceNotFoundException',
        `Event bus ${bus} does not exist.`,
      );
    });

    it('reports resources that do not exist', async () => {
      const ruleArn = `arn:aws:events:${region}:${account}:rule/nope`;
      const busArn = `arn:aws:events:${region}:${account}:event-bus/nope`;
      await expectError(
        eb.send(new TagResourceCommand({ ResourceARN: ruleArn, Tags: [{ Key: 'a', Value: 'b' }] })),
        'ResourceNotFoundException',
        'Rule nope does not exist on EventBus default.',
      );
      await expectError(
        eb.send(new UntagResourceCommand({ ResourceARN: ruleArn, TagKeys: ['a'] })),
        'ResourceNotFoundException',
        'Rule nope does not exist on EventBus default.',
      );
      await expectError(
        eb.send(new ListTagsForResourceCommand({ ResourceARN: busArn })),
        'ResourceNotFoundException',
        'Event bus nope does not exist.',
      );
      await expectError(
        eb.send(
          new ListTagsForResourceCommand({ ResourceARN: `arn:aws:events:${region}:${account}:rule/nobus/r` }),
        ),
        'ResourceNotFoundException',
        'Event bus nobus does not exist.',
      );
      await expectError(
        eb.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:sqs:us-east-1:1:q' })),
        'ValidationException',
      );
      await expectError(
        eb.send(
          new TagResourceCommand({
            ResourceARN: busArn.replace('nope', 'default'),
            Tags: [{ Key: '', Value: 'b' }],
          }),
        ),
        'ValidationException',
      );
    });
  });

  describe('PutEvents', () => {
    const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
      Source: 'my.app',
      DetailType: 'Thing',
      Detail: '{"a":1}',
      ...overrides,
    });

    it('returns an EventId per accepted entry and per-entry errors in order', async () => {
      const res = await eb.send(
        new PutEventsCommand({
          Entries: [
            entry(),
            entry({ Source: undefined }),
            entry({ DetailType: undefined }),
            entry({ Detail: undefined }),
            entry({ Detail: '"a string"' }),
            entry({ Detail: '[1,2]' }),
            entry({ Detail: '{"bad json' }),
            entry({ Detail: '"{\\"a\\":1}"' }),
            entry({
              EventBusName: 'no-such-bus',
              Time: new Date('2024-01-01T00:00:00Z'),
              Resources: ['arn:x'],
            }),
          ],
        }),
      );
      expect(res.FailedEntryCount).toBe(7);
      const entries = res.Entries ?? [];
      expect(entries[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(entries.slice(1, 4)).toEqual([
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
        },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
        },
      ]);
      for (const e of entries.slice(4, 8)) {
        expect(e).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
      }
      // An unknown bus is accepted (and the event dropped), as AWS does.
      expect(entries[8]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('validates the request as a whole', async () => {
      await expectError(
        eb.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
        'ValidationException',
        /^1 validation error detected: Value '\[PutEventsRequestEntry\(time=null, source=my\.app, resources=null, detailType=Thing, detail=\{"a":1\}, eventBusName=null, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null\), .*\]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/,
      );
      await expectError(
        eb.send(new PutEventsCommand({ Entries: [] })),
        'ValidationException',
        "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
      await expectError(
        eb.send(new PutEventsCommand({ Entries: undefined })),
        'ValidationException',
        /must not be null/,
      );
      const big = JSON.stringify({ data: 'x'.repeat(256 * 1024) });
      await expectError(
        eb.send(new PutEventsCommand({ Entries: [entry({ Detail: big })] })),
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
      const half = JSON.stringify({ data: 'x'.repeat(130 * 1024) });
      await expectError(
        eb.send(
          new PutEventsCommand({
            Entries: [entry({ Detail: half, Resources: ['r'] }), entry({ Detail: half, Time: new Date() })],
          }),
        ),
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    });
  });
});
