import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { InvalidInputError, TraceNotFoundError } from '../../src/errors.js';
import { setXRayVisibility } from '../../src/local/services/xray/index.js';
import {
  assertNoTraceErrors,
  assertTracePath,
  assertTraceServices,
  fetchTraceSegments,
  getTraceTree,
  newTraceId,
  parseTraceHeader,
  renderTraceTree,
  retryGetTraceTreeUntil,
  runTraceCommand,
  TRACING_MIDDLEWARE_NAME,
  traceHeaderFromSqsMessage,
  withTracing,
} from '../../src/tracing/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';
import { allowSendFrom } from '../support/policy.js';

let aws: TestAws;
let xray: XRayClient;
let sqs: SQSClient;
let queueUrl: string;

const sid = (id: string): string => id.padEnd(16, '0');

/** Records the X-Amzn-Trace-Id headers each request carried on the wire. */
const captureTraceHeaders = (client: SQSClient): string[][] => {
  const seen: string[][] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      seen.push(
        Object.entries(headers)
          .filter(([k]) => k.toLowerCase() === 'x-amzn-trace-id')
          .map(([, v]) => v),
      );
      return next(args);
    },
    { step: 'finalizeRequest', name: 'captureTraceHeaders', priority: 'low' },
  );
  return seen;
};

beforeAll(async () => {
  aws = await startTestAws();
  xray = new XRayClient(aws.clientConfig);
  sqs = new SQSClient(aws.clientConfig);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `tracing-${Date.now()}` })))
    .QueueUrl as string;
});
afterAll(async () => {
  xray.destroy();
  sqs.destroy();
  await aws.close();
});

describe('withTracing', () => {
  it('sends a minted, sampled header that reaches the SQS message as AWSTraceHeader', async () => {
    const client = new SQSClient(aws.clientConfig);
    onTestFinished(() => client.destroy());
    const seen = captureTraceHeaders(client);
    const announced: string[] = [];
    const tracing = withTracing(client, { onHeader: (h, id) => announced.push(`${id}|${h}`) });
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hello' }));
    const header = tracing.lastTraceHeader as string;
    expect(header).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$/);
    expect(tracing.lastTraceId).toBe(parseTraceHeader(header).root);
    expect(announced).toEqual([`${tracing.lastTraceId}|${header}`]);
    expect(seen).toEqual([[header]]);
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MessageSystemAttributeNames: ['AWSTraceHeader'],
        WaitTimeSeconds: 1,
      }),
    );
    const message = got.Messages?.[0];
    expect(message && traceHeaderFromSqsMessage(message)).toBe(header);
  });

  it('reaches the SQS target of an EventBridge rule as AWSTraceHeader', async () => {
    const events = new EventBridgeClient(aws.clientConfig);
    onTestFinished(() => events.destroy());
    const name = `tracing-${Date.now()}`;
    const target = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
    const arn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: target, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn as string;
    const { RuleArn } = await events.send(
      new PutRuleCommand({ Name: name, EventPattern: JSON.stringify({ source: ['tracing.test'] }) }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: target,
        Attributes: {
          Policy: allowSendFrom({ service: 'events.amazonaws.com', queueArn: arn, sourceArn: RuleArn }),
        },
      }),
    );
    await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'q', Arn: arn }] }));
    await aws.settleRules();
    const tracing = withTracing(events);
    const root = tracing.mintRoot();
    await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'tracing.test', DetailType: 'T', Detail: '{}' }] }),
    );
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target,
        MessageSystemAttributeNames: ['AWSTraceHeader'],
        WaitTimeSeconds: 5,
      }),
    );
    const header = got.Messages?.[0] ? traceHeaderFromSqsMessage(got.Messages[0]) : undefined;
    expect(header && parseTraceHeader(header).root).toBe(root);
  });

  it('does not duplicate the header when patched twice, and updates the options', async () => {
    const client = new SQSClient(aws.clientConfig);
    onTestFinished(() => client.destroy());
    const seen = captureTraceHeaders(client);
    const root = newTraceId();
    const first = withTracing(client);
    const second = withTracing(client, { root, sampled: false });
    expect(second).toBe(first);
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    expect(seen).toEqual([[`Root=${root};Sampled=0`]]);
    const minted = first.mintRoot();
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    expect(seen[1]).toEqual([`Root=${minted};Sampled=0`]);
    first.remove();
    first.remove();
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    expect(seen[2]).toEqual([]);
    expect(client.middlewareStack.identify().some((m) => m.includes(TRACING_MIDDLEWARE_NAME))).toBe(false);
    expect(() => withTracing(client, { root: 'nope' })).toThrow(InvalidInputError);
  });

  it('keeps Root and Parent of a header already on the request but forces Sampled=1', async () => {
    const client = new SQSClient(aws.clientConfig);
    onTestFinished(() => client.destroy());
    const seen = captureTraceHeaders(client);
    const existing = `Root=${newTraceId()};Parent=53995c3f42cd8ad8;Sampled=0;Lineage=1:a:0`;
    let inject: string | undefined = existing;
    client.middlewareStack.add(
      (next) => async (args) => {
        if (inject !== undefined)
          (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = inject;
        return next(args);
      },
      { step: 'build', name: 'lambdaEnvHeader', priority: 'high' },
    );
    // A response header (as Lambda Invoke returns) is captured too.
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        (result.response as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'] =
          'Root=from-response';
        return result;
      },
      { step: 'deserialize', name: 'fakeResponseHeader' },
    );
    const tracing = withTracing(client);
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    expect(seen[0]).toEqual([existing.replace('Sampled=0', 'Sampled=1')]);
    expect(tracing.lastResponseTraceHeader).toBe('Root=from-response');

    withTracing(client, { mintRoot: false });
    inject = 'garbage';
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    expect(seen[1]).toEqual(['garbage']);
    inject = undefined;
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    expect(seen[2]).toEqual([]);
  });
});

/** A Step Functions → Lambda trace as X-Ray records it: the Lambda segments hang off the state machine's subsegment. */
const stepFunctionsTrace = (traceId: string, start: number, extraLinks: string[] = []): string[] => [
  JSON.stringify({
    id: sid('a1'),
    trace_id: traceId,
    name: 'orders-flow',
    origin: 'AWS::StepFunctions::StateMachine',
    start_time: start,
    end_time: start + 1.2,
    ...(extraLinks.length > 0 ? { links: extraLinks.map((t) => ({ trace_id: t })) } : {}),
    subsegments: [
      { id: sid('b1'), name: 'charge', namespace: 'aws', start_time: start + 0.01, end_time: start + 0.9 },
    ],
  }),
  JSON.stringify({
    id: sid('c1'),
    trace_id: traceId,
    name: 'charge',
    origin: 'AWS::Lambda',
    parent_id: sid('b1'),
    start_time: start + 0.02,
    end_time: start + 0.88,
  }),
  JSON.stringify({
    id: sid('d1'),
    trace_id: traceId,
    name: 'charge',
    origin: 'AWS::Lambda::Function',
    parent_id: sid('c1'),
    start_time: start + 0.05,
    end_time: start + 0.85,
    subsegments: [{ id: sid('e1'), name: 'Invocation', start_time: start + 0.06, end_time: start + 0.8 }],
  }),
];

describe('trace trees from the emulator', () => {
  it.skipIf(emulatorOnly)(
    'retryGetTraceTreeUntil returns the complete tree while X-Ray shows children before their parent',
    async () => {
      const emulator = aws.local!.emulator;
      onTestFinished(() => setXRayVisibility(emulator, {}));
      // The root segment shows up 300 ms after the Lambda segments that point at it.
      setXRayVisibility(emulator, { rules: [{ hasParent: false, delayMs: 300 }], delayMs: 0 });
      const traceId = newTraceId();
      await xray.send(
        new PutTraceSegmentsCommand({
          TraceSegmentDocuments: stepFunctionsTrace(traceId, Date.now() / 1000),
        }),
      );
      const early = await getTraceTree(xray, `Root=${traceId};Sampled=1`);
      expect(early.complete).toBe(false);
      expect(early.missing).toEqual([sid('b1')]);

      const tries: boolean[] = [];
      const tree = await retryGetTraceTreeUntil(
        xray,
        `Root=${traceId};Parent=${sid('a1')};Sampled=1`,
        (t) => {
          tries.push(t.complete);
          assertTracePath(t, ['AWS::StepFunctions::StateMachine', 'AWS::Lambda', 'AWS::Lambda::Function']);
          assertNoTraceErrors(t);
          assertTraceServices(t, [
            'AWS::StepFunctions::StateMachine',
            'AWS::Lambda',
            'AWS::Lambda::Function',
          ]);
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(tree.complete).toBe(true);
      expect(tries).toEqual([true]); // the assertion only sees complete trees
      expect(tree.paths.map((p) => p.map((s) => s.origin))).toEqual([
        ['AWS::StepFunctions::StateMachine', 'AWS::Lambda', 'AWS::Lambda::Function'],
      ]);
      const rendered = renderTraceTree(tree);
      expect(rendered).toContain('orders-flow (AWS::StepFunctions::StateMachine)');
    },
  );

  it('follows linked traces to maxDepth and flags the rest (IATK scenario)', async () => {
    const ids = [newTraceId(), newTraceId(), newTraceId(), newTraceId()];
    const start = Date.now() / 1000;
    const docs = ids.flatMap((id, i) =>
      stepFunctionsTrace(id, start, i + 1 < ids.length ? [ids[i + 1] as string] : []),
    );
    await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs }));
    const tree = await getTraceTree(xray, ids[0] as string, { fetchLinkedTraces: true, maxDepth: 2 });
    expect(tree.linked[0]?.traceId).toBe(ids[1]);
    expect(tree.linked[0]?.linked[0]?.traceId).toBe(ids[2]);
    expect(tree.linked[0]?.linked[0]?.linked).toEqual([]);
    expect(tree.depthExceeded).toBe(true);
    expect(tree.complete).toBe(true);
    const full = await getTraceTree(xray, ids[0] as string, { fetchLinkedTraces: true, maxDepth: 5 });
    expect(full.depthExceeded).toBe(false);
    assertTracePath(full, ['AWS::StepFunctions::StateMachine', 'AWS::Lambda', 'AWS::Lambda::Function']);
    expect(renderTraceTree(tree)).toContain('beyond maxDepth');
  });

  it('fetches many traces in chunks the API allows', async () => {
    const ids = Array.from({ length: 12 }, () => newTraceId());
    const start = Date.now() / 1000;
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: ids.flatMap((id) => stepFunctionsTrace(id, start)),
      }),
    );
    const found = await fetchTraceSegments(xray, [...ids, newTraceId()], {
      unprocessedRetries: 1,
      backoffMs: 1,
    });
    expect(found.size).toBe(12);
    await expect(getTraceTree(xray, newTraceId(), { unprocessedRetries: 0 })).rejects.toBeInstanceOf(
      TraceNotFoundError,
    );
  });

  it('eventprobe trace <header> prints the waterfall', async () => {
    const traceId = newTraceId();
    await xray.send(
      new PutTraceSegmentsCommand({ TraceSegmentDocuments: stepFunctionsTrace(traceId, Date.now() / 1000) }),
    );
    let out = '';
    const io = { xray, stdout: (s: string) => (out += s) };
    expect(await runTraceCommand([`Root=${traceId};Sampled=1`, '--linked'], io)).toBe(0);
    expect(out).toContain(`Trace ${traceId}`);
    expect(out).toContain('Invocation [subsegment]');
    out = '';
    expect(
      await runTraceCommand([traceId, '--segments-only', '--max-depth', '1'], {
        ...io,
        signal: new AbortController().signal,
      }),
    ).toBe(0);
    expect(out).not.toContain('Invocation');
    const partial = newTraceId();
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: stepFunctionsTrace(partial, Date.now() / 1000).slice(1),
      }),
    );
    expect(await runTraceCommand([partial], io)).toBe(1);
    await expect(runTraceCommand([], io)).rejects.toThrow(/Missing the tracing header/);
    await expect(runTraceCommand([traceId, '--bogus'], io)).rejects.toThrow(/Unknown option --bogus/);
    await expect(runTraceCommand([traceId, traceId], io)).rejects.toThrow(/Unexpected argument/);
  });
});
