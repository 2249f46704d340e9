import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { type ServerHandle, serve } from '../../src/local/server.js';
import { allServices } from '../../src/local/services/index.js';
import { type FakeLambdaState, type FakeLogsState, fakeLambda, fakeLogs } from '../support/fake-lambda.js';

const template = (stage: 'v1' | 'v2') => `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Path: /service/
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: inline
      Roles: [!Ref Role]
      PolicyDocument: { Statement: [{ Effect: Allow, Action: 'sqs:*', Resource: '*' }] }
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: read-all
      PolicyDocument: { Statement: [{ Effect: Allow, Action: 's3:Get*', Resource: '*' }] }
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /aws/lambda/worker
      ${stage === 'v1' ? 'RetentionInDays: 7' : ''}
  Queue:
    Type: AWS::SQS::Queue
  CDKMetadata:
    Type: AWS::CDK::Metadata
    Properties:
      Analytics: v2:deflate64:H4sIAAAAAAAA/${stage}
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: worker
      Runtime: nodejs20.x
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Timeout: ${stage === 'v1' ? 10 : 20}
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue
      Code:
        ZipFile: |
          exports.handler = async () => '${stage}';
      Tags:
        - Key: app
          Value: orders
  Reader:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs22.x
      Handler: app.handler
      Role: !GetAtt Role.Arn
      ReservedConcurrentExecutions: 2
      Code:
        S3Bucket: __local__
        S3Key: /srv/code/reader
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Worker
      EventSourceArn: !GetAtt Queue.Arn
      BatchSize: ${stage === 'v1' ? 5 : 10}
      FunctionResponseTypes: [ReportBatchItemFailures]
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Worker.Arn
      Action: lambda:InvokeFunction
      Principal: events.amazonaws.com
      SourceArn: arn:aws:events:us-east-1:000000000000:rule/r
  Version:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Worker
  Live:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Worker
      Name: live
      FunctionVersion: !GetAtt Version.Version
Outputs:
  RoleArn: { Value: !GetAtt Role.Arn }
  ManagedArn: { Value: !Ref Managed }
  WorkerArn: { Value: !GetAtt Worker.Arn }
  VersionArn: { Value: !Ref Version }
  AliasArn: { Value: !Ref Live }
  LogsArn: { Value: !GetAtt Logs.Arn }
  MappingId: { Value: !Ref Mapping }
`;

describe('local CloudFormation: Lambda, Logs and IAM resource types (with stand-in Lambda and Logs services)', () => {
  let emulator: Emulator;
  let server: ServerHandle;
  let cfn: CloudFormationClient;
  const lambda = () => emulator.state<FakeLambdaState>('lambda', 'us-east-1');
  const logs = () => emulator.state<FakeLogsState>('logs', 'us-east-1');
  const outputs = async () =>
    Object.fromEntries(
      ((await cfn.send(new DescribeStacksCommand({ StackName: 'fns' }))).Stacks?.[0]?.Outputs ?? []).map(
        (o) => [o.OutputKey, o.OutputValue],
      ),
    );

  beforeAll(async () => {
    emulator = new Emulator([...allServices, fakeLambda, fakeLogs]);
    server = await serve(emulator, { port: 0, host: '127.0.0.1' });
    cfn = new CloudFormationClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    cfn.destroy();
    await server.close();
    emulator.close();
  });

  it('creates, updates and deletes functions, mappings, permissions, versions, aliases, log groups and IAM records', async () => {
    await cfn.send(new CreateStackCommand({ StackName: 'fns', TemplateBody: template('v1') }));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'fns' }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const out = await outputs();
    expect(out.RoleArn).toMatch(/^arn:aws:iam::000000000000:role\/service\/fns-Role-[A-Z0-9]{13}$/);
    expect(out.ManagedArn).toBe('arn:aws:iam::000000000000:policy/read-all');
    expect(out.WorkerArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:worker');
    expect(out.VersionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:worker:1');
    expect(out.AliasArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:worker:live');
    expect(out.LogsArn).toBe('arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/worker:*');

    const worker = lambda().functions.get('worker');
    expect(worker?.config).toMatchObject({
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: out.RoleArn,
      Timeout: 10,
      Environment: { Variables: { QUEUE_URL: expect.stringMatching(/\/fns-Queue-/) } },
    });
    // Inline code is zipped as index.js, base64 on the wire.
    const zip = unzipSync(Buffer.from(String(worker?.code.ZipFile), 'base64'));
    expect(Object.keys(zip)).toEqual(['index.js']);
    expect(strFromU8(zip['index.js'] as Uint8Array)).toBe("exports.handler = async () => 'v1';\n");
    expect(worker?.tags).toEqual({
      app: 'orders',
      'aws:cloudformation:stack-name': 'fns',
      'aws:cloudformation:logical-id': 'Worker',
      'aws:cloudformation:stack-id': Stacks?.[0]?.StackId,
    });
    expect(worker?.versions).toEqual(['1']);
    expect([...(worker?.policy.values() ?? [])]).toEqual([
      expect.objectContaining({ Principal: 'events.amazonaws.com', Action: 'lambda:InvokeFunction' }),
    ]);
    const reader = [...lambda().functions.entries()].find(([name]) => name.startsWith('fns-Reader-'));
    expect(reader?.[1].code).toEqual({ S3Bucket: '__local__', S3Key: '/srv/code/reader' });
    expect(reader?.[1].concurrency).toBe(2);
    const mapping = lambda().mappings.get(out.MappingId as string);
    expect(mapping).toMatchObject({
      FunctionName: 'worker',
      EventSourceArn: expect.stringMatching(/^arn:aws:sqs:us-east-1:000000000000:fns-Queue-/),
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(lambda().aliases.get('worker:live')).toMatchObject({ FunctionVersion: '1' });
    expect(logs().groups.get('/aws/lambda/worker')).toMatchObject({ retention: 7 });
    const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'fns' }));
    expect(StackResources?.find((r) => r.LogicalResourceId === 'CDKMetadata')?.ResourceStatus).toBe(
      'CREATE_COMPLETE',
    );
    expect(StackResources?.find((r) => r.LogicalResourceId === 'Inline')?.PhysicalResourceId).toMatch(
      /^fns-Inlin-[A-Z0-9]{13}$/,
    );

    await cfn.send(new UpdateStackCommand({ StackName: 'fns', TemplateBody: template('v2') }));
    expect((await cfn.send(new DescribeStacksCommand({ StackName: 'fns' }))).Stacks?.[0]?.StackStatus).toBe(
      'UPDATE_COMPLETE',
    );
    const updated = lambda().functions.get('worker');
    expect(updated?.config.Timeout).toBe(20);
    const zip2 = unzipSync(Buffer.from(String(updated?.code.ZipFile), 'base64'));
    expect(strFromU8(zip2['index.js'] as Uint8Array)).toContain("'v2'");
    expect(lambda().mappings.get(out.MappingId as string)?.BatchSize).toBe(10);
    expect(logs().groups.get('/aws/lambda/worker')?.retention).toBeUndefined();

    await cfn.send(new DeleteStackCommand({ StackName: 'fns' }));
    expect(lambda().functions.size).toBe(0);
    expect(lambda().mappings.size).toBe(0);
    expect(lambda().aliases.size).toBe(0);
    expect(logs().groups.size).toBe(0);
  });

  it('deploys a SAM template: function, role, event source mappings, rules, subscriptions', async () => {
    const sam = `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 5
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: { ShardCount: 1 }
  Jobs:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: sam-bus }
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: sam-handler
      CodeUri: /srv/app/handler
      Handler: index.handler
      Events:
        Records: { Type: Kinesis, Properties: { Stream: !GetAtt Stream.Arn, StartingPosition: LATEST, BatchSize: 100 } }
        Work: { Type: SQS, Properties: { Queue: !GetAtt Jobs.Arn } }
        Placed: { Type: EventBridgeRule, Properties: { EventBusName: !Ref Bus, Pattern: { source: [shop] } } }
        Tick: { Type: Schedule, Properties: { Schedule: rate(5 minutes) } }
        Note: { Type: SNS, Properties: { Topic: !Ref Topic } }
Outputs:
  Role: { Value: !GetAtt HandlerRole.Arn }
  Rule: { Value: !Ref HandlerPlaced }
`;
    await cfn.send(
      new CreateStackCommand({ StackName: 'sam', TemplateBody: sam, Capabilities: ['CAPABILITY_IAM'] }),
    );
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'sam' }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    const fn = lambda().functions.get('sam-handler');
    expect(fn?.config).toMatchObject({ Runtime: 'nodejs20.x', Timeout: 5, Handler: 'index.handler' });
    expect(fn?.code).toEqual({ S3Bucket: '__local__', S3Key: '/srv/app/handler' });
    const sources = [...lambda().mappings.values()].map((m) => String(m.EventSourceArn).split(':')[2]).sort();
    expect(sources).toEqual(['kinesis', 'sqs']);
    expect([...(fn?.policy.values() ?? [])].map((p) => p.Principal).sort()).toEqual([
      'events.amazonaws.com',
      'events.amazonaws.com',
      'sns.amazonaws.com',
    ]);
    const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'sam' }));
    expect(StackResources?.map((r) => `${r.LogicalResourceId}:${r.ResourceType}`).sort()).toEqual([
      'Bus:AWS::Events::EventBus',
      'Handler:AWS::Lambda::Function',
      'HandlerNote:AWS::SNS::Subscription',
      'HandlerNotePermission:AWS::Lambda::Permission',
      'HandlerPlaced:AWS::Events::Rule',
      'HandlerPlacedPermission:AWS::Lambda::Permission',
      'HandlerRecords:AWS::Lambda::EventSourceMapping',
      'HandlerRole:AWS::IAM::Role',
      'HandlerTick:AWS::Events::Rule',
      'HandlerTickPermission:AWS::Lambda::Permission',
      'HandlerWork:AWS::Lambda::EventSourceMapping',
      'Jobs:AWS::SQS::Queue',
      'Stream:AWS::Kinesis::Stream',
      'Topic:AWS::SNS::Topic',
    ]);
    await cfn.send(new DeleteStackCommand({ StackName: 'sam' }));
    expect(lambda().functions.size).toBe(0);
    expect(lambda().mappings.size).toBe(0);
  });
});
