import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { type LocalAws, startLocalAws } from '../../src/local/index.js';
import { allServices } from '../../src/local/services/index.js';

/**
 * Issue 12's "done when": a SAM app (and the same app as a CDK assembly) with a Kinesis-triggered
 * Node.js function writing to DynamoDB, deployed with `eventprobe deploy`, records in → items in
 * the table, and `eventprobe destroy` removes it all. Needs the emulator's Lambda and DynamoDB
 * services; until they are registered in src/local/services/index.ts this file skips.
 */
const needed = ['lambda', 'dynamodb'];
const missing = needed.filter((name) => !allServices.some((s) => s.signingName === name));
const reason = missing.length > 0 ? ` (skipped: the emulator has no ${missing.join(' / ')} service yet)` : '';

const apps = [
  [
    'SAM template',
    resolve('test/fixtures/sam-kinesis-dynamodb/template.yaml'),
    ['--stack-name', 'orders-sam'],
  ],
  ['CDK cloud assembly', resolve('test/fixtures/cdk-kinesis-dynamodb/cdk.out'), []],
] as const;

describe.skipIf(missing.length > 0)(
  `a Kinesis → Lambda → DynamoDB app deployed with eventprobe deploy${reason}`,
  () => {
    let aws: LocalAws;
    const config = () => ({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const { code } = await runCli(argv, {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        env: { AWS_ENDPOINT_URL: aws.endpoint, AWS_REGION: 'us-east-1' },
      });
      return { code, output: out.join('') };
    };
    const outputOf = (output: string, key: string) =>
      new RegExp(`^ {2}${key} = (.+)$`, 'm').exec(output)?.[1] as string;

    beforeAll(async () => {
      aws = await startLocalAws({ port: 0 });
    });
    afterAll(() => aws.close());

    it.each(apps)(
      '%s: records on the stream end up as items in the table; destroy removes the stack (retained resources stay)',
      async (kind, source, extra) => {
        const deployed = await cli('deploy', source, ...extra);
        expect(deployed.output).toMatch(/: CREATE_COMPLETE\n/);
        expect(deployed.code).toBe(0);
        const streamName = outputOf(deployed.output, 'StreamName');
        const tableName = outputOf(deployed.output, 'TableName');
        const functionName = outputOf(deployed.output, 'FunctionName');

        const kinesis = new KinesisClient(config());
        const db = new DynamoDBClient(config());
        const lambda = new LambdaClient(config());
        try {
          const orders = Array.from({ length: 20 }, (_, i) => ({ orderId: `o-${i}`, total: i * 10 }));
          const put = await kinesis.send(
            new PutRecordsCommand({
              StreamName: streamName,
              Records: orders.map((o) => ({ PartitionKey: o.orderId, Data: Buffer.from(JSON.stringify(o)) })),
            }),
          );
          expect(put.FailedRecordCount ?? 0).toBe(0);
          let ids: string[] = [];
          for (let attempt = 0; attempt < 300 && ids.length < orders.length; attempt += 1) {
            const { Items } = await db.send(new ScanCommand({ TableName: tableName }));
            ids = (Items ?? []).map((item) => item.orderId?.S as string);
            if (ids.length < orders.length) await sleep(100);
          }
          expect(ids.sort()).toEqual(orders.map((o) => o.orderId).sort());

          const destroyed = await cli('destroy', ...(extra.length > 0 ? extra : [source]));
          expect(destroyed.code).toBe(0);
          if (kind === 'CDK cloud assembly') {
            // CDK gives tables `DeletionPolicy: Retain` by default: the stack goes, the table stays.
            const kept = await db.send(new DescribeTableCommand({ TableName: tableName }));
            expect(kept.Table?.TableStatus).toBe('ACTIVE');
            await db.send(new DeleteTableCommand({ TableName: tableName }));
          } else {
            await expect(db.send(new DescribeTableCommand({ TableName: tableName }))).rejects.toMatchObject({
              name: 'ResourceNotFoundException',
            });
          }
          await expect(
            lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
          ).rejects.toMatchObject({
            name: 'ResourceNotFoundException',
          });
        } finally {
          kinesis.destroy();
          db.destroy();
          lambda.destroy();
        }
      },
    );
  },
);
