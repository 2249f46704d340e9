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
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const template = (opts: { stream: string | undefined; gsi: string; ttl: boolean; tag: string }) => `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Results:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: batchId
          AttributeType: S
        - AttributeName: recordId
          AttributeType: S
        - AttributeName: ${opts.gsi}
          AttributeType: S
      KeySchema:
        - AttributeName: batchId
          KeyType: HASH
        - AttributeName: recordId
          KeyType: RANGE
      GlobalSecondaryIndexes:
        - IndexName: by-${opts.gsi}
          KeySchema:
            - AttributeName: ${opts.gsi}
              KeyType: HASH
          Projection:
            ProjectionType: ALL
${opts.stream ? `      StreamSpecification:\n        StreamViewType: ${opts.stream}\n` : ''}      TimeToLiveSpecification:
        AttributeName: expiresAt
        Enabled: ${opts.ttl}
      SSESpecification:
        SSEEnabled: true
      Tags:
        - Key: owner
          Value: ${opts.tag}
  Named:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: named-table
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: N
      KeySchema:
        - AttributeName: id
          KeyType: HASH
      ProvisionedThroughput:
        ReadCapacityUnits: 2
        WriteCapacityUnits: 1
Outputs:
  TableName:
    Value: !Ref Results
  TableArn:
    Value: !GetAtt Results.Arn
${opts.stream ? '  StreamArn:\n    Value: !GetAtt Results.StreamArn\n' : ''}`;

describe('local CloudFormation: AWS::DynamoDB::Table', () => {
  let aws: TestAws;
  let cfn: CloudFormationClient;
  let db: DynamoDBClient;
  beforeAll(async () => {
    aws = await startTestAws();
    cfn = new CloudFormationClient(aws.clientConfig);
    db = new DynamoDBClient(aws.clientConfig);
  });
  afterAll(async () => {
    cfn?.destroy();
    db?.destroy();
    await aws?.close();
  });

  const outputs = async (StackName: string): Promise<Record<string, string>> => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName }));
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  };

  it('creates, updates and deletes tables with keys, GSIs, streams, TTL and tags', async () => {
    const StackName = 'results';
    await cfn.send(
      new CreateStackCommand({
        StackName,
        TemplateBody: template({ stream: 'NEW_AND_OLD_IMAGES', gsi: 'status', ttl: true, tag: 'a' }),
      }),
    );
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60, minDelay: 1 }, { StackName });
    const out = await outputs(StackName);
    expect(out.TableName).toMatch(/^results-Results-[A-Z0-9]{13}$/);
    expect(out.TableArn).toBe(`arn:aws:dynamodb:${aws.region}:000000000000:table/${out.TableName}`);
    expect(out.StreamArn).toMatch(new RegExp(`^${out.TableArn}/stream/\\d{4}-`));
    const { Table } = await db.send(new DescribeTableCommand({ TableName: out.TableName }));
    expect(Table?.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`)).toEqual([
      'batchId:HASH',
      'recordId:RANGE',
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['by-status']);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.SSEDescription?.Status).toBe('ENABLED');
    const ttl = await db.send(new DescribeTimeToLiveCommand({ TableName: out.TableName }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    const named = await db.send(new DescribeTableCommand({ TableName: 'named-table' }));
    expect(named.Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(2);

    await cfn.send(
      new UpdateStackCommand({
        StackName,
        TemplateBody: template({ stream: undefined, gsi: 'kind', ttl: false, tag: 'b' }),
      }),
    );
    await waitUntilStackUpdateComplete({ client: cfn, maxWaitTime: 60, minDelay: 1 }, { StackName });
    const updated = await db.send(new DescribeTableCommand({ TableName: out.TableName }));
    expect(updated.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['by-kind']);
    expect(updated.Table?.StreamSpecification).toBeUndefined();
    expect(
      (await db.send(new DescribeTimeToLiveCommand({ TableName: out.TableName }))).TimeToLiveDescription,
    ).toEqual({
      TimeToLiveStatus: 'DISABLED',
    });
    const tags = await db.send(new ListTagsOfResourceCommand({ ResourceArn: out.TableArn }));
    expect(tags.Tags?.find((t) => t.Key === 'owner')?.Value).toBe('b');
    expect((await outputs(StackName)).StreamArn).toBeUndefined();

    await cfn.send(new DeleteStackCommand({ StackName }));
    await waitUntilStackDeleteComplete({ client: cfn, maxWaitTime: 60, minDelay: 1 }, { StackName });
    const gone = await db.send(new DescribeTableCommand({ TableName: out.TableName })).catch((e: Error) => e);
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });
});
