import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { cloudformation } from '../../src/local/services/cloudformation/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const handle = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
const json = (template: unknown) => JSON.stringify(template);

describe('local CloudFormation lifecycle', () => {
  let aws: TestAws;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  const status = async (stack: string) =>
    (await cfn.send(new DescribeStacksCommand({ StackName: stack }))).Stacks?.[0];
  const events = async (stack: string) =>
    ((await cfn.send(new DescribeStackEventsCommand({ StackName: stack }))).StackEvents ?? [])
      .map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`)
      .reverse();
  const outputs = async (stack: string) =>
    Object.fromEntries(((await status(stack))?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const queueExists = async (url: string) => {
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    return (QueueUrls ?? []).includes(url);
  };

  beforeAll(async () => {
    aws = await startTestAws();
    cfn = new CloudFormationClient(aws.clientConfig);
    sqs = new SQSClient(aws.clientConfig);
  });
  afterEach(() => aws.local?.faults.clear());
  afterAll(async () => {
    cfn.destroy();
    sqs.destroy();
    await aws.close();
  });

  it('fails a resource whose service the emulator does not serve', async () => {
    const emulator = new Emulator([cloudformation]);
    try {
      const invoke = (op: string, input: Record<string, unknown>) =>
        emulator.invoke('cloudformation', op, input, { region: 'us-east-1' });
      await invoke('CreateStack', {
        StackName: 'solo',
        TemplateBody: json({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }),
      });
      const out = (await invoke('DescribeStackEvents', { StackName: 'solo' })) as {
        StackEvents: { ResourceStatus: string; ResourceStatusReason?: string }[];
      };
      expect(out.StackEvents.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toBe(
        "Resource type AWS::SQS::Queue needs the emulator's sqs service, which this emulator does not serve.",
      );
      const stacks = (await invoke('DescribeStacks', { StackName: 'solo' })) as {
        Stacks: { StackStatus: string }[];
      };
      expect(stacks.Stacks[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');
    } finally {
      emulator.close();
    }
  });

  it('OnFailure DELETE deletes the stack after the rollback', async () => {
    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: 'ondelete',
        OnFailure: 'DELETE',
        TemplateBody: json({ Resources: { H: handle, Bad: { Type: 'Custom::Nope' } } }),
      }),
    );
    await expect(status('ondelete')).rejects.toMatchObject({ name: 'ValidationError' });
    expect((await status(StackId as string))?.StackStatus).toBe('DELETE_COMPLETE');
    expect(await events(StackId as string)).toEqual([
      'ondelete:CREATE_IN_PROGRESS',
      'H:CREATE_IN_PROGRESS',
      'H:CREATE_IN_PROGRESS',
      'H:CREATE_COMPLETE',
      'Bad:CREATE_FAILED',
      'ondelete:ROLLBACK_IN_PROGRESS',
      'Bad:DELETE_COMPLETE',
      'H:DELETE_IN_PROGRESS',
      'H:DELETE_COMPLETE',
      'ondelete:ROLLBACK_COMPLETE',
      'ondelete:DELETE_IN_PROGRESS',
      'ondelete:DELETE_COMPLETE',
    ]);
    await expect(
      cfn.send(
        new CreateStackCommand({
          StackName: 'x',
          TemplateBody: '{}',
          DisableRollback: true,
          OnFailure: 'DELETE',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'You cannot specify both DisableRollback and OnFailure.',
    });
  });

  it.skipIf(emulatorOnly)('ends in ROLLBACK_FAILED when the rollback cannot delete a resource', async () => {
    aws.local?.faults.set({
      faults: [{ service: 'sqs', operation: 'DeleteQueue', error: 'InternalError', times: 1 }],
    });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'rbfail',
        TemplateBody: json({
          Resources: { Q: { Type: 'AWS::SQS::Queue' }, Bad: { Type: 'Custom::Nope', DependsOn: 'Q' } },
        }),
      }),
    );
    const stack = await status('rbfail');
    expect(stack?.StackStatus).toBe('ROLLBACK_FAILED');
    expect(stack?.StackStatusReason).toBe('The following resource(s) failed to create: [Bad]. ');
    const { StackResourceDetail } = await cfn.send(
      new DescribeStackResourceCommand({ StackName: 'rbfail', LogicalResourceId: 'Q' }),
    );
    expect(StackResourceDetail?.ResourceStatus).toBe('DELETE_FAILED');
    expect(StackResourceDetail?.ResourceStatusReason).toBe(
      'Resource handler returned message: "Injected fault: InternalError on sqs:DeleteQueue" (HandlerErrorCode: InternalError)',
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'rbfail' }));
    await expect(status('rbfail')).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it.skipIf(emulatorOnly)(
    'DELETE_FAILED, then RetainResources and DeletionPolicy Retain keep resources',
    async () => {
      await cfn.send(
        new CreateStackCommand({
          StackName: 'keep',
          TemplateBody: json({
            Resources: {
              Q: { Type: 'AWS::SQS::Queue' },
              Kept: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain' },
            },
            Outputs: { Q: { Value: { Ref: 'Q' } }, Kept: { Value: { Ref: 'Kept' } } },
          }),
        }),
      );
      const out = await outputs('keep');
      aws.local?.faults.set({
        faults: [{ service: 'sqs', operation: 'DeleteQueue', error: 'InternalError', times: 1 }],
      });
      await cfn.send(new DeleteStackCommand({ StackName: 'keep' }));
      expect(await status('keep')).toMatchObject({
        StackStatus: 'DELETE_FAILED',
        StackStatusReason: 'The following resource(s) failed to delete: [Q]. ',
      });
      await cfn.send(new DeleteStackCommand({ StackName: 'keep', RetainResources: ['Q'] }));
      await expect(status('keep')).rejects.toMatchObject({ name: 'ValidationError' });
      expect(await queueExists(out.Q as string)).toBe(true);
      expect(await queueExists(out.Kept as string)).toBe(true);
    },
  );

  it('replaces a resource whose replacement property changed, and refuses to replace custom names', async () => {
    const template = (fifo: boolean, named: string | undefined, typeOfH = handle) =>
      json({
        Resources: {
          Q: {
            Type: 'AWS::SQS::Queue',
            Properties: { FifoQueue: fifo, ...(named ? { QueueName: named } : {}) },
          },
          H: typeOfH,
        },
        Outputs: { Q: { Value: { Ref: 'Q' } }, H: { Value: { Ref: 'H' } } },
      });
    await cfn.send(new CreateStackCommand({ StackName: 'repl', TemplateBody: template(false, undefined) }));
    const before = await outputs('repl');
    await cfn.send(new UpdateStackCommand({ StackName: 'repl', TemplateBody: template(true, undefined) }));
    const after = await outputs('repl');
    expect((await status('repl'))?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(after.Q).toMatch(/\/repl-Q-[A-Z0-9]{13}\.fifo$/);
    expect(await queueExists(before.Q as string)).toBe(false);
    expect(await queueExists(after.Q as string)).toBe(true);
    const log = await events('repl');
    expect(log.slice(-6)).toEqual([
      'Q:UPDATE_IN_PROGRESS',
      'Q:UPDATE_COMPLETE',
      'repl:UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'Q:DELETE_IN_PROGRESS',
      'Q:DELETE_COMPLETE',
      'repl:UPDATE_COMPLETE',
    ]);

    // A type change replaces too.
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'repl',
        TemplateBody: template(true, undefined, { Type: 'AWS::SQS::Queue' } as typeof handle),
      }),
    );
    expect((await outputs('repl')).H).toMatch(/\/repl-H-/);

    // A new custom name replaces the resource: the new one is created, references follow it,
    // and the old one is deleted at cleanup.
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'repl',
        TemplateBody: template(true, 'named.fifo', { Type: 'AWS::SQS::Queue' } as typeof handle),
      }),
    );
    expect((await status('repl'))?.StackStatus).toBe('UPDATE_COMPLETE');
    const renamed = await outputs('repl');
    expect(renamed.Q).toMatch(/\/named\.fifo$/);
    expect(await queueExists(after.Q as string)).toBe(false);

    // A replacement that keeps the custom name cannot be done: the update rolls back.
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'repl',
        TemplateBody: template(false, 'named.fifo', { Type: 'AWS::SQS::Queue' } as typeof handle),
      }),
    );
    const stack = await status('repl');
    expect(stack?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const failed = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'repl' }))).StackEvents?.find(
      (e) => e.ResourceStatus === 'UPDATE_FAILED',
    );
    expect(failed?.ResourceStatusReason).toBe(
      'CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename named.fifo and update the stack again.',
    );
    expect((await outputs('repl')).Q).toBe(renamed.Q);
    expect(await queueExists(renamed.Q as string)).toBe(true);
    await cfn.send(new DeleteStackCommand({ StackName: 'repl' }));
  });

  it.skipIf(emulatorOnly)(
    'rolls back an update: restores changed resources, deletes created ones',
    async () => {
      const template = (timeout: number, extra: Record<string, unknown> = {}) =>
        json({
          Resources: {
            ...extra,
            Q: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: timeout } },
          },
          Outputs: { Q: { Value: { Ref: 'Q' } } },
        });
      await cfn.send(new CreateStackCommand({ StackName: 'urb', TemplateBody: template(10) }));
      const { Q } = await outputs('urb');
      aws.local?.faults.set({
        faults: [{ service: 'sqs', operation: 'SetQueueAttributes', error: 'InternalError', times: 1 }],
      });
      await cfn.send(
        new UpdateStackCommand({
          StackName: 'urb',
          TemplateBody: template(20, { New: { Type: 'AWS::SQS::Queue' } }),
        }),
      );
      expect(await status('urb')).toMatchObject({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' });
      const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: 'urb' }));
      expect(StackResourceSummaries?.map((r) => r.LogicalResourceId)).toEqual(['Q']);
      const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'urb-New' }));
      expect(QueueUrls ?? []).toEqual([]);
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: Q, AttributeNames: ['VisibilityTimeout'] }),
      );
      expect(attrs.Attributes?.VisibilityTimeout).toBe('10');
      const log = await events('urb');
      expect(log.slice(log.indexOf('urb:UPDATE_ROLLBACK_IN_PROGRESS'))).toEqual([
        'urb:UPDATE_ROLLBACK_IN_PROGRESS',
        'Q:UPDATE_IN_PROGRESS',
        'Q:UPDATE_COMPLETE',
        'urb:UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
        'New:DELETE_IN_PROGRESS',
        'New:DELETE_COMPLETE',
        'urb:UPDATE_ROLLBACK_COMPLETE',
      ]);
      // The stack can be updated again after a rollback; an evaluation failure also rolls back.
      await cfn.send(
        new UpdateStackCommand({
          StackName: 'urb',
          TemplateBody: json({
            Resources: {
              Q: {
                Type: 'AWS::SQS::Queue',
                Properties: { VisibilityTimeout: { 'Fn::ImportValue': 'nope' } },
              },
            },
          }),
        }),
      );
      const stack = await status('urb');
      expect(stack?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
      const failed = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'urb' }))).StackEvents?.find(
        (e) => e.ResourceStatus === 'UPDATE_FAILED',
      );
      expect(failed?.ResourceStatusReason).toBe('No export named nope found.');
      await cfn.send(new DeleteStackCommand({ StackName: 'urb' }));
    },
  );

  it('with DisableRollback, a failed update stays UPDATE_FAILED and can be updated again', async () => {
    const body = (extra: Record<string, unknown>) => json({ Resources: { H: handle, ...extra } });
    await cfn.send(new CreateStackCommand({ StackName: 'norb', TemplateBody: body({}) }));
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'norb',
        DisableRollback: true,
        TemplateBody: body({ H2: handle, Bad: { Type: 'Custom::Nope', DependsOn: 'H2' } }),
      }),
    );
    expect(await status('norb')).toMatchObject({
      StackStatus: 'UPDATE_FAILED',
      StackStatusReason: 'The following resource(s) failed to create: [Bad]. ',
    });
    const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: 'norb' }));
    expect(StackResourceSummaries?.map((r) => `${r.LogicalResourceId}:${r.ResourceStatus}`)).toEqual([
      'H:CREATE_COMPLETE',
      'H2:CREATE_COMPLETE',
      'Bad:CREATE_FAILED',
    ]);
    await cfn.send(new UpdateStackCommand({ StackName: 'norb', TemplateBody: body({ H2: handle }) }));
    expect((await status('norb'))?.StackStatus).toBe('UPDATE_COMPLETE');
    const after = await cfn.send(new ListStackResourcesCommand({ StackName: 'norb' }));
    expect(after.StackResourceSummaries?.map((r) => r.LogicalResourceId)).toEqual(['H', 'H2']);
    await cfn.send(new DeleteStackCommand({ StackName: 'norb' }));
  });

  it('refuses to change or remove an export that another stack imports', async () => {
    const exporter = (value: string, exported = true) =>
      json({
        Resources: { H: handle },
        Outputs: { O: { Value: value, ...(exported ? { Export: { Name: 'in-use' } } : {}) } },
      });
    await cfn.send(new CreateStackCommand({ StackName: 'exp', TemplateBody: exporter('v1') }));
    await cfn.send(
      new CreateStackCommand({
        StackName: 'imp',
        TemplateBody: json({
          Resources: { H: handle },
          Outputs: { I: { Value: { 'Fn::ImportValue': 'in-use' } } },
        }),
      }),
    );
    for (const [body, reason] of [
      [exporter('v2'), 'Cannot update export in-use as it is in use by imp'],
      [exporter('v1', false), 'Cannot delete export in-use as it is in use by imp'],
    ] as const) {
      await cfn.send(new UpdateStackCommand({ StackName: 'exp', TemplateBody: body }));
      const stack = await status('exp');
      expect(stack?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
      const log = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'exp' }))).StackEvents ?? [];
      expect(log.find((e) => e.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')?.ResourceStatusReason).toBe(
        reason,
      );
    }
    await cfn.send(new DeleteStackCommand({ StackName: 'imp' }));
    await cfn.send(new UpdateStackCommand({ StackName: 'exp', TemplateBody: exporter('v3') }));
    expect((await status('exp'))?.StackStatus).toBe('UPDATE_COMPLETE');
    await cfn.send(new DeleteStackCommand({ StackName: 'exp' }));
  });

  it('updates rules (pattern, removed targets), queue policies, topics and subscriptions in place', async () => {
    const template = (v: 1 | 2) =>
      json({
        Resources: {
          Q1: { Type: 'AWS::SQS::Queue' },
          Q2: { Type: 'AWS::SQS::Queue' },
          Policy: {
            Type: 'AWS::SQS::QueuePolicy',
            Properties: {
              Queues: v === 1 ? [{ Ref: 'Q1' }, { Ref: 'Q2' }] : [{ Ref: 'Q1' }],
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sqs:*' }],
              },
            },
          },
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventPattern: JSON.stringify({ source: [v === 1 ? 'one' : 'two'] }),
              State: v === 1 ? 'ENABLED' : 'DISABLED',
              Targets:
                v === 1
                  ? [
                      { Id: 'A', Arn: { 'Fn::GetAtt': ['Q1', 'Arn'] } },
                      { Id: 'B', Arn: { 'Fn::GetAtt': ['Q2', 'Arn'] }, Input: '{"x":1}' },
                    ]
                  : [{ Id: 'A', Arn: { 'Fn::GetAtt': ['Q1', 'Arn'] }, InputPath: '$.detail' }],
            },
          },
          Topic: {
            Type: 'AWS::SNS::Topic',
            Properties: v === 1 ? { DisplayName: 'shown' } : {},
          },
          Sub: {
            Type: 'AWS::SNS::Subscription',
            Properties: {
              TopicArn: { Ref: 'Topic' },
              Protocol: 'sqs',
              Endpoint: { 'Fn::GetAtt': ['Q2', 'Arn'] },
              ...(v === 1 ? { RawMessageDelivery: 'true' } : {}),
            },
          },
        },
        Outputs: {
          Q1: { Value: { Ref: 'Q1' } },
          Q2: { Value: { Ref: 'Q2' } },
          Rule: { Value: { Ref: 'Rule' } },
          Topic: { Value: { Ref: 'Topic' } },
          Sub: { Value: { Ref: 'Sub' } },
        },
      });
    await cfn.send(new CreateStackCommand({ StackName: 'inplace', TemplateBody: template(1) }));
    const out = await outputs('inplace');
    expect(out.Rule).not.toContain('|');
    await cfn.send(new UpdateStackCommand({ StackName: 'inplace', TemplateBody: template(2) }));
    expect((await status('inplace'))?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(await outputs('inplace')).toEqual(out);

    const eb = new EventBridgeClient(aws.clientConfig);
    const sns = new SNSClient(aws.clientConfig);
    try {
      const rule = await eb.send(new DescribeRuleCommand({ Name: out.Rule }));
      expect(rule).toMatchObject({ EventPattern: '{"source":["two"]}', State: 'DISABLED' });
      const targets = await eb.send(new ListTargetsByRuleCommand({ Rule: out.Rule }));
      expect(targets.Targets).toEqual([expect.objectContaining({ Id: 'A', InputPath: '$.detail' })]);
      const q1 = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: out.Q1, AttributeNames: ['Policy'] }),
      );
      expect(q1.Attributes?.Policy).toContain('sqs:*');
      const q2 = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: out.Q2, AttributeNames: ['Policy'] }),
      );
      expect(q2.Attributes?.Policy ?? '').toBe('');
      const topic = await sns.send(new GetTopicAttributesCommand({ TopicArn: out.Topic }));
      expect(topic.Attributes?.DisplayName ?? '').toBe('');
      const sub = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: out.Sub }));
      expect(sub.Attributes?.RawMessageDelivery).toBe('false');
    } finally {
      eb.destroy();
      sns.destroy();
    }
    await cfn.send(new DeleteStackCommand({ StackName: 'inplace' }));
    expect(await queueExists(out.Q1 as string)).toBe(false);
  });

  it.skipIf(emulatorOnly)(
    'serializes operations on a stack: an update during a create is refused, a delete waits',
    async () => {
      aws.local?.faults.set({ operationLatencyMs: { 'sqs:CreateQueue': 400 } });
      const body = json({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } });
      const creating = cfn.send(new CreateStackCommand({ StackName: 'busy', TemplateBody: body }));
      // Wait until the stack exists (its create is then held up by the latency on CreateQueue).
      let current: string | undefined;
      for (let i = 0; i < 200 && current === undefined; i += 1) {
        current = (await status('busy').catch(() => undefined))?.StackStatus;
        if (current === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(current).toBe('CREATE_IN_PROGRESS');
      await expect(
        cfn.send(new UpdateStackCommand({ StackName: 'busy', TemplateBody: body.replace('Q', 'R') })),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/is in CREATE_IN_PROGRESS state and can not be updated/),
      });
      const deleting = cfn.send(new DeleteStackCommand({ StackName: 'busy' }));
      await creating;
      await deleting;
      await expect(status('busy')).rejects.toMatchObject({ name: 'ValidationError' });
    },
  );

  it('pages stack events and lists stacks', async () => {
    const resources = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`H${i}`, handle]));
    await cfn.send(
      new CreateStackCommand({ StackName: 'many', TemplateBody: json({ Resources: resources }) }),
    );
    const first = await cfn.send(new DescribeStackEventsCommand({ StackName: 'many' }));
    expect(first.StackEvents).toHaveLength(100);
    const second = await cfn.send(
      new DescribeStackEventsCommand({ StackName: 'many', NextToken: first.NextToken }),
    );
    expect(second.StackEvents).toHaveLength(22);
    expect(second.NextToken).toBeUndefined();
    expect(second.StackEvents?.at(-1)?.ResourceStatus).toBe('CREATE_IN_PROGRESS');
    await expect(
      cfn.send(new DescribeStackEventsCommand({ StackName: 'many', NextToken: 'bogus' })),
    ).rejects.toMatchObject({ name: 'ValidationError', message: 'Invalid NextToken' });
    const all = await cfn.send(new DescribeStacksCommand({}));
    expect(all.Stacks?.map((s) => s.StackName)).toContain('many');
    await cfn.send(new DeleteStackCommand({ StackName: 'many' }));
  });

  it('deploys Kinesis on-demand streams and skips resources whose condition is false', async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: 'ondemand',
        TemplateBody: json({
          Parameters: { Make: { Type: 'String', Default: 'no' } },
          Conditions: { Make: { 'Fn::Equals': [{ Ref: 'Make' }, 'yes'] } },
          Resources: {
            S: {
              Type: 'AWS::Kinesis::Stream',
              Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
            },
            Maybe: { Type: 'AWS::SQS::Queue', Condition: 'Make' },
          },
          Outputs: {
            S: { Value: { Ref: 'S' } },
            M: { Value: { 'Fn::If': ['Make', { Ref: 'Maybe' }, 'none'] } },
          },
        }),
      }),
    );
    expect(await outputs('ondemand')).toEqual({ S: expect.stringMatching(/^ondemand-S-/), M: 'none' });
    const { StackResourceSummaries } = await cfn.send(
      new ListStackResourcesCommand({ StackName: 'ondemand' }),
    );
    expect(StackResourceSummaries?.map((r) => r.LogicalResourceId)).toEqual(['S']);
    await cfn.send(new DeleteStackCommand({ StackName: 'ondemand' }));
  });
});
