/**
 * `npx eventprobe local` as a user runs it: the built CLI in its own process, and SDK clients in
 * this one doing the whole EventBridge → SQS job against it. Needs `npm run build` (CI builds first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowSendFrom } from '../support/policy.js';

const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
const notBuilt = existsSync(bin) ? false : 'dist/bin.js is missing: run `npm run build` first';

describe.skipIf(notBuilt)('eventprobe local in its own process', () => {
  let child: ChildProcess;
  let endpoint: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [bin, 'local', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`eventprobe local exited with ${code}: ${out}`)));
    });
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves a bus, a rule, an SQS target with an InputTransformer, and delivers only matching events', async () => {
    const config = {
      endpoint,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    };
    const events = new EventBridgeClient(config);
    const sqs = new SQSClient(config);
    await events.send(new CreateEventBusCommand({ Name: 'shop' }));
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: 'big-orders',
        EventBusName: 'shop',
        EventPattern: JSON.stringify({ detail: { total: [{ numeric: ['>', 100] }] } }),
      }),
    );
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'big-orders' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          Policy: allowSendFrom({
            service: 'events.amazonaws.com',
            queueArn: Attributes?.QueueArn as string,
            sourceArn: RuleArn,
          }),
        },
      }),
    );
    const put = await events.send(
      new PutTargetsCommand({
        Rule: 'big-orders',
        EventBusName: 'shop',
        Targets: [
          {
            Id: 'q',
            Arn: Attributes?.QueueArn,
            InputTransformer: {
              InputPathsMap: { id: '$.detail.id', total: '$.detail.total' },
              InputTemplate: '{"order": <id>, "total": <total>}',
            },
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    await events.send(
      new PutEventsCommand({
        Entries: [50, 150, 99, 300].map((total, i) => ({
          EventBusName: 'shop',
          Source: 'shop',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify({ id: `o${i}`, total }),
        })),
      }),
    );
    const bodies: unknown[] = [];
    while (bodies.length < 2) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
      );
      bodies.push(...Messages.map((m) => JSON.parse(m.Body as string)));
      if (Messages.length === 0) break;
    }
    const { Messages: extra = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }),
    );
    expect(extra).toEqual([]);
    expect(bodies).toEqual(
      expect.arrayContaining([
        { order: 'o1', total: 150 },
        { order: 'o3', total: 300 },
      ]),
    );
    expect(bodies).toHaveLength(2);
    events.destroy();
    sqs.destroy();
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
