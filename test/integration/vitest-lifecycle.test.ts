/**
 * eventprobe/vitest inside vitest's lifecycle: waits that fit the test's timeout, useProbe refused
 * inside a test, the test's name on every resource, and failure artifacts (a deliberately failing
 * test, marked `fails`, writes them; the next test reads them).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactRecorder, emulatorState, TEST_TAG, tagValueOf } from '../../src/artifacts.js';
import { InvalidInputError } from '../../src/errors.js';
import { EventTimeoutError } from '../../src/listeners/errors.js';
import { LOCAL_CODE_BUCKET } from '../../src/local/index.js';
import { newTraceId } from '../../src/tracing/index.js';
import { testBudgetMs, UseProbeError, useProbe } from '../../src/vitest.js';
import { startTestAws } from '../support/aws.js';

const aws = await startTestAws();
const events = new EventBridgeClient(aws.clientConfig);
const sqs = new SQSClient(aws.clientConfig);
const xray = new XRayClient(aws.clientConfig);
const lambda = new LambdaClient(aws.clientConfig);
const BUS = `lifecycle-${Date.now().toString(36)}`;
await events.send(new CreateEventBusCommand({ Name: BUS }));
const artifactsDir = await mkdtemp(join(tmpdir(), 'eventprobe-artifacts-'));
afterAll(async () => {
  events.destroy();
  sqs.destroy();
  xray.destroy();
  lambda.destroy();
  await aws.close();
  await rm(artifactsDir, { recursive: true, force: true });
});

const probe = useProbe({ ...aws.clientConfig, sweep: false, artifacts: { dir: artifactsDir } });

const put = (detail: object) =>
  events.send(
    new PutEventsCommand({
      Entries: [
        { EventBusName: BUS, Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify(detail) },
      ],
    }),
  );

describe('waits inside the test timeout', () => {
  it('a default 30 s wait in a 1.5 s test ends with eventprobe’s timeout error, saying it was shortened', {
    timeout: 1_500,
  }, async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    const error = await listener.waitForEvent(() => false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventTimeoutError);
    expect((error as Error).message).toMatch(/shortened this wait from 30000 ms to \d+ ms/);
    const many = await listener
      .waitForEvents(undefined, { count: 2, timeout: 60_000 })
      .catch((e: unknown) => e);
    expect(many).toBeInstanceOf(EventTimeoutError);
  });

  it('a window that must be waited in full and would outlive the test is refused at once', {
    timeout: 1_500,
  }, async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await expect(listener.expectNoEvent(undefined, { within: 10_000 })).rejects.toThrow(
      expect.objectContaining({
        option: 'within',
        message: expect.stringContaining('would outlive the test'),
      }),
    );
    await expect(listener.collect({ duration: 10_000 })).rejects.toBeInstanceOf(InvalidInputError);
    // A window that fits runs as asked; pollEvents' 20 s default is shortened (and returns nothing).
    await listener.expectNoEvent(undefined, { within: 50 });
    expect(await listener.pollEvents()).toEqual([]);
    // toReceiveEvent's defaults fit the test too.
    await expect(expect(listener).toReceiveEvent()).rejects.toThrow(
      /the default 30000 ms was shortened to \d+ ms/,
    );
    await expect(listener).not.toReceiveEvent();
  });

  it('other members of a listener work as before', async () => {
    await using listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await put({ orderId: 'p' });
    await expect(listener).toReceiveEvent({ detail: { orderId: 'p' } });
    expect(listener.events).toHaveLength(1);
    expect(listener.stopped).toBe(false);
  });

  it('inside a test there is a budget', () => {
    expect(testBudgetMs()).toBeGreaterThan(0);
  });

  it('errors other than a timeout pass through a shortened wait untouched', { timeout: 1_500 }, async () => {
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await listener.stop();
    const error = (await listener.waitForEvent().catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('ListenerStoppedError');
    expect(error.message).not.toContain('shortened');
  });
});

describe('outside a test (hooks)', () => {
  const quiet = useProbe({ ...aws.clientConfig, sweep: false, artifacts: false });
  let budget: number | undefined = -1;
  let polled: unknown[] = [];
  beforeAll(async () => {
    budget = testBudgetMs();
    const listener = await quiet.addListener({ eventBusName: BUS, eventPattern: { source: ['hook'] } });
    polled = await listener.pollEvents({ waitTimeSeconds: 0.1 });
  });

  it('waits keep their own timeouts, and listeners carry no test tag', async () => {
    expect(budget).toBeUndefined();
    expect(polled).toEqual([]);
  });
});

describe('useProbe', () => {
  it('refuses to be called inside a test', () => {
    expect(() => useProbe({ ...aws.clientConfig })).toThrow(UseProbeError);
    expect(() => useProbe({ ...aws.clientConfig })).toThrow(
      /inside the test "refuses to be called inside a test"/,
    );
  });

  it('wraps SNS and Kinesis listeners too (fitted waits, test tag on the queue)', {
    timeout: 3_000,
  }, async () => {
    const sns = new SNSClient(aws.clientConfig);
    const kinesis = new KinesisClient(aws.clientConfig);
    try {
      const stream = `${BUS}-stream`;
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      {
        await using onStream = await probe.addKinesisListener({ streamName: stream });
        expect(await onStream.pollEvents({ waitTimeSeconds: 0.2 })).toEqual([]);
      }
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${BUS}-topic` }));
      const onTopic = await probe.addSnsListener({ topicArn: TopicArn as string });
      const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: onTopic.resources.queueUrl }));
      expect(Tags?.[TEST_TAG]).toContain('wraps SNS and Kinesis listeners too');
      // Last: the fitted wait uses up the test's time but for the margin left for vitest's reporting
      // (anything after it would have to fit in that margin, which a busy machine does not promise).
      await expect(onTopic.waitForEvent()).rejects.toThrow(/shortened this wait/);
    } finally {
      sns.destroy();
      kinesis.destroy();
    }
  });

  it('tags what a test creates with the test’s name', async () => {
    const listener = await probe.addListener({
      eventBusName: BUS,
      eventPattern: { source: ['shop'] },
      tags: { team: 'a' },
    });
    const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: listener.resources.queueUrl }));
    expect(Tags?.[TEST_TAG]).toBe('useProbe / tags what a test creates with the test_s name');
    expect(Tags?.team).toBe('a');
  });
});

describe('failure artifacts', () => {
  const traceId = newTraceId();
  // A function whose logs the failing test reads (its code from a folder: the built-in emulator only).
  const fn = `${BUS}-fn`;
  it.fails('a deliberately failing test (marked fails) leaves its artifacts', {
    timeout: 20_000,
  }, async () => {
    if (aws.local) {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: fn,
          Runtime: 'nodejs20.x',
          Role: 'arn:aws:iam::000000000000:role/lambda-role',
          Handler: 'handler.echo',
          Code: {
            S3Bucket: LOCAL_CODE_BUCKET,
            S3Key: fileURLToPath(new URL('../fixtures/lambda/checks', import.meta.url)),
          },
        }),
      );
      expect(await probe.invoke({ functionName: fn, payload: { id: 'L-1' } })).toEqual({
        got: { id: 'L-1' },
      });
      await probe.waitForLogs({
        functionName: fn,
        match: (e) => e.message.includes('plain line L-1'),
        timeout: 10_000,
      });
      await probe.expectNoFunctionErrors({ functionName: fn });
    }
    const listener = await probe.addListener({ eventBusName: BUS, eventPattern: { source: ['shop'] } });
    await put({ orderId: 'A-1', total: 42 });
    await listener.waitForEvent((e) => (e.detail as { orderId: string }).orderId === 'A-1');
    const now = Date.now() / 1000;
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [
          JSON.stringify({
            id: '70de5b6f19ff9a0a',
            trace_id: traceId,
            name: 'checkout',
            start_time: now,
            end_time: now + 0.2,
          }),
        ],
      }),
    );
    await probe.retryGetTraceTreeUntil(traceId, () => undefined, { timeout: 5_000, interval: 50 });
    expect(listener.events).toHaveLength(2); // fails: one event arrived
  });

  it('wrote what the listeners received and the last trace tree, and attached them to the test', async ({
    task,
  }) => {
    const failed = task.suite?.tasks.find((t) => t.name.startsWith('a deliberately failing test'));
    const folders = await readdir(artifactsDir);
    const folder = folders.find((f) => f.includes('a-deliberately-failing-test'));
    expect(folder).toBeDefined();
    const files = (await readdir(join(artifactsDir, folder as string))).sort();
    // The built-in emulator answers GET /_eventprobe/state, so its snapshot is there too.
    expect(files).toEqual(
      aws.local
        ? ['emulator-state.json', 'function-logs.txt', 'listeners.json', 'trace.txt']
        : ['listeners.json', 'trace.txt'],
    );
    const listeners = JSON.parse(
      await readFile(join(artifactsDir, folder as string, 'listeners.json'), 'utf8'),
    );
    const mine = listeners.find((l: { createdIn: string }) =>
      l.createdIn.includes('a deliberately failing test'),
    );
    expect(mine.received).toHaveLength(1);
    expect(mine.received[0].event.detail).toEqual({ orderId: 'A-1', total: 42 });
    expect(mine.received[0].raw.messageId).toEqual(expect.any(String));
    expect(await readFile(join(artifactsDir, folder as string, 'trace.txt'), 'utf8')).toContain('checkout');
    if (aws.local) {
      // The function logs it read: the invoke's log tail and what waitForLogs found, under the log group.
      const logs = (await readFile(join(artifactsDir, folder as string, 'function-logs.txt'), 'utf8')).split(
        '\n',
      );
      expect(logs[0]).toMatch(new RegExp(`^== /aws/lambda/${fn} \\(\\d+ events\\) ==$`));
      const tail = logs.filter((l) => l.includes('  (invoke log tail)  '));
      expect(tail.some((l) => l.includes('plain line L-1'))).toBe(true);
      const read = logs.filter((l) =>
        /^\d{4}-\d\d-\d\dT[^ ]+Z {2}(?!\(invoke)\S+ {2}.*plain line L-1/.test(l),
      );
      expect(read).toHaveLength(1);
    }
    const artifacts = failed?.type === 'test' ? failed.artifacts : [];
    expect(artifacts).toHaveLength(1);
    expect(artifacts[0]).toMatchObject({
      type: 'eventprobe:failure',
      dir: join(artifactsDir, folder as string),
    });
    expect(artifacts[0]?.attachments?.map((a) => a.contentType)).toEqual(
      aws.local
        ? ['application/json', 'text/plain', 'text/plain', 'application/json']
        : ['application/json', 'text/plain'],
    );
  });

  it('remembers the last tree of a trace assertion that timed out', async () => {
    await expect(
      probe.retryGetTraceTreeUntil(
        traceId,
        () => {
          throw new Error('never');
        },
        { timeout: 200, interval: 50 },
      ),
    ).rejects.toThrow();
    await expect(probe.getTraceTree(newTraceId())).rejects.toThrow();
    expect((await probe.getTraceTree(traceId)).complete).toBe(true);
  });
});

describe('artifact helpers', () => {
  it('reads the emulator state when the endpoint has it, and nothing otherwise', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/_eventprobe/state') res.end('{"sqs":{}}');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      expect(await emulatorState(url)).toBe('{"sqs":{}}');
      const files = await new ArtifactRecorder().collect(url);
      expect([...files.keys()]).toEqual(['listeners.json', 'emulator-state.json']);
      expect(files.get('listeners.json')).toBe('[]\n');
      expect(await emulatorState(`${url}/elsewhere`)).toBe('{"sqs":{}}');
      expect(await emulatorState('http://127.0.0.1:1')).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // An endpoint without the state endpoint (404): nothing.
    const bare = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareAddress = bare.address();
    try {
      const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`;
      expect(await emulatorState(bareUrl)).toBeUndefined();
    } finally {
      await new Promise((resolve) => bare.close(resolve));
    }
    // The built-in emulator has the state endpoint; an endpoint elsewhere may not.
    if (aws.local)
      expect(JSON.parse((await emulatorState(aws.endpoint as string)) as string)).toHaveProperty('accountId');
  });

  it('makes tag values AWS accepts', () => {
    expect(tagValueOf('a "quoted" test (1)')).toBe('a _quoted_ test _1_');
    expect(tagValueOf('x'.repeat(300))).toHaveLength(256);
    expect(existsSync(artifactsDir)).toBe(true);
  });
});
