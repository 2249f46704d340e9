import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const template = (withTags: boolean) => `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: s3.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
  Uploads:
    Type: AWS::S3::Bucket
    DependsOn: QueuePolicy
    Properties:
      ${withTags ? 'Tags: [{ Key: team, Value: orders }]' : ''}
      NotificationConfiguration:
        EventBridgeConfiguration:
          EventBridgeEnabled: true
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt Queue.Arn
            Filter:
              S3Key:
                Rules:
                  - Name: suffix
                    Value: .csv
  Named:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub 'named-\${AWS::AccountId}'
  NamedPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Named
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: '*'
            Action: s3:GetObject
            Resource: !Sub '\${Named.Arn}/*'
Outputs:
  Bucket: { Value: !Ref Uploads }
  Arn: { Value: !GetAtt Uploads.Arn }
  Domain: { Value: !GetAtt Uploads.DomainName }
  Regional: { Value: !GetAtt Uploads.RegionalDomainName }
  Named: { Value: !Ref Named }
  QueueUrl: { Value: !Ref Queue }
`;

let aws: TestAws;
let cfn: CloudFormationClient;
let s3: S3Client;
let sqs: SQSClient;
let tagging: ResourceGroupsTaggingAPIClient;

beforeAll(async () => {
  aws = await startTestAws();
  cfn = new CloudFormationClient(aws.clientConfig);
  s3 = new S3Client({ ...aws.clientConfig, forcePathStyle: true });
  sqs = new SQSClient(aws.clientConfig);
  tagging = new ResourceGroupsTaggingAPIClient(aws.clientConfig);
});
afterAll(async () => {
  for (const c of [cfn, s3, sqs, tagging]) c.destroy();
  await aws.close();
});

const outputs = async (StackName: string): Promise<Record<string, string>> => {
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName }));
  return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
};

describe('CloudFormation AWS::S3::Bucket and AWS::S3::BucketPolicy', () => {
  it('deploys buckets with generated and given names, notifications, tags and a policy; updates and deletes them', async () => {
    const StackName = 'S3Stack';
    await cfn.send(new CreateStackCommand({ StackName, TemplateBody: template(true) }));
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName });
    const out = await outputs(StackName);
    expect(out.Bucket).toMatch(/^s3stack-uploads-[a-z0-9]{12}$/);
    expect(out.Arn).toBe(`arn:aws:s3:::${out.Bucket}`);
    expect(out.Domain).toBe(`${out.Bucket}.s3.amazonaws.com`);
    expect(out.Regional).toBe(`${out.Bucket}.s3.us-east-1.amazonaws.com`);
    expect(out.Named).toBe(`named-${aws.local?.accountId ?? '000000000000'}`);
    const Bucket = out.Bucket as string;
    await s3.send(new HeadBucketCommand({ Bucket }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([
      { Key: 'team', Value: 'orders' },
    ]);
    const config = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
    expect(config.EventBridgeConfiguration).toEqual({});
    expect(config.QueueConfigurations?.[0]).toMatchObject({
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } },
    });
    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: out.Named }));
    expect(JSON.parse(policy.Policy ?? '{}').Statement[0].Resource).toBe(`arn:aws:s3:::${out.Named}/*`);
    const tagged = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['s3'] }));
    expect(tagged.ResourceTagMappingList?.map((r) => r.ResourceARN)).toContain(out.Arn);

    await s3.send(new PutObjectCommand({ Bucket, Key: 'in/report.csv', Body: 'a,b' }));
    const messages: string[] = [];
    for (let i = 0; i < 10 && messages.length < 2; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: out.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      messages.push(...Messages.map((m) => m.Body ?? ''));
    }
    expect(messages.map((m) => JSON.parse(m).Event ?? JSON.parse(m).Records[0].s3.object.key)).toEqual([
      's3:TestEvent',
      'in/report.csv',
    ]);

    await cfn.send(new UpdateStackCommand({ StackName, TemplateBody: template(false) }));
    await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName });
    expect(
      ((await s3.send(new GetBucketTaggingCommand({ Bucket })).catch((e: Error) => e)) as Error).name,
    ).toBe('NoSuchTagSet');

    // The object would make the bucket's deletion fail, as on AWS; an empty bucket goes.
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'in/report.csv' }));
    await cfn.send(new DeleteStackCommand({ StackName }));
    await waitUntilStackDeleteComplete({ client: cfn, maxWaitTime: 30, minDelay: 1 }, { StackName });
    const gone = (await s3.send(new HeadBucketCommand({ Bucket })).catch((e: unknown) => e)) as Error;
    expect(gone.name).toBe('NotFound');
  });
});
