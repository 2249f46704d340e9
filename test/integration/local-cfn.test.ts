import {
  AlreadyExistsException,
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListExportsCommand,
  ListImportsCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
  ValidateTemplateCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const ORDER_TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Description: order flow
Parameters:
  Env:
    Type: String
    Default: test
    AllowedValues: [test, prod]
  Secret:
    Type: String
    NoEcho: true
    Default: hush
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 45
      Tags:
        - Key: env
          Value: !Ref Env
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: events.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
            Condition:
              ArnEquals:
                aws:SourceArn: !GetAtt [Rule, Arn]
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub '\${AWS::StackName}-bus'
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern:
        source: [orders]
        detail-type: [OrderPlaced]
      Targets:
        - Id: Target0
          Arn: !GetAtt Queue.Arn
          InputTransformer:
            InputPathsMap:
              id: $.detail.orderId
            InputTemplate: '{"order": <id>}'
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
Outputs:
  QueueUrl:
    Value: !Ref Queue
    Export:
      Name: !Sub '\${AWS::StackName}-QueueUrl'
  QueueArn:
    Value: !GetAtt Queue.Arn
  BusName:
    Value: !Ref Bus
    Export:
      Name: !Join ['-', [!Ref 'AWS::StackName', BusName]]
  RuleId:
    Value: !Ref Rule
  RuleName:
    Value: !Select [1, !Split ['|', !Ref Rule]]
  Region:
    Value: !Sub '\${AWS::Region}/\${AWS::AccountId}'
  ProdQueue:
    Condition: IsProd
    Value: !Ref ProdOnly
`;

describe('local CloudFormation', () => {
  let aws: TestAws;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  let events: EventBridgeClient;
  const outputs = async (stack: string) => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  };

  beforeAll(async () => {
    aws = await startTestAws();
    cfn = new CloudFormationClient(aws.clientConfig);
    sqs = new SQSClient(aws.clientConfig);
    events = new EventBridgeClient(aws.clientConfig);
  });
  afterAll(async () => {
    cfn.destroy();
    sqs.destroy();
    events.destroy();
    await aws.close();
  });

  it('creates a stack from YAML with short-form intrinsics, and the rule delivers transformed events', async () => {
    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: 'orders',
        TemplateBody: ORDER_TEMPLATE,
        Tags: [{ Key: 'team', Value: 'a' }],
      }),
    );
    expect(StackId).toMatch(/^arn:aws:cloudformation:us-east-1:\d{12}:stack\/orders\/[0-9a-f-]{36}$/);
    await waitUntilStackCreateComplete(
      { client: cfn, maxWaitTime: 30, minDelay: 1 },
      { StackName: 'orders' },
    );
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: StackId }));
    const stack = Stacks?.[0];
    expect(stack).toMatchObject({
      StackName: 'orders',
      StackStatus: 'CREATE_COMPLETE',
      Description: 'order flow',
    });
    expect(stack?.Parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'Env', ParameterValue: 'test' },
        { ParameterKey: 'Secret', ParameterValue: '****' },
      ]),
    );
    expect(stack?.Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    expect(stack?.CreationTime).toBeInstanceOf(Date);

    const out = await outputs('orders');
    expect(out.QueueUrl).toMatch(/\/orders-Queue-[A-Z0-9]{13}$/);
    expect(out.QueueArn).toMatch(/^arn:aws:sqs:us-east-1:\d{12}:orders-Queue-[A-Z0-9]{13}$/);
    expect(out.BusName).toBe('orders-bus');
    expect(out.RuleId).toMatch(/^orders-bus\|orders-Rule-[A-Z0-9]{13}$/);
    expect(out.RuleName).toBe(out.RuleId?.split('|')[1]);
    expect(out.Region).toMatch(/^us-east-1\/\d{12}$/);
    expect(out.ProdQueue).toBeUndefined();

    const attrs = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: out.QueueUrl,
        AttributeNames: ['Policy', 'VisibilityTimeout'],
      }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe('45');
    expect(JSON.parse(attrs.Attributes?.Policy ?? '{}').Statement[0].Principal).toEqual({
      Service: 'events.amazonaws.com',
    });

    const rule = await events.send(
      new DescribeRuleCommand({ Name: out.RuleName, EventBusName: out.BusName }),
    );
    expect(JSON.parse(rule.EventPattern ?? '{}')).toEqual({
      source: ['orders'],
      'detail-type': ['OrderPlaced'],
    });
    const targets = await events.send(
      new ListTargetsByRuleCommand({ Rule: out.RuleName, EventBusName: out.BusName }),
    );
    expect(targets.Targets?.[0]?.InputTransformer?.InputTemplate).toBe('{"order": <id>}');

    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: out.BusName,
            Source: 'orders',
            DetailType: 'OrderPlaced',
            Detail: '{"orderId":"o-1"}',
          },
        ],
      }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: out.QueueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 1 }),
    );
    expect(received.Messages?.[0]?.Body).toBe('{"order": "o-1"}');
  });

  it('lists exports, resources and events, and describes single resources', async () => {
    const { Exports } = await cfn.send(new ListExportsCommand({}));
    expect(Exports?.map((e) => e.Name).sort()).toEqual(['orders-BusName', 'orders-QueueUrl']);
    expect(Exports?.find((e) => e.Name === 'orders-BusName')?.Value).toBe('orders-bus');

    const { StackResourceDetail } = await cfn.send(
      new DescribeStackResourceCommand({ StackName: 'orders', LogicalResourceId: 'Bus' }),
    );
    expect(StackResourceDetail).toMatchObject({
      LogicalResourceId: 'Bus',
      PhysicalResourceId: 'orders-bus',
      ResourceType: 'AWS::Events::EventBus',
      ResourceStatus: 'CREATE_COMPLETE',
    });
    await expect(
      cfn.send(new DescribeStackResourceCommand({ StackName: 'orders', LogicalResourceId: 'Nope' })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Resource Nope does not exist for stack orders',
    });

    const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: 'orders' }));
    expect(StackResourceSummaries?.map((r) => r.LogicalResourceId)).toEqual([
      'Queue',
      'Bus',
      'Rule',
      'QueuePolicy',
    ]);
    const { StackResources } = await cfn.send(
      new DescribeStackResourcesCommand({ PhysicalResourceId: 'orders-bus' }),
    );
    expect(StackResources).toHaveLength(1);
    expect(StackResources?.[0]).toMatchObject({ StackName: 'orders', LogicalResourceId: 'Bus' });
    const all = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: 'orders', LogicalResourceId: 'Rule' }),
    );
    expect(all.StackResources?.[0]?.PhysicalResourceId).toMatch(/^orders-bus\|/);

    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'orders' }));
    expect(StackEvents?.[0]).toMatchObject({
      LogicalResourceId: 'orders',
      ResourceStatus: 'CREATE_COMPLETE',
    });
    expect(StackEvents?.at(-1)).toMatchObject({
      ResourceType: 'AWS::CloudFormation::Stack',
      ResourceStatus: 'CREATE_IN_PROGRESS',
      ResourceStatusReason: 'User Initiated',
    });
    const queueEvents = StackEvents?.filter((e) => e.LogicalResourceId === 'Queue').map(
      (e) => e.ResourceStatus,
    );
    expect(queueEvents).toEqual(['CREATE_COMPLETE', 'CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS']);

    const template = await cfn.send(new GetTemplateCommand({ StackName: 'orders' }));
    expect(template.TemplateBody).toBe(ORDER_TEMPLATE);
    const validated = await cfn.send(new ValidateTemplateCommand({ TemplateBody: ORDER_TEMPLATE }));
    expect(validated.Parameters?.find((p) => p.ParameterKey === 'Secret')).toMatchObject({ NoEcho: true });
  });

  it('imports exports across stacks and refuses to delete exports in use', async () => {
    const exporter = JSON.stringify({
      Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: { Out: { Value: { Ref: 'Handle' }, Export: { Name: 'exporter-Handle' } } },
    });
    const consumer = JSON.stringify({
      Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: {
        Imported: { Value: { 'Fn::ImportValue': 'orders-BusName' } },
        Other: { Value: { 'Fn::ImportValue': { 'Fn::Sub': 'exporter-Handle' } } },
      },
    });
    await cfn.send(new CreateStackCommand({ StackName: 'exporter', TemplateBody: exporter }));
    await cfn.send(new CreateStackCommand({ StackName: 'consumer', TemplateBody: consumer }));
    const imported = await outputs('consumer');
    expect(imported.Imported).toBe('orders-bus');
    expect(imported.Other).toMatch(/^https:\/\/cloudformation-waitcondition-us-east-1\./);
    const { Imports } = await cfn.send(new ListImportsCommand({ ExportName: 'orders-BusName' }));
    expect(Imports).toEqual(['consumer']);
    await cfn.send(new DeleteStackCommand({ StackName: 'exporter' }));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'exporter' }));
    expect(Stacks?.[0]).toMatchObject({
      StackStatus: 'DELETE_FAILED',
      StackStatusReason: 'Export exporter-Handle cannot be deleted as it is in use by consumer',
    });
    await cfn.send(new DeleteStackCommand({ StackName: 'consumer' }));
    await cfn.send(new DeleteStackCommand({ StackName: 'exporter' }));
    await expect(cfn.send(new ListImportsCommand({ ExportName: 'exporter-Handle' }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('updates a stack: in place, replacement, additions and removals', async () => {
    const before = await outputs('orders');
    const updated = ORDER_TEMPLATE.replace('VisibilityTimeout: 45', 'VisibilityTimeout: 60');
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'orders',
        TemplateBody: updated,
        Parameters: [
          { ParameterKey: 'Env', ParameterValue: 'prod' },
          { ParameterKey: 'Secret', UsePreviousValue: true },
        ],
      }),
    );
    await waitUntilStackUpdateComplete(
      { client: cfn, maxWaitTime: 30, minDelay: 1 },
      { StackName: 'orders' },
    );
    const after = await outputs('orders');
    expect(after.QueueUrl).toBe(before.QueueUrl);
    expect(after.ProdQueue).toMatch(/orders-ProdOnly-/);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: after.QueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe('60');
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'orders' }));
    expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(Stacks?.[0]?.LastUpdatedTime).toBeInstanceOf(Date);

    await expect(
      cfn.send(
        new UpdateStackCommand({
          StackName: 'orders',
          UsePreviousTemplate: true,
          Parameters: [
            { ParameterKey: 'Env', UsePreviousValue: true },
            { ParameterKey: 'Secret', UsePreviousValue: true },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError', message: 'No updates are to be performed.' });

    // Back to test: the conditional queue goes away.
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'orders',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'test' }],
      }),
    );
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders-ProdOnly' }));
    expect(QueueUrls ?? []).toEqual([]);
    expect((await outputs('orders')).ProdQueue).toBeUndefined();
  });

  it('rolls back an update that fails, restoring what changed', async () => {
    const broken = ORDER_TEMPLATE.replace('VisibilityTimeout: 45', 'VisibilityTimeout: 50').replace(
      '  ProdOnly:',
      '  Bad:\n    Type: AWS::SQS::Queue\n    DependsOn: Queue\n    Properties:\n      QueueName: "bad name!"\n  ProdOnly:',
    );
    await cfn.send(new UpdateStackCommand({ StackName: 'orders', TemplateBody: broken }));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'orders' }));
    expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const url = (await outputs('orders')).QueueUrl;
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }),
    );
    // The stack had 60 (previous test); the failed update set 50 and the rollback put 60 back.
    expect(attrs.Attributes?.VisibilityTimeout).toBe('60');
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'orders' }));
    expect(StackEvents?.[0]).toMatchObject({
      LogicalResourceId: 'orders',
      ResourceStatus: 'UPDATE_ROLLBACK_COMPLETE',
    });
    const queueEvents = StackEvents?.filter((e) => e.LogicalResourceId === 'Queue').map(
      (e) => e.ResourceStatus,
    );
    expect(queueEvents?.slice(0, 4)).toEqual([
      'UPDATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
    ]);
    const failed = StackEvents?.find((e) => e.ResourceStatus === 'CREATE_FAILED');
    expect(failed).toMatchObject({ LogicalResourceId: 'Bad' });
    expect(failed?.ResourceStatusReason).toMatch(/QueueName|queue name|Can only include/i);
  });

  it('deletes a stack and its resources; the deleted stack is found by id only', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'orders' }));
    const id = Stacks?.[0]?.StackId as string;
    const { QueueUrl } = await outputs('orders');
    await cfn.send(new DeleteStackCommand({ StackName: 'orders' }));
    await waitUntilStackDeleteComplete(
      { client: cfn, maxWaitTime: 30, minDelay: 1 },
      { StackName: 'orders' },
    );
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'orders' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id orders does not exist',
    });
    const gone = await cfn.send(new DescribeStacksCommand({ StackName: id }));
    expect(gone.Stacks?.[0]).toMatchObject({ StackStatus: 'DELETE_COMPLETE' });
    expect(gone.Stacks?.[0]?.DeletionTime).toBeInstanceOf(Date);
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders-' }));
    expect(QueueUrls ?? []).not.toContain(QueueUrl);
    const { Exports } = await cfn.send(new ListExportsCommand({}));
    expect(Exports ?? []).toEqual([]);
    const listed = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    expect(listed.StackSummaries?.map((s) => s.StackName)).toContain('orders');
    // Deleting again is a no-op.
    await cfn.send(new DeleteStackCommand({ StackName: 'orders' }));
  });

  it('rolls back a create when a resource fails, deleting what was created in reverse order', async () => {
    const template = JSON.stringify({
      Resources: {
        Good: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'rb-good' } },
        Bad: { Type: 'AWS::SQS::Queue', DependsOn: 'Good', Properties: { QueueName: 'bad name!' } },
      },
    });
    await cfn.send(new CreateStackCommand({ StackName: 'rb', TemplateBody: template }));
    await expect(
      waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 10, minDelay: 1 }, { StackName: 'rb' }),
    ).rejects.toThrow();
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'rb' }));
    expect(Stacks?.[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'rb' }));
    const statuses = (StackEvents ?? []).map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`).reverse();
    expect(statuses).toEqual([
      'rb:CREATE_IN_PROGRESS',
      'Good:CREATE_IN_PROGRESS',
      'Good:CREATE_IN_PROGRESS',
      'Good:CREATE_COMPLETE',
      'Bad:CREATE_IN_PROGRESS',
      'Bad:CREATE_FAILED',
      'rb:ROLLBACK_IN_PROGRESS',
      'Bad:DELETE_COMPLETE',
      'Good:DELETE_IN_PROGRESS',
      'Good:DELETE_COMPLETE',
      'rb:ROLLBACK_COMPLETE',
    ]);
    const rollback = StackEvents?.find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS');
    expect(rollback?.ResourceStatusReason).toBe(
      'The following resource(s) failed to create: [Bad]. Rollback requested by user.',
    );
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'rb-good' }));
    expect(QueueUrls ?? []).toEqual([]);
    // A stack in ROLLBACK_COMPLETE still holds its name until deleted.
    await expect(
      cfn.send(new CreateStackCommand({ StackName: 'rb', TemplateBody: template })),
    ).rejects.toBeInstanceOf(AlreadyExistsException);
    await cfn.send(new DeleteStackCommand({ StackName: 'rb' }));
  });

  it('fails the stack on a custom resource (not deployable here), naming the type', async () => {
    const template = `
Resources:
  Fn:
    Type: Custom::Widget
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:000000000000:function:widget
`;
    await cfn.send(
      new CreateStackCommand({ StackName: 'lambda', TemplateBody: template, OnFailure: 'DO_NOTHING' }),
    );
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'lambda' }));
    expect(Stacks?.[0]).toMatchObject({
      StackStatus: 'CREATE_FAILED',
      StackStatusReason: 'The following resource(s) failed to create: [Fn]. ',
    });
    const { StackResourceDetail } = await cfn.send(
      new DescribeStackResourceCommand({ StackName: 'lambda', LogicalResourceId: 'Fn' }),
    );
    expect(StackResourceDetail?.ResourceStatus).toBe('CREATE_FAILED');
    expect(StackResourceDetail?.ResourceStatusReason).toMatch(
      /^Resource type Custom::Widget is not supported by the eventprobe emulator\. Supported types: .*AWS::SQS::Queue/,
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'lambda' }));
  });

  it('creates SNS topics with subscriptions and Kinesis streams', async () => {
    const template = `
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Queue2:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: Orders
      Subscription:
        - Protocol: sqs
          Endpoint: !GetAtt Queue.Arn
  Sub:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Queue2.Arn
      RawMessageDelivery: true
      FilterPolicy: { kind: [a] }
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 2
      RetentionPeriodHours: 48
      Tags: [{ Key: k, Value: v }]
Outputs:
  TopicArn: { Value: !Ref Topic }
  TopicName: { Value: !GetAtt Topic.TopicName }
  SubArn: { Value: !Ref Sub }
  StreamName: { Value: !Ref Stream }
  StreamArn: { Value: !GetAtt Stream.Arn }
`;
    await cfn.send(new CreateStackCommand({ StackName: 'media', TemplateBody: template }));
    const out = await outputs('media');
    expect(out.TopicArn).toMatch(/^arn:aws:sns:us-east-1:\d{12}:media-Topic-/);
    expect(out.TopicArn?.endsWith(`:${out.TopicName}`)).toBe(true);
    expect(out.StreamArn).toBe(out.StreamArn?.replace(/stream\/.*/, `stream/${out.StreamName}`));
    const sns = new SNSClient(aws.clientConfig);
    const kinesis = new KinesisClient(aws.clientConfig);
    try {
      const topic = await sns.send(new GetTopicAttributesCommand({ TopicArn: out.TopicArn }));
      expect(topic.Attributes?.DisplayName).toBe('Orders');
      const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: out.TopicArn }));
      expect(subs.Subscriptions).toHaveLength(2);
      expect(subs.Subscriptions?.map((s) => s.SubscriptionArn)).toContain(out.SubArn);
      const stream = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: out.StreamName }));
      expect(stream.StreamDescriptionSummary).toMatchObject({ OpenShardCount: 2, RetentionPeriodHours: 48 });

      await cfn.send(
        new UpdateStackCommand({
          StackName: 'media',
          TemplateBody: template
            .replace('DisplayName: Orders', 'DisplayName: Orders2')
            .replace('ShardCount: 2', 'ShardCount: 1')
            .replace('RetentionPeriodHours: 48', 'RetentionPeriodHours: 24')
            .replace('FilterPolicy: { kind: [a] }', 'FilterPolicy: { kind: [b] }')
            .replace(/ {6}Subscription:\n.*\n.*\n/, ''),
        }),
      );
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'media' }));
      expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');
      const topic2 = await sns.send(new GetTopicAttributesCommand({ TopicArn: out.TopicArn }));
      expect(topic2.Attributes?.DisplayName).toBe('Orders2');
      const subs2 = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: out.TopicArn }));
      expect(subs2.Subscriptions?.map((s) => s.SubscriptionArn)).toEqual([out.SubArn]);
      const stream2 = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: out.StreamName }));
      expect(stream2.StreamDescriptionSummary).toMatchObject({ RetentionPeriodHours: 24 });

      await cfn.send(new DeleteStackCommand({ StackName: 'media' }));
      await expect(sns.send(new GetTopicAttributesCommand({ TopicArn: out.TopicArn }))).rejects.toThrow();
      await expect(
        kinesis.send(new DescribeStreamSummaryCommand({ StreamName: out.StreamName })),
      ).rejects.toThrow();
    } finally {
      sns.destroy();
      kinesis.destroy();
    }
  });

  it('rejects bad templates, parameters and names up front', async () => {
    const create = (TemplateBody: string, extra: Record<string, unknown> = {}) =>
      cfn.send(new CreateStackCommand({ StackName: 'bad', TemplateBody, ...extra }));
    const reject = (p: Promise<unknown>, message: string | RegExp) =>
      expect(p).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(message) });
    await reject(create('Resources: {}'), /At least one Resources member must be defined/);
    await reject(create('Resources: [oops'), /YAML not well-formed/);
    await reject(create('{"Resources": '), /JSON not well-formed/);
    await reject(
      create('Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing\n'),
      /Unresolved resource dependencies \[Missing\]/,
    );
    await reject(
      create(
        'Resources:\n  A:\n    Type: AWS::SQS::Queue\n    DependsOn: B\n  B:\n    Type: AWS::SQS::Queue\n    DependsOn: A\n',
      ),
      /^Circular dependency between resources: \[A, B\]$/,
    );
    await reject(
      create('Parameters:\n  P:\n    Type: String\nResources:\n  A:\n    Type: AWS::SQS::Queue\n'),
      /^Parameters: \[P\] must have values$/,
    );
    await reject(
      create(
        'Parameters:\n  P:\n    Type: String\n    AllowedValues: [a]\nResources:\n  A:\n    Type: AWS::SQS::Queue\n',
        {
          Parameters: [{ ParameterKey: 'P', ParameterValue: 'b' }],
        },
      ),
      /^Parameter 'P' must be one of AllowedValues$/,
    );
    await reject(
      cfn.send(new CreateStackCommand({ StackName: '1bad', TemplateBody: 'x' })),
      /Member must satisfy regular expression pattern/,
    );
    await reject(cfn.send(new CreateStackCommand({ StackName: 'x' })), /Template Body must be specified/);
    await reject(
      cfn.send(new UpdateStackCommand({ StackName: 'nope', UsePreviousTemplate: true })),
      /^Stack \[nope\] does not exist$/,
    );
    await reject(cfn.send(new DescribeStackEventsCommand({ StackName: 'nope' })), /does not exist/);
    await reject(cfn.send(new DescribeStackResourcesCommand({})), /StackName or PhysicalResourceId/);
    await reject(cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: 'zzz' })), /Stack for zzz/);
  });

  it('refuses duplicate export names and honours termination protection', async () => {
    const exporting = JSON.stringify({
      Resources: { H: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
      Outputs: { O: { Value: 'v', Export: { Name: 'shared-name' } } },
    });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'exp1',
        TemplateBody: exporting,
        EnableTerminationProtection: true,
      }),
    );
    await cfn.send(new CreateStackCommand({ StackName: 'exp2', TemplateBody: exporting }));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'exp2' }));
    expect(Stacks?.[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(Stacks?.[0]?.StackStatusReason).toBeUndefined();
    const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: 'exp2' }));
    expect(
      StackEvents?.find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS')?.ResourceStatusReason,
    ).toMatch(
      /^Export with name shared-name is already exported by stack arn:aws:cloudformation:.*:stack\/exp1\//,
    );
    await expect(cfn.send(new DeleteStackCommand({ StackName: 'exp1' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/TerminationProtection is enabled/),
    });
    await cfn.send(
      new UpdateTerminationProtectionCommand({ StackName: 'exp1', EnableTerminationProtection: false }),
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'exp1' }));
    await cfn.send(new DeleteStackCommand({ StackName: 'exp2' }));
    const listed = await cfn.send(new DescribeStacksCommand({}));
    expect(listed.Stacks?.map((s) => s.StackName) ?? []).not.toContain('exp1');
  });
});
