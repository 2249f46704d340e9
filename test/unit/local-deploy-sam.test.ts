import { describe, expect, it } from 'vitest';
import { LOCAL_CODE_BUCKET } from '../../src/local/deploy/code.js';
import { samTransform, usesSam } from '../../src/local/deploy/sam.js';
import { parseDocumentBody } from '../../src/local/services/cloudformation/template.js';

const expand = (yaml: string) =>
  samTransform(parseDocumentBody(yaml) as Record<string, unknown>, { baseDir: '/app' }) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }>;
    [k: string]: unknown;
  };

const app = `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 10
    Environment:
      Variables:
        STAGE: dev
        TABLE: global
Resources:
  Table:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: { Name: pk, Type: Number }
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: { ShardCount: 1 }
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Uploads:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Serverless::Function
    Condition: Always
    Properties:
      CodeUri: src/fn
      Handler: app.handler
      MemorySize: 256
      Tracing: Active
      Environment:
        Variables:
          TABLE: !Ref Table
      Policies:
        - AmazonSQSFullAccess
        - arn:aws:iam::aws:policy/ReadOnly
        - Statement: [{ Effect: Allow, Action: 'dynamodb:*', Resource: '*' }]
        - DynamoDBCrudPolicy: { TableName: !Ref Table }
      Tags: { team: orders }
      Events:
        Records:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 50
            BisectBatchOnFunctionError: true
            DestinationConfig: { OnFailure: { Type: SQS, Destination: !GetAtt Queue.Arn } }
        Jobs:
          Type: SQS
          Properties: { Queue: !GetAtt Queue.Arn, BatchSize: 5, FunctionResponseTypes: [ReportBatchItemFailures] }
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: orders
            Pattern: { source: [shop] }
            InputPath: $.detail
        Tick:
          Type: Schedule
          Properties: { Schedule: rate(1 minute), Enabled: false }
        Note:
          Type: SNS
          Properties: { Topic: !Ref Topic, FilterPolicy: { kind: [a] } }
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter: { S3Key: { Rules: [{ Name: prefix, Value: in/ }] } }
Conditions:
  Always: !Equals [a, a]
`;

describe('the SAM transform', () => {
  it('expands a function with every supported event type into the resources SAM generates', () => {
    const out = expand(app);
    expect(out.Transform).toBeUndefined();
    expect(out.Globals).toBeUndefined();
    expect(Object.keys(out.Resources).sort()).toEqual(
      [
        'Table',
        'Stream',
        'Queue',
        'Topic',
        'Uploads',
        'Fn',
        'FnRole',
        'FnRecords',
        'FnJobs',
        'FnPlaced',
        'FnPlacedPermission',
        'FnTick',
        'FnTickPermission',
        'FnNote',
        'FnNotePermission',
        'FnUploadPermission',
      ].sort(),
    );
    const fn = out.Resources.Fn;
    expect(fn).toMatchObject({ Type: 'AWS::Lambda::Function', Condition: 'Always' });
    expect(fn?.Properties).toEqual({
      Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: '/app/src/fn' },
      Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
      Handler: 'app.handler',
      Runtime: 'nodejs20.x',
      Timeout: 10,
      MemorySize: 256,
      Environment: { Variables: { STAGE: 'dev', TABLE: { Ref: 'Table' } } },
      TracingConfig: { Mode: 'Active' },
      Tags: [{ Key: 'team', Value: 'orders' }],
    });
    const role = out.Resources.FnRole;
    expect(role).toMatchObject({ Type: 'AWS::IAM::Role', Condition: 'Always' });
    expect(role?.Properties.ManagedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess',
      'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
      'arn:aws:iam::aws:policy/ReadOnly',
      'arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole',
      'arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole',
    ]);
    expect(role?.Properties.Policies).toEqual([
      {
        PolicyName: 'FnRolePolicy2',
        PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] },
      },
      {
        PolicyName: 'FnRolePolicy3',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [],
          SamPolicyTemplate: { DynamoDBCrudPolicy: { TableName: { Ref: 'Table' } } },
        },
      },
    ]);
    expect(out.Resources.FnRecords).toEqual({
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
        BatchSize: 50,
        StartingPosition: 'TRIM_HORIZON',
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
      },
    });
    expect(out.Resources.FnJobs?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(out.Resources.FnPlaced?.Properties).toEqual({
      EventPattern: { source: ['shop'] },
      EventBusName: 'orders',
      Targets: [{ Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Id: 'FnPlacedLambdaTarget', InputPath: '$.detail' }],
    });
    expect(out.Resources.FnPlacedPermission?.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: 'Fn' },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['FnPlaced', 'Arn'] },
    });
    expect(out.Resources.FnTick?.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'DISABLED',
    });
    expect(out.Resources.FnNote?.Properties).toEqual({
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': ['Fn', 'Arn'] },
      TopicArn: { Ref: 'Topic' },
      FilterPolicy: { kind: ['a'] },
    });
    expect(out.Resources.FnNotePermission?.Properties).toMatchObject({ Principal: 'sns.amazonaws.com' });
    expect(out.Resources.Uploads).toEqual({
      Type: 'AWS::S3::Bucket',
      DependsOn: ['FnUploadPermission'],
      Properties: {
        NotificationConfiguration: {
          LambdaConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Function: { 'Fn::GetAtt': ['Fn', 'Arn'] },
              Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'in/' }] } },
            },
          ],
        },
      },
    });
    expect(out.Resources.FnUploadPermission?.Properties).toMatchObject({
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(out.Resources.Table).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    });
  });

  it('handles code locations, roles given, aliases, and leaves other templates alone', () => {
    const out = expand(`
Transform: [AWS::Serverless-2016-10-31, AWS::LanguageExtensions]
Resources:
  Inline:
    Type: AWS::Serverless::Function
    Properties: { InlineCode: "exports.handler = async () => 1", Handler: index.handler, Runtime: nodejs22.x, Role: arn:aws:iam::1:role/r, DeadLetterQueue: { Type: SQS, TargetArn: arn:q } }
  FromS3:
    Type: AWS::Serverless::Function
    DependsOn: Inline
    Properties: { CodeUri: s3://bucket/key.zip, Handler: a.b, Runtime: nodejs20.x, AutoPublishAlias: live, Events: { Q: { Type: SQS, Properties: { Queue: arn:q } } } }
  Obj:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: { Bucket: b, Key: k, Version: '3' }, Handler: a.b, Runtime: nodejs20.x, Policies: !Ref Managed }
  Abs:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: /abs/dir, Handler: a.b, Runtime: nodejs20.x }
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties: { PolicyDocument: { Statement: [] } }
  Simple:
    Type: AWS::Serverless::SimpleTable
    Properties: { TableName: t, ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 }, Tags: { a: b } }
`);
    expect(out.Transform).toEqual(['AWS::LanguageExtensions']);
    expect(out.Resources.Inline?.Properties).toMatchObject({
      Code: { ZipFile: 'exports.handler = async () => 1' },
      Role: 'arn:aws:iam::1:role/r',
      DeadLetterConfig: { TargetArn: 'arn:q' },
    });
    expect(out.Resources.InlineRole).toBeUndefined();
    expect(out.Resources.FromS3).toMatchObject({
      DependsOn: 'Inline',
      Properties: { Code: { S3Bucket: 'bucket', S3Key: 'key.zip' } },
    });
    const version = Object.keys(out.Resources).find((k) => /^FromS3Version[0-9a-f]{10}$/.test(k)) as string;
    expect(out.Resources[version]).toMatchObject({
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: { Ref: 'FromS3' } },
    });
    expect(out.Resources.FromS3Aliaslive?.Properties).toEqual({
      Name: 'live',
      FunctionName: { Ref: 'FromS3' },
      FunctionVersion: { 'Fn::GetAtt': [version, 'Version'] },
    });
    expect(out.Resources.FromS3Q?.Properties.FunctionName).toEqual({ Ref: 'FromS3Aliaslive' });
    expect(out.Resources.Obj?.Properties.Code).toEqual({ S3Bucket: 'b', S3Key: 'k', S3ObjectVersion: '3' });
    expect(out.Resources.ObjRole?.Properties.ManagedPolicyArns).toContainEqual({ Ref: 'Managed' });
    expect(out.Resources.Abs?.Properties.Code).toEqual({ S3Bucket: LOCAL_CODE_BUCKET, S3Key: '/abs/dir' });
    expect(out.Resources.Simple?.Properties).toMatchObject({
      TableName: 't',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      Tags: [{ Key: 'a', Value: 'b' }],
    });

    const plain = { Resources: { Q: { Type: 'AWS::SQS::Queue' } } };
    expect(samTransform(plain, { baseDir: '/' })).toBe(plain);
    expect(usesSam('text')).toBe(false);
  });

  it.each([
    [
      'Fn:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.b }',
      /\[Fn\] is invalid\. Either 'InlineCode' or 'CodeUri' must be set\.$/,
    ],
    [
      'Api:\n    Type: AWS::Serverless::Api\n    Properties: {}',
      /Resource type AWS::Serverless::Api is not supported by the eventprobe emulator's SAM transform\.$/,
    ],
    [
      'Fn:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Events: { E: { Type: Api } } }',
      /Event with id \[E\] is invalid\. Event type Api is not supported/,
    ],
    [
      'Fn:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Events: { E: { Properties: {} } } }',
      /Event with id \[E\] is invalid\. Missing required property 'Type'\./,
    ],
    [
      'Fn:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Events: { E: { Type: S3, Properties: { Bucket: arn:b, Events: x } } } }',
      /S3 events must reference an S3 bucket in the same template\./,
    ],
  ])('refuses what it cannot expand: %s', (resources, message) => {
    expect(() => expand(`Transform: AWS::Serverless-2016-10-31\nResources:\n  ${resources}`)).toThrow(
      message,
    );
    try {
      expand(`Transform: AWS::Serverless-2016-10-31\nResources:\n  ${resources}`);
    } catch (err) {
      expect((err as { code: string }).code).toBe('ValidationError');
      expect((err as Error).message).toMatch(
        /^Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification document\. Number of errors found: 1\./,
      );
    }
  });
});
