import { fileURLToPath } from 'node:url';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployStack, LOCAL_CODE_BUCKET, type LocalAws, startLocalAws } from '../../src/local/index.js';

/**
 * S3 notifications to Lambda functions, end to end: a bucket's LambdaFunctionConfigurations (and
 * a SAM function's S3 event, which becomes the bucket's NotificationConfiguration) invoke a real
 * handler asynchronously with the S3 event record; the handler reads the object it names.
 */
const code = fileURLToPath(new URL('../fixtures/lambda/s3', import.meta.url));
const REGION = 'us-east-1';

let aws: LocalAws;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let s3: S3Client;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0 });
  const config = {
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  lambda = new LambdaClient(config);
  logs = new CloudWatchLogsClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
});

afterAll(async () => {
  await aws.close();
});

/** The JSON after `prefix` on the function's log lines, in time order. */
const logged = async (fn: string, prefix: string): Promise<Record<string, unknown>[]> => {
  try {
    const out = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: `"${prefix} "` }),
    );
    return (out.events ?? []).map((e) => {
      const message = e.message ?? '';
      return JSON.parse(message.slice(message.indexOf(`${prefix} `) + prefix.length + 1));
    });
  } catch {
    return [];
  }
};

/** Polls the logs until `count` lines with `prefix` are there (at most `tries` times). */
const waitLogged = async (fn: string, prefix: string, count: number, tries = 400) => {
  for (let i = 0; i < tries; i++) {
    const lines = await logged(fn, prefix);
    if (lines.length >= count) return lines;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${fn} did not log ${count} ${prefix} lines`);
};

describe('S3 notifications to a Lambda function', () => {
  it('invokes the function with the S3 event record; prefix/suffix filters and event types apply', async () => {
    const { FunctionArn } = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'on-upload',
        Runtime: 'nodejs20.x',
        Role: 'arn:aws:iam::000000000000:role/fn',
        Handler: 'uploads.handler',
        Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: code },
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'on-upload',
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads-bucket',
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads-bucket' }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'uploads-bucket',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: 'json-uploads',
              LambdaFunctionArn: FunctionArn,
              Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'prefix', Value: 'in/' },
                    { Name: 'suffix', Value: '.json' },
                  ],
                },
              },
            },
          ],
        },
      }),
    );
    const body = '{"order":"o-1"}';
    await s3.send(new PutObjectCommand({ Bucket: 'uploads-bucket', Key: 'in/my order.json', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads-bucket', Key: 'in/skip.txt', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: 'uploads-bucket', Key: 'out/skip.json', Body: '{}' }));

    const [read] = await waitLogged('on-upload', 'BODY', 1);
    expect(read).toEqual({ key: 'in/my order.json', body });
    const [record] = await logged('on-upload', 'RECORD');
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: REGION,
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'json-uploads',
        bucket: { name: 'uploads-bucket', arn: 'arn:aws:s3:::uploads-bucket' },
        object: { key: 'in/my+order.json', size: body.length, eTag: expect.stringMatching(/^[0-9a-f]{32}$/) },
      },
    });
    expect(Number.isNaN(Date.parse(record?.eventTime as string))).toBe(false);

    await s3.send(new DeleteObjectCommand({ Bucket: 'uploads-bucket', Key: 'in/my order.json' }));
    const records = await waitLogged('on-upload', 'RECORD', 2);
    expect(records.map((r) => r.eventName)).toEqual(['ObjectCreated:Put', 'ObjectRemoved:Delete']);
    // The two skipped keys never reached the function.
    expect(await logged('on-upload', 'BODY')).toHaveLength(1);
  });

  it('a SAM function’s S3 event becomes the bucket’s notification configuration and invokes it', async () => {
    const [stack] = await deployStack({
      endpoint: aws.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      stackName: 'sam-uploads',
      baseDir: code,
      template: {
        Transform: 'AWS::Serverless-2016-10-31',
        Resources: {
          Inbox: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'sam-inbox' } },
          OnUpload: {
            Type: 'AWS::Serverless::Function',
            Properties: {
              CodeUri: '.',
              Handler: 'uploads.handler',
              Runtime: 'nodejs20.x',
              Events: {
                Uploaded: {
                  Type: 'S3',
                  Properties: {
                    Bucket: { Ref: 'Inbox' },
                    Events: 's3:ObjectCreated:*',
                    Filter: { S3Key: { Rules: [{ Name: 'suffix', Value: '.csv' }] } },
                  },
                },
              },
            },
          },
        },
        Outputs: { FunctionName: { Value: { Ref: 'OnUpload' } } },
      },
    });
    const fn = stack?.outputs.FunctionName as string;
    expect(stack?.status).toBe('CREATE_COMPLETE');
    await s3.send(new PutObjectCommand({ Bucket: 'sam-inbox', Key: 'a.txt', Body: 'skip' }));
    await s3.send(new PutObjectCommand({ Bucket: 'sam-inbox', Key: 'rows.csv', Body: 'a,b' }));
    const [read] = await waitLogged(fn, 'BODY', 1);
    expect(read).toEqual({ key: 'rows.csv', body: 'a,b' });
    const records = await logged(fn, 'RECORD');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'sam-inbox' } },
    });
  });
});
