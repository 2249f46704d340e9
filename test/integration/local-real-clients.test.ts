/**
 * The emulator driven by clients nobody in this project wrote: Python's boto3 and the AWS CLI. They
 * are on developers' machines but not guaranteed on CI; each block skips with the reason when its
 * client is missing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const run = promisify(execFile);
const SCENARIO = fileURLToPath(new URL('../fixtures/real-clients/scenario.py', import.meta.url));

const missing = (command: string, args: string[], what: string): string | undefined => {
  const probe = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return probe.status === 0 ? undefined : `${what} is not installed on this machine`;
};
const noBoto3 = emulatorOnly ?? missing('python3', ['-c', 'import boto3'], 'python3 with boto3');
const noCli = emulatorOnly ?? missing('aws', ['--version'], 'the AWS CLI (`aws`)');

/** No profile, config or real credentials from the developer's machine reach the clients. */
const clientEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
};

const uid = () => Math.random().toString(36).slice(2, 10);

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.close());

describe(`boto3 scenario: SQS, SNS, EventBridge, Kinesis, tagging${noBoto3 ? ` (skipped: ${noBoto3})` : ''}`, () => {
  let seen: Record<string, unknown>;
  const id = uid();
  beforeAll(async () => {
    if (noBoto3) return;
    const { stdout } = await run('python3', [SCENARIO, aws.endpoint as string, id], {
      env: clientEnv,
      timeout: 60_000,
    });
    seen = JSON.parse(stdout);
  });

  it.skipIf(noBoto3)('reads RedrivePolicy back with maxReceiveCount as a number', () => {
    expect(JSON.parse(seen.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:dlq-${id}`,
      maxReceiveCount: 2,
    });
    expect(seen.redrivePolicy).toBe(
      `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq-${id}","maxReceiveCount":2}`,
    );
    expect(seen.deadLetterSources).toEqual([`${aws.endpoint}/000000000000/q-${id}`]);
  });

  it.skipIf(noBoto3)(
    'writes AddPermission statements as AWS does (2008-10-17, one principal and action as strings)',
    () => {
      expect(seen.permissionPolicy).toEqual({
        Version: '2008-10-17',
        Id: `arn:aws:sqs:us-east-1:000000000000:q-${id}/SQSDefaultPolicy`,
        Statement: [
          {
            Sid: 'one',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:root' },
            Action: 'SQS:ReceiveMessage',
            Resource: `arn:aws:sqs:us-east-1:000000000000:q-${id}`,
          },
        ],
      });
    },
  );

  it.skipIf(noBoto3)('drops KmsDataKeyReusePeriodSeconds with the KMS key', () => {
    expect(seen.sseAfterKmsRemoved).toEqual({
      KmsMasterKeyId: null,
      KmsDataKeyReusePeriodSeconds: null,
      SqsManagedSseEnabled: 'false',
    });
  });

  it.skipIf(noBoto3)('refuses a queue name deleted less than 60 s ago', () => {
    expect(seen.recreateDeleted).toEqual({
      Code: 'AWS.SimpleQueueService.QueueDeletedRecently',
      Message:
        'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
      Status: 400,
    });
  });

  it.skipIf(noBoto3)(
    'delivers through SNS and EventBridge to SQS, reads Kinesis, finds every tagged resource',
    () => {
      expect(seen.snsDelivered).toEqual(['hello sns']);
      expect(seen.snsMissingTopic).toEqual({
        Code: 'NotFound',
        Message: 'Topic does not exist',
        Status: 404,
      });
      expect(seen.putEventsFailed).toBe(0);
      expect(seen.ebDelivered).toEqual(['{"n":1}']);
      expect(seen.ebMissingRule).toEqual({
        Code: 'ResourceNotFoundException',
        Message: `Rule missing does not exist on EventBus b-${id}.`,
        Status: 400,
      });
      expect(seen.kinesisRecords).toEqual(['hello kinesis']);
      expect(seen.taggedArns).toEqual(['events', 'kinesis', 'sns', 'sqs']);
    },
  );
});

describe(`AWS CLI scenario: SQS and the tagging API${noCli ? ` (skipped: ${noCli})` : ''}`, () => {
  const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    try {
      const { stdout, stderr } = await run(
        'aws',
        ['--endpoint-url', aws.endpoint as string, '--output', 'json', ...args],
        {
          env: clientEnv,
          timeout: 60_000,
        },
      );
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, out: e.stdout ?? '', err: e.stderr ?? '' };
    }
  };

  it.skipIf(noCli)(
    'create-queue with a string maxReceiveCount reads back a number; a deleted name stays taken',
    async () => {
      const id = uid();
      const dlq = JSON.parse(
        (await cli('sqs', 'create-queue', '--queue-name', `cli-dlq-${id}`)).out,
      ).QueueUrl;
      const redrive = JSON.stringify({
        deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:cli-dlq-${id}`,
        maxReceiveCount: '3',
      });
      const created = await cli(
        'sqs',
        'create-queue',
        '--queue-name',
        `cli-${id}`,
        '--attributes',
        JSON.stringify({ RedrivePolicy: redrive }),
        '--tags',
        `run=${id}`,
      );
      expect(created.code).toBe(0);
      const url = JSON.parse(created.out).QueueUrl as string;
      const read = await cli(
        'sqs',
        'get-queue-attributes',
        '--queue-url',
        url,
        '--attribute-names',
        'RedrivePolicy',
      );
      expect(JSON.parse(JSON.parse(read.out).Attributes.RedrivePolicy).maxReceiveCount).toBe(3);
      const tagged = await cli(
        'resourcegroupstaggingapi',
        'get-resources',
        '--tag-filters',
        `Key=run,Values=${id}`,
      );
      expect(
        JSON.parse(tagged.out).ResourceTagMappingList.map((m: { ResourceARN: string }) => m.ResourceARN),
      ).toEqual([`arn:aws:sqs:us-east-1:000000000000:cli-${id}`]);
      expect((await cli('sqs', 'delete-queue', '--queue-url', dlq)).code).toBe(0);
      const again = await cli('sqs', 'create-queue', '--queue-name', `cli-dlq-${id}`);
      expect(again.code).toBe(255);
      expect(again.err).toContain(
        'An error occurred (AWS.SimpleQueueService.QueueDeletedRecently) when calling the CreateQueue operation: You must wait 60 seconds after deleting a queue before you can create another with the same name.',
      );
    },
  );
});
