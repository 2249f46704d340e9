import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvalidRuntimeException,
  InvokeCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  RemovePermissionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  TagResourceCommand,
  TooManyRequestsException,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  UntagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchGetTracesCommand, XRayClient } from '@aws-sdk/client-xray';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CODE_BUCKET, type LocalAws, startLocalAws } from '../../src/local/index.js';
import type { LambdaState } from '../../src/local/services/lambda/index.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/lambda/${name}`, import.meta.url));
const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const enc = new TextEncoder();
const dec = new TextDecoder();

let aws: LocalAws;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let sqs: SQSClient;
let clientConfig: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};
let n = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${n++}`;

const createLocal = async (
  name: string,
  dir: string,
  handler: string,
  extra: Record<string, unknown> = {},
) => {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: ROLE,
      Handler: handler,
      Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture(dir) },
      ...extra,
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: name });
};

const invoke = async (
  name: string,
  payload: unknown,
  extra: Record<string, unknown> = {},
  client = lambda,
) => {
  const out = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: enc.encode(JSON.stringify(payload)), ...extra }),
  );
  return { ...out, json: JSON.parse(dec.decode(out.Payload)) };
};

/** Waits (bounded by the test timeout) until `check` returns a value. */
const eventually = async <T>(check: () => Promise<T | undefined>): Promise<T> => {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
};

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, lambda: { asyncRetryDelayScale: 0 } });
  clientConfig = {
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  };
  lambda = new LambdaClient(clientConfig);
  logs = new CloudWatchLogsClient(clientConfig);
  sqs = new SQSClient(clientConfig);
});

afterAll(async () => {
  await aws.close();
});

describe('local Lambda: functions', () => {
  it('creates a function (Pending, then Active), lists, tags, publishes, aliases and deletes it', async () => {
    const name = unique('crud');
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: ROLE,
        Handler: 'app.context',
        Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture('cjs') },
        Tags: { team: 'orders' },
      }),
    );
    expect(created.State).toBe('Pending');
    expect(created.FunctionArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    expect(created).toMatchObject({ Timeout: 3, MemorySize: 128, Version: '$LATEST', PackageType: 'Zip' });
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: name });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Configuration?.State).toBe('Active');
    expect(got.Tags).toEqual({ team: 'orders' });
    await expect(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Role: ROLE,
          Handler: 'app.context',
          Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture('cjs') },
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceConflictException);

    await lambda.send(new TagResourceCommand({ Resource: created.FunctionArn, Tags: { env: 'test' } }));
    expect((await lambda.send(new ListTagsCommand({ Resource: created.FunctionArn }))).Tags).toEqual({
      team: 'orders',
      env: 'test',
    });
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: 'events',
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: 'arn:aws:events:us-east-1:000000000000:rule/r',
      }),
    );
    const policy = JSON.parse(
      (await lambda.send(new GetPolicyCommand({ FunctionName: name }))).Policy ?? '{}',
    );
    expect(policy.Statement[0]).toMatchObject({
      Sid: 'events',
      Principal: { Service: 'events.amazonaws.com' },
    });

    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v1.Version).toBe('1');
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Environment: { Variables: { GREETING: 'v2' } },
      }),
    );
    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const viaAlias = await invoke(name, { name: 'alias' }, { Qualifier: 'live' });
    expect(viaAlias.ExecutedVersion).toBe('1');
    expect(viaAlias.json.env.GREETING).toBeUndefined();
    expect(viaAlias.json.invokedFunctionArn).toBe(`${created.FunctionArn}:live`);
    const latest = await invoke(name, { name: 'latest' });
    expect(latest.ExecutedVersion).toBe('$LATEST');
    expect(latest.json.env.GREETING).toBe('v2');

    const listed = await lambda.send(new ListFunctionsCommand({}));
    expect(listed.Functions?.map((f) => f.FunctionName)).toContain(name);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    const state = aws.emulator.state<LambdaState>('lambda', 'us-east-1');
    expect(state.functions.has(name)).toBe(false);
  });

  it('gives the handler the context object and the runtime environment, and reuses warm instances', async () => {
    const name = unique('ctx');
    await createLocal(name, 'cjs', 'app.context', {
      MemorySize: 256,
      Timeout: 5,
      Environment: { Variables: { GREETING: 'hello' } },
    });
    const first = await invoke(name, { name: 'one' });
    const second = await invoke(name, { name: 'two' });
    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBeUndefined();
    expect(first.json).toMatchObject({
      event: { name: 'one' },
      invocations: 1,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      memoryLimitInMB: '256',
      logGroupName: `/aws/lambda/${name}`,
      callbackWaitsForEmptyEventLoop: true,
      env: {
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
        LAMBDA_TASK_ROOT: fixture('cjs'),
        _HANDLER: 'app.context',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
        AWS_ENDPOINT_URL: aws.endpoint,
        GREETING: 'hello',
      },
    });
    expect(first.json.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(first.json.env.AWS_LAMBDA_LOG_STREAM_NAME).toBe(first.json.logStreamName);
    expect(first.json.remaining).toBeGreaterThan(0);
    expect(first.json.remaining).toBeLessThanOrEqual(5000);
    expect(first.json.awsRequestId).not.toBe(second.json.awsRequestId);
    // The same warm instance: module state survives, same log stream.
    expect(second.json.invocations).toBe(2);
    expect(second.json.logStreamName).toBe(first.json.logStreamName);
    // The host's environment does not leak into the function.
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined();
  });

  it('runs callback-style handlers', async () => {
    const name = unique('cb');
    await createLocal(name, 'cjs', 'app.callback');
    expect((await invoke(name, { value: 7 })).json).toEqual({ via: 'callback', value: 7 });
    const errName = unique('cberr');
    await createLocal(errName, 'cjs', 'app.callbackError');
    const out = await invoke(errName, {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json).toMatchObject({ errorType: 'TypeError', errorMessage: 'callback said no' });
  });

  it('loads .mjs handlers (which may require .cjs helpers) and ESM .js by package.json type, from a zip', async () => {
    const mjs = unique('mjs');
    await createLocal(mjs, 'mjs', 'handler.main');
    expect((await invoke(mjs, { n: 21 })).json).toEqual({ doubled: 42, kind: 'mjs' });

    // A zip of the ESM fixture: unzipped into a temporary directory with no node_modules, so
    // @aws-sdk/client-sqs comes from the runtime (eventprobe's own dependencies), as on AWS.
    const zip = zipSync({
      'package.json': readFileSync(fixture('esm/package.json')),
      'src/app.js': readFileSync(fixture('esm/src/app.js')),
    });
    const esm = unique('esm');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: esm,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'src/app.handler',
        Code: { ZipFile: zip },
      }),
    );
    const queue = unique('from-lambda');
    const out = await invoke(esm, { queue, n: 1 });
    expect(out.FunctionError).toBeUndefined();
    expect(out.json.module).toBe('string');
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: out.json.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(JSON.parse(received.Messages?.[0]?.Body ?? '{}')).toEqual({ from: 'lambda', n: 1 });
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: esm }));
    expect(got.Configuration?.CodeSize).toBe(zip.length);
  });

  it('reports a missing handler as Runtime.HandlerNotFound and a missing module as Runtime.ImportModuleError', async () => {
    const missing = unique('nohandler');
    await createLocal(missing, 'cjs', 'app.nothingHere');
    const a = await invoke(missing, {});
    expect(a.FunctionError).toBe('Unhandled');
    expect(a.json).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'app.nothingHere is undefined or not exported',
    });
    const nomod = unique('nomodule');
    await createLocal(nomod, 'cjs', 'nope.handler');
    expect((await invoke(nomod, {})).json.errorType).toBe('Runtime.ImportModuleError');
  });
});

describe('local Lambda: failures', () => {
  it('answers a thrown error with FunctionError Unhandled, AWS error payload and the log tail', async () => {
    const name = unique('fail');
    await createLocal(name, 'cjs', 'app.fail');
    const out = await invoke(name, { id: 'o-1' }, { LogType: 'Tail' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json.errorType).toBe('OrderError');
    expect(out.json.errorMessage).toBe('order o-1 rejected');
    expect(out.json.trace[0]).toBe('OrderError: order o-1 rejected');
    const tail = Buffer.from(out.LogResult ?? '', 'base64')
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(tail[0]).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(tail[1]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[0-9a-f-]{36}\tERROR\tabout to fail o-1$/);
    expect(tail[2]).toContain(
      '\tERROR\tInvoke Error \t{"errorType":"OrderError","errorMessage":"order o-1 rejected"',
    );
    expect(tail[3]).toMatch(/^END RequestId: /);
    expect(tail[4]).toMatch(
      /^REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/,
    );
  });

  it('ends an instance that runs past its timeout (even a busy loop) with Sandbox.Timedout', async () => {
    const name = unique('spin');
    await createLocal(name, 'cjs', 'app.spin', { Timeout: 1 });
    const out = await invoke(name, {}, { LogType: 'Tail' });
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json.errorType).toBe('Sandbox.Timedout');
    expect(out.json.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
    const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(tail).toMatch(/Z [0-9a-f-]{36} Task timed out after 1\.00 seconds\n/);
    expect(tail).toContain('Status: timeout');
    const sleepy = unique('sleep');
    await createLocal(sleepy, 'cjs', 'app.sleep', { Timeout: 1 });
    expect((await invoke(sleepy, { ms: 5000 })).json.errorType).toBe('Sandbox.Timedout');
    // A new instance serves the next invocation.
    expect((await invoke(sleepy, { ms: 1 })).json).toEqual({ slept: 1 });
  });

  it('reports an unhandled rejection and process.exit as AWS does, and starts a new instance after', async () => {
    const rejecting = unique('reject');
    await createLocal(rejecting, 'cjs', 'app.reject');
    const out = await invoke(rejecting, {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.json).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: nobody waits for me',
    });
    const exiting = unique('exit');
    await createLocal(exiting, 'cjs', 'app.exit');
    const exited = await invoke(exiting, {});
    expect(exited.json).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with error: exit status 3',
    });
    expect((await invoke(exiting, {})).json.errorType).toBe('Runtime.ExitError');
    const pool = aws.emulator
      .state<LambdaState>('lambda', 'us-east-1')
      .functions.get(exiting)
      ?.pools.get('$LATEST');
    expect(pool?.size).toBe(0);
  });

  it('throttles past reserved concurrency with TooManyRequestsException', async () => {
    const name = unique('throttle');
    await createLocal(name, 'cjs', 'app.sleep');
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }),
    );
    const slow = invoke(name, { ms: 300 });
    await eventually(async () => {
      const pool = aws.emulator
        .state<LambdaState>('lambda', 'us-east-1')
        .functions.get(name)
        ?.pools.get('$LATEST');
      return pool && pool.inFlight > 0 ? true : undefined;
    });
    // One attempt: the SDK retries throttling by itself otherwise.
    const once = new LambdaClient({ ...clientConfig, maxAttempts: 1 });
    await expect(invoke(name, { ms: 1 }, {}, once)).rejects.toBeInstanceOf(TooManyRequestsException);
    expect((await slow).json).toEqual({ slept: 300 });
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }),
    );
    await expect(invoke(name, { ms: 1 }, {}, once)).rejects.toBeInstanceOf(TooManyRequestsException);
  });

  it('answers DryRun with 204 and an unknown function with ResourceNotFoundException', async () => {
    const name = unique('dry');
    await createLocal(name, 'cjs', 'app.fail');
    const out = await lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }));
    expect(out.StatusCode).toBe(204);
    await expect(invoke(unique('missing'), {})).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('local Lambda: asynchronous invocation', () => {
  const queue = async (prefix: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique(prefix) }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl as string, arn: attrs.Attributes?.QueueArn as string };
  };
  const receive = (url: string) =>
    eventually(async () => {
      const r = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      return r.Messages?.[0];
    });

  it('retries a failing event twice, then sends AWS record to the on-failure destination', async () => {
    const name = unique('async');
    await createLocal(name, 'cjs', 'app.fail');
    const dest = await queue('onfailure');
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        DestinationConfig: { OnFailure: { Destination: dest.arn } },
      }),
    );
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: enc.encode('{"id":"a-1"}') }),
    );
    expect(out.StatusCode).toBe(202);
    const message = await receive(dest.url);
    const record = JSON.parse(message.Body ?? '{}');
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: { id: 'a-1' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'OrderError', errorMessage: 'order a-1 rejected' },
    });
    // Three attempts: three START lines in the function's log.
    const events = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: '"START RequestId"' }),
    );
    expect(events.events).toHaveLength(3);
  });

  it('sends the event to the dead-letter queue with RequestID/ErrorCode/ErrorMessage when no destination is set', async () => {
    const name = unique('dlq');
    const dlq = await queue('dlq');
    await createLocal(name, 'cjs', 'app.fail', { DeadLetterConfig: { TargetArn: dlq.arn } });
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 0 }),
    );
    await lambda.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: enc.encode('{"id":"d-1"}') }),
    );
    const message = await receive(dlq.url);
    expect(JSON.parse(message.Body ?? '{}')).toEqual({ id: 'd-1' });
    expect(message.MessageAttributes?.ErrorCode?.StringValue).toBe('200');
    expect(message.MessageAttributes?.ErrorMessage?.StringValue).toBe('order d-1 rejected');
    expect(message.MessageAttributes?.RequestID?.StringValue).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends the success record to the on-success destination', async () => {
    const name = unique('ok');
    const dest = await queue('onsuccess');
    await createLocal(name, 'cjs', 'app.callback');
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: name,
        DestinationConfig: { OnSuccess: { Destination: dest.arn } },
      }),
    );
    await lambda.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: enc.encode('{"value":3}') }),
    );
    const record = JSON.parse((await receive(dest.url)).Body ?? '{}');
    expect(record.requestContext).toMatchObject({ condition: 'Success', approximateInvokeCount: 1 });
    expect(record.responsePayload).toEqual({ via: 'callback', value: 3 });
  });
});

describe('local Lambda: CloudWatch Logs', () => {
  it('writes console output with START/END/REPORT to /aws/lambda/<name>, one stream per instance', async () => {
    const name = unique('logs');
    await createLocal(name, 'cjs', 'app.json');
    await invoke(name, { level: 'ERROR', count: 3 });
    await invoke(name, { level: 'INFO', count: 1 });
    const group = `/aws/lambda/${name}`;
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(streams.logStreams).toHaveLength(1);
    const stream = streams.logStreams?.[0]?.logStreamName as string;
    const all = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
    );
    const messages = all.events?.map((e) => e.message ?? '') ?? [];
    expect(messages.filter((m) => m.startsWith('START RequestId: '))).toHaveLength(2);
    expect(messages.filter((m) => m.startsWith('END RequestId: '))).toHaveLength(2);
    expect(messages.filter((m) => m.startsWith('REPORT RequestId: '))).toHaveLength(2);
    expect(messages.filter((m) => m.includes('Init Duration'))).toHaveLength(1);
    expect(messages.some((m) => /\tWARN\tplain warning$/.test(m))).toBe(true);

    const errors = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: group,
        filterPattern: '{ $.level = "ERROR" && $.count > 2 }',
      }),
    );
    expect(errors.events).toHaveLength(1);
    expect(errors.events?.[0]?.message).toMatch(/\tINFO\t\{"level":"ERROR","count":3\}$/);
    const either = await logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: '?WARN ?REPORT' }),
    );
    expect(either.events).toHaveLength(4);
    const notWarn = await logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'INFO -ERROR' }),
    );
    expect(notWarn.events).toHaveLength(1);
  });
});

describe('local Lambda: code updates, runtimes, tracing', () => {
  it('runs the new code after UpdateFunctionCode with a zip', async () => {
    const name = unique('update');
    await createLocal(name, 'mjs', 'handler.main');
    expect((await invoke(name, { n: 2 })).json).toEqual({ doubled: 4, kind: 'mjs' });
    const zip = zipSync({
      'handler.mjs': enc.encode('export const main = async (e) => ({ tripled: e.n * 3 });'),
    });
    const updated = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zip }));
    expect(updated.CodeSize).toBe(zip.length);
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: name });
    expect((await invoke(name, { n: 2 })).json).toEqual({ tripled: 6 });
  });

  it('refuses code from S3 without an S3 service, and container images, with InvalidParameterValueException', async () => {
    const base = { Runtime: 'nodejs20.x' as const, Role: ROLE, Handler: 'app.handler' };
    const s3 = lambda.send(
      new CreateFunctionCommand({
        ...base,
        FunctionName: unique('s3'),
        Code: { S3Bucket: 'b', S3Key: 'k.zip' },
      }),
    );
    if (aws.emulator.service('s3')) await expect(s3).rejects.toThrow(/GetObject/);
    else await expect(s3).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          FunctionName: unique('img'),
          Code: { ImageUri: 'repo/image:1' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          FunctionName: unique('dir'),
          Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture('does-not-exist') },
        }),
      ),
    ).rejects.toThrow(/does not exist/);
  });

  it('stores functions of other runtimes but refuses to invoke them with InvalidRuntimeException', async () => {
    const name = unique('py');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'python3.12',
        Role: ROLE,
        Handler: 'app.handler',
        Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture('cjs') },
      }),
    );
    await expect(invoke(name, {})).rejects.toBeInstanceOf(InvalidRuntimeException);
  });

  it('records AWS::Lambda and AWS::Lambda::Function segments and gives the handler _X_AMZN_TRACE_ID', async () => {
    const name = unique('traced');
    await createLocal(name, 'cjs', 'app.context', { TracingConfig: { Mode: 'Active' } });
    const out = await invoke(name, { name: 'traced' });
    const header = String(out.json.env._X_AMZN_TRACE_ID);
    const m = /^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1$/.exec(header);
    expect(m).not.toBeNull();
    const xray = new XRayClient(clientConfig);
    const traces = await eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [m?.[1] as string] }));
      return r.Traces?.[0]?.Segments?.length === 2 ? r.Traces[0].Segments : undefined;
    });
    const docs = traces.map((s) => JSON.parse(s.Document ?? '{}'));
    const service = docs.find((d) => d.origin === 'AWS::Lambda');
    const fn = docs.find((d) => d.origin === 'AWS::Lambda::Function');
    expect(service).toMatchObject({ name, trace_id: m?.[1] });
    expect(fn).toMatchObject({ name, parent_id: service.id, id: m?.[2] });
    // The handler's own SDK clients carry the trace on (the SDK reads _X_AMZN_TRACE_ID in Lambda).
    const sender = unique('traced-sender');
    await createLocal(sender, 'esm', 'src/app.handler', { TracingConfig: { Mode: 'Active' } });
    const sent = await invoke(sender, { queue: unique('traced-q'), n: 2 });
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: sent.json.queueUrl,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['AWSTraceHeader'],
      }),
    );
    const propagated = received.Messages?.[0]?.Attributes?.AWSTraceHeader ?? '';
    const root = /Root=([^;]+)/.exec(propagated)?.[1];
    expect(root).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const senderTrace = await eventually(async () => {
      const r = await xray.send(new BatchGetTracesCommand({ TraceIds: [root as string] }));
      return r.Traces?.[0]?.Segments?.length ? r.Traces[0].Segments : undefined;
    });
    expect(senderTrace.map((seg) => JSON.parse(seg.Document ?? '{}').origin)).toContain(
      'AWS::Lambda::Function',
    );
    // Without Active tracing and without a sampled header, nothing is traced.
    const plain = unique('plain');
    await createLocal(plain, 'cjs', 'app.context');
    expect((await invoke(plain, {})).json.env._X_AMZN_TRACE_ID).toBeUndefined();
  });
});

describe('local Lambda: configuration APIs', () => {
  it('manages permissions, aliases, versions, concurrency, invoke configs and account settings', async () => {
    const name = unique('admin');
    await createLocal(name, 'cjs', 'app.callback');
    await expect(lambda.send(new GetPolicyCommand({ FunctionName: name }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: name,
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceAccount: '000000000000',
      }),
    );
    await expect(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: name,
          StatementId: 's3',
          Action: 'lambda:*',
          Principal: '*',
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceConflictException);
    await lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: 's3' }));
    await expect(
      lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: 's3' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'first' }));
    // Nothing changed: publishing again returns the same version.
    expect((await lambda.send(new PublishVersionCommand({ FunctionName: name }))).Version).toBe(v1.Version);
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 10 }));
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    expect([v1.Version, v2.Version, v2.Timeout]).toEqual(['1', '2', 10]);
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    expect(
      (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${name}:1` }))).Description,
    ).toBe('first');

    await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'prod', FunctionVersion: '1' }));
    const updated = await lambda.send(
      new UpdateAliasCommand({ FunctionName: name, Name: 'prod', FunctionVersion: '2' }),
    );
    expect(updated.AliasArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}:prod`);
    expect(
      (await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'prod' }))).FunctionVersion,
    ).toBe('2');
    expect(
      (await lambda.send(new ListAliasesCommand({ FunctionName: name }))).Aliases?.map((a) => a.Name),
    ).toEqual(['prod']);
    expect((await invoke(name, { value: 1 }, { Qualifier: 'prod' })).ExecutedVersion).toBe('2');
    await lambda.send(new DeleteAliasCommand({ FunctionName: name, Name: 'prod' }));
    await expect(
      lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'prod' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '1' }));
    await expect(invoke(name, {}, { Qualifier: '1' })).rejects.toBeInstanceOf(ResourceNotFoundException);

    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 5 }),
    );
    expect(
      (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })))
        .ReservedConcurrentExecutions,
    ).toBe(5);
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit?.ConcurrentExecutions).toBe(1000);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    expect(
      (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })))
        .ReservedConcurrentExecutions,
    ).toBeUndefined();

    await expect(
      lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 1 }),
    );
    await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumEventAgeInSeconds: 120 }),
    );
    const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }));
    expect([config.MaximumRetryAttempts, config.MaximumEventAgeInSeconds]).toEqual([1, 120]);
    expect(
      (await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name })))
        .FunctionEventInvokeConfigs,
    ).toHaveLength(1);
    await expect(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name, MaximumRetryAttempts: 3 })),
    ).rejects.toThrow(/maximumRetryAttempts/);
    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name }));

    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { a: '1', b: '2' } }));
    await lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['a'] }));
    expect((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ b: '2' });
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig);
    await tagging.send(new TagResourcesCommand({ ResourceARNList: [arn], Tags: { c: '3' } }));
    await tagging.send(new UntagResourcesCommand({ ResourceARNList: [arn], TagKeys: ['b'] }));
    const found = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['lambda:function'] }));
    expect(found.ResourceTagMappingList?.find((r) => r.ResourceARN === arn)?.Tags).toEqual([
      { Key: 'c', Value: '3' },
    ]);
    await createLocal(unique('second'), 'cjs', 'app.callback');
    const all = await lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
    expect(all.Functions).toHaveLength(1);
    expect(all.NextMarker).toBeDefined();
    const rest = await lambda.send(new ListFunctionsCommand({ Marker: all.NextMarker as string }));
    expect(rest.Functions?.map((f) => f.FunctionName)).not.toContain(all.Functions?.[0]?.FunctionName);
    expect(rest.NextMarker).toBeUndefined();
    await expect(lambda.send(new ListFunctionsCommand({ Marker: 'bogus' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Invalid Marker.',
    });
  });

  it('validates names, roles, timeouts, reserved variables and payloads', async () => {
    const base = {
      Runtime: 'nodejs20.x' as const,
      Role: ROLE,
      Handler: 'app.callback',
      Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: fixture('cjs') },
    };
    await expect(
      lambda.send(new CreateFunctionCommand({ ...base, FunctionName: 'bad name' })),
    ).rejects.toThrow(/functionName/);
    await expect(
      lambda.send(new CreateFunctionCommand({ ...base, FunctionName: unique('r'), Role: 'not-a-role' })),
    ).rejects.toThrow(/role/);
    await expect(
      lambda.send(new CreateFunctionCommand({ ...base, FunctionName: unique('t'), Timeout: 901 })),
    ).rejects.toThrow(/timeout/);
    await expect(
      lambda.send(
        new CreateFunctionCommand({
          ...base,
          FunctionName: unique('env'),
          Environment: { Variables: { AWS_REGION: 'eu-west-1' } },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    const name = unique('payload');
    await createLocal(name, 'cjs', 'app.callback');
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: name, Payload: enc.encode('{not json') })),
    ).rejects.toBeInstanceOf(InvalidRequestContentException);
    const empty = await lambda.send(new InvokeCommand({ FunctionName: name }));
    expect(JSON.parse(dec.decode(empty.Payload))).toEqual({ via: 'callback' });
  });
});
