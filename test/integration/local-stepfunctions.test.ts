import { fileURLToPath } from 'node:url';
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidDefinition,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TagResourceCommand,
  TaskDoesNotExist,
  UntagResourceCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetTracesCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configureStepFunctions,
  LOCAL_CODE_BUCKET,
  type LocalAws,
  startLocalAws,
} from '../../src/local/index.js';

const ROLE = 'arn:aws:iam::000000000000:role/sfn-role';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const code = fileURLToPath(new URL('../fixtures/lambda/sfn', import.meta.url));
const fnArn = (name: string): string => `arn:aws:lambda:${REGION}:000000000000:function:${name}`;

let aws: LocalAws;
let sfn: SFNClient;
let counter = 0;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, stepFunctions: { delayScale: 0 } });
  const config = { endpoint: aws.endpoint, region: REGION, credentials };
  sfn = new SFNClient({ ...config, disableHostPrefix: true });
  const lambda = new LambdaClient(config);
  for (const name of ['validate', 'charge', 'echo']) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: `sfn-${name}`,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: `orders.${name}`,
        Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: code },
      }),
    );
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: `sfn-${name}` });
  }
});

afterAll(async () => {
  await aws.close();
});

const create = async (definition: unknown, extra: Record<string, unknown> = {}): Promise<string> => {
  counter += 1;
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name: `machine-${counter}`,
      roleArn: ROLE,
      definition: JSON.stringify(definition),
      ...extra,
    }),
  );
  return out.stateMachineArn as string;
};

const settle = async (executionArn: string): Promise<DescribeExecutionCommandOutput> => {
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    await new Promise((r) => setTimeout(r, 10));
  }
};

const run = async (definition: unknown, input: unknown = {}) => {
  const stateMachineArn = await create(definition);
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  const done = await settle(executionArn as string);
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return {
    ...done,
    result: done.output === undefined ? undefined : JSON.parse(done.output),
    events: events as HistoryEvent[],
  };
};

const types = (events: HistoryEvent[]): string[] => events.map((e) => e.type as string);
const entered = (events: HistoryEvent[]): string[] =>
  events.flatMap((e) =>
    e.type?.endsWith('StateEntered') ? [e.stateEnteredEventDetails?.name as string] : [],
  );

describe('state machines', () => {
  it('creates, describes, lists, updates, tags and deletes', async () => {
    const def = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
    const arn = await create(def, { tags: [{ key: 'team', value: 'orders' }] });
    expect(arn).toMatch(/^arn:aws:states:us-east-1:000000000000:stateMachine:machine-\d+$/);
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(described).toMatchObject({ status: 'ACTIVE', type: 'STANDARD', roleArn: ROLE });
    expect(described.creationDate).toBeInstanceOf(Date);
    expect(JSON.parse(described.definition as string)).toEqual(def);
    const again = await sfn.send(
      new CreateStateMachineCommand({
        name: arn.split(':')[6],
        roleArn: ROLE,
        definition: JSON.stringify(def),
      }),
    );
    expect(again.stateMachineArn).toBe(arn);
    await expect(
      sfn.send(
        new CreateStateMachineCommand({
          name: arn.split(':')[6],
          roleArn: ROLE,
          definition: '{"StartAt":"Q","States":{"Q":{"Type":"Succeed"}}}',
        }),
      ),
    ).rejects.toBeInstanceOf(StateMachineAlreadyExists);
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.stateMachineArn)).toContain(arn);
    await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition: JSON.stringify({ StartAt: 'S', States: { S: { Type: 'Succeed' } } }),
        tracingConfiguration: { enabled: true },
      }),
    );
    const updated = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(updated.tracingConfiguration?.enabled).toBe(true);
    expect(JSON.parse(updated.definition as string).StartAt).toBe('S');
    await sfn.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'env', value: 'test' }] }));
    await sfn.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team'] }));
    const tags = await sfn.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(tags.tags).toEqual([{ key: 'env', value: 'test' }]);
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    await expect(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).rejects.toBeInstanceOf(
      StateMachineDoesNotExist,
    );
  });

  it.each([
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'X' } } },
      "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: X at /States/A/Next'",
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Succeed' }, B: { Type: 'Succeed' } } },
      `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B'`,
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::s3:getObject', End: true } } },
      'is not recognized',
    ],
    [{ StartAt: 'A', States: { A: { Type: 'Nope', End: true } } }, 'Value is not a valid state type: Nope'],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', Parameters: { 'x.$': 'States.Nope(1)' }, End: true } } },
      "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call",
    ],
    [
      {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', InputPath: '$.a', End: true } },
      },
      "The field 'InputPath' is not supported by the JSONata query language",
    ],
  ])('refuses an invalid definition (%#)', async (definition, message) => {
    const err = await create(definition).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDefinition);
    expect((err as Error).message).toContain(message);
  });

  it('refuses a definition that is not JSON', async () => {
    const err = await sfn
      .send(new CreateStateMachineCommand({ name: 'bad-json', roleArn: ROLE, definition: '{' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidDefinition);
    expect((err as Error).message).toContain('INVALID_JSON_DESCRIPTION');
  });
});

describe('JSONPath states', () => {
  it('runs Pass with Parameters, intrinsics, ResultSelector-free ResultPath and OutputPath', async () => {
    const out = await run(
      {
        StartAt: 'Shape',
        States: {
          Shape: {
            Type: 'Pass',
            InputPath: '$.order',
            Parameters: {
              'id.$': '$.id',
              'greeting.$': "States.Format('Hello {} #{}', $.name, $.id)",
              'parts.$': "States.StringSplit('a,b,,c', ',')",
              'len.$': 'States.ArrayLength($.items)',
              'sum.$': 'States.MathAdd($.id, 2)',
              'has.$': 'States.ArrayContains($.items, 2)',
              'range.$': 'States.ArrayRange(1, 9, 4)',
              'chunks.$': 'States.ArrayPartition($.items, 2)',
              'unique.$': 'States.ArrayUnique(States.Array(1, 1, 2))',
              'item.$': 'States.ArrayGetItem($.items, 1)',
              'b64.$': "States.Base64Encode('hi')",
              'plain.$': "States.Base64Decode('aGk=')",
              'hash.$': "States.Hash('abc', 'SHA-256')",
              'merged.$': 'States.JsonMerge($.a, $.b, false)',
              'json.$': 'States.JsonToString($.a)',
              'parsed.$': 'States.StringToJson(\'{"k":1}\')',
              'exec.$': '$$.Execution.Name',
              fixed: 'kept',
            },
            ResultPath: '$.shaped',
            OutputPath: '$.shaped',
            End: true,
          },
        },
      },
      { order: { id: 7, name: 'Ada', items: [1, 2, 3], a: { x: 1, y: 1 }, b: { y: 2 } } },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.result).toMatchObject({
      id: 7,
      greeting: 'Hello Ada #7',
      parts: ['a', 'b', 'c'],
      len: 3,
      sum: 9,
      has: true,
      range: [1, 5, 9],
      chunks: [[1, 2], [3]],
      unique: [1, 2],
      item: 2,
      b64: 'aGk=',
      plain: 'hi',
      hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      merged: { x: 1, y: 2 },
      json: '{"x":1,"y":1}',
      parsed: { k: 1 },
      fixed: 'kept',
    });
    expect(out.result.exec).toBe(out.name);
  });

  it('chooses with comparisons, And/Or/Not, Is* tests, StringMatches and ...Path variants', async () => {
    const def = {
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$.kind', StringMatches: 'prio*' },
                { Variable: '$.amount', NumericGreaterThanEquals: 100 },
              ],
              Next: 'Big',
            },
            {
              Or: [
                { Variable: '$.flag', BooleanEquals: true },
                { Variable: '$.missing', IsPresent: true },
              ],
              Next: 'Flagged',
            },
            { Not: { Variable: '$.when', IsTimestamp: true }, Next: 'NoDate' },
            { Variable: '$.amount', NumericLessThanPath: '$.limit', Next: 'Small' },
          ],
          Default: 'Other',
        },
        Big: { Type: 'Pass', Result: 'big', End: true },
        Flagged: { Type: 'Pass', Result: 'flagged', End: true },
        NoDate: { Type: 'Pass', Result: 'nodate', End: true },
        Small: { Type: 'Pass', Result: 'small', End: true },
        Other: { Type: 'Pass', Result: 'other', End: true },
      },
    };
    const when = '2026-01-01T00:00:00Z';
    expect((await run(def, { kind: 'priority', amount: 150, when })).result).toBe('big');
    expect((await run(def, { kind: 'normal', amount: 150, flag: true, when })).result).toBe('flagged');
    expect((await run(def, { kind: 'normal', amount: 1, flag: false })).result).toBe('nodate');
    expect(await run(def, { kind: 'normal', amount: 1 })).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
    });
    expect((await run(def, { kind: 'normal', amount: 1, limit: 5, when, flag: false })).result).toBe('small');
    expect((await run(def, { kind: 'normal', amount: 9, limit: 5, when, flag: false })).result).toBe('other');
    const { Other: _other, ...rest } = def.States;
    const none = await run(
      { ...def, States: { ...rest, Route: { ...def.States.Route, Default: undefined } } },
      {
        kind: 'normal',
        amount: 9,
        limit: 5,
        when,
        flag: false,
      },
    );
    expect(none).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
  });

  it('waits (scaled to nothing here), runs Parallel and Map with ItemSelector and MaxConcurrency', async () => {
    const out = await run(
      {
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', SecondsPath: '$.delay', Next: 'Until' },
          Until: { Type: 'Wait', Timestamp: '2000-01-01T00:00:00Z', Next: 'Both' },
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'L', States: { L: { Type: 'Pass', Result: 'left', End: true } } },
              { StartAt: 'R', States: { R: { Type: 'Pass', InputPath: '$.items', End: true } } },
            ],
            ResultPath: '$.both',
            Next: 'Each',
          },
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrency: 1,
            ItemSelector: {
              'value.$': '$$.Map.Item.Value',
              'index.$': '$$.Map.Item.Index',
              'tag.$': '$.tag',
            },
            ItemProcessor: {
              StartAt: 'Double',
              States: {
                Double: {
                  Type: 'Pass',
                  Parameters: { 'v.$': 'States.MathAdd($.value, $.value)', 'i.$': '$.index', 't.$': '$.tag' },
                  End: true,
                },
              },
            },
            ResultPath: '$.doubled',
            End: true,
          },
        },
      },
      { delay: 30, items: [1, 2, 3], tag: 'x' },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.result.both).toEqual(['left', [1, 2, 3]]);
    expect(out.result.doubled).toEqual([
      { v: 2, i: 0, t: 'x' },
      { v: 4, i: 1, t: 'x' },
      { v: 6, i: 2, t: 'x' },
    ]);
    const t = types(out.events);
    expect(t.filter((x) => x === 'MapIterationStarted')).toHaveLength(3);
    expect(t).toContain('ParallelStateStarted');
    expect(t.indexOf('ParallelStateSucceeded')).toBeLessThan(t.indexOf('MapStateStarted'));
  });

  it('fails with Error/Cause and ErrorPath/CausePath', async () => {
    const fixed = await run({
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Oops', Cause: 'because' } },
    });
    expect(fixed).toMatchObject({ status: 'FAILED', error: 'Oops', cause: 'because' });
    expect(types(fixed.events)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
    const dynamic = await run(
      {
        StartAt: 'F',
        States: { F: { Type: 'Fail', ErrorPath: '$.e', CausePath: "States.Format('bad {}', $.n)" } },
      },
      { e: 'Custom', n: 3 },
    );
    expect(dynamic).toMatchObject({ error: 'Custom', cause: 'bad 3' });
  });

  it('fails with States.Runtime on a missing path (not catchable)', async () => {
    const out = await run({
      StartAt: 'P',
      States: {
        P: { Type: 'Pass', InputPath: '$.nope', End: true },
      },
    });
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(out.cause).toContain("'$.nope'");
  });

  it('assigns variables and reads them later', async () => {
    const out = await run(
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { 'who.$': '$.name', n: 1 }, Next: 'B' },
          B: { Type: 'Pass', Parameters: { 'who.$': '$who', 'n.$': '$n' }, End: true },
        },
      },
      { name: 'Ada' },
    );
    expect(out.result).toEqual({ who: 'Ada', n: 1 });
    const exited = out.events.find((e) => e.type === 'PassStateExited');
    expect(exited?.stateExitedEventDetails?.assignedVariables).toEqual({ who: '"Ada"', n: '1' });
  });
});

describe('tasks', () => {
  const flow = (resourceFor: (fn: string) => Record<string, unknown>) => ({
    StartAt: 'Validate',
    States: {
      Validate: { Type: 'Task', ...resourceFor('sfn-validate'), Next: 'Charge' },
      Charge: {
        Type: 'Task',
        ...resourceFor('sfn-charge'),
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['PaymentDeclined'], ResultPath: '$.failure', Next: 'Declined' }],
        Next: 'Done',
      },
      Declined: { Type: 'Fail', Error: 'OrderDeclined', CausePath: '$.failure.Cause' },
      Done: { Type: 'Succeed' },
    },
  });

  it('runs Lambda function ARNs with Retry and records the history in AWS order', async () => {
    const out = await run(
      flow((fn) => ({ Resource: fnArn(fn) })),
      { orderId: 'o-1', amount: 10, flaky: 1 },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.result).toEqual({ orderId: 'o-1', charged: 10, attempts: 2 });
    expect(types(out.events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(out.events.map((e) => e.id)).toEqual(out.events.map((_, i) => i + 1));
    expect(out.events.map((e) => e.previousEventId)).toEqual(out.events.map((_, i) => i));
    const failed = out.events.find((e) => e.type === 'LambdaFunctionFailed');
    expect(failed?.lambdaFunctionFailedEventDetails?.error).toBe('TransientError');
    expect(JSON.parse(failed?.lambdaFunctionFailedEventDetails?.cause as string).errorMessage).toBe(
      'attempt 1 for o-1 failed',
    );
  });

  it('catches a function error by its errorType (lambda:invoke) and fails in the catcher', async () => {
    const out = await run(
      flow((fn) => ({
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: fn, 'Payload.$': '$' },
        ResultSelector: { 'body.$': '$.Payload', 'status.$': '$.StatusCode' },
        OutputPath: '$.body',
      })),
      { orderId: 'o-2', amount: 500 },
    );
    expect(out).toMatchObject({ status: 'FAILED', error: 'OrderDeclined' });
    expect(JSON.parse(out.cause as string)).toMatchObject({ errorType: 'PaymentDeclined' });
    expect(entered(out.events)).toEqual(['Validate', 'Charge', 'Declined']);
    const t = types(out.events);
    expect(t.slice(1, 6)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
    const scheduled = out.events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: REGION });
  });

  it('gives up after MaxAttempts and fails with the function error', async () => {
    const out = await run(
      flow((fn) => ({ Resource: fnArn(fn) })),
      { orderId: 'o-3', amount: 10, flaky: 5 },
    );
    expect(out).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(types(out.events).filter((t) => t === 'LambdaFunctionFailed')).toHaveLength(3);
  });

  it('sends to SQS and waits for a task token (success, failure, heartbeat)', async () => {
    const sqs = new SQSClient({ endpoint: aws.endpoint, region: REGION, credentials });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'sfn-tokens' }));
    const arn = await create({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl, MessageBody: { 'token.$': '$$.Task.Token', 'id.$': '$.id' } },
          HeartbeatSeconds: 60,
          End: true,
        },
      },
    });
    const answer = async (id: string) => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
      const body = JSON.parse(Messages?.[0]?.Body as string);
      expect(body.id).toBe(id);
      return body.token as string;
    };
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"id":"a"}' }));
    const token = await answer('a');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    expect(await settle(ok.executionArn as string)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"approved":true}',
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    const no = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"id":"b"}' }));
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: await answer('b'), error: 'Rejected', cause: 'no' }),
    );
    expect(await settle(no.executionArn as string)).toMatchObject({
      status: 'FAILED',
      error: 'Rejected',
      cause: 'no',
    });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: no.executionArn }));
    expect(types(events as HistoryEvent[])).toContain('TaskSubmitted');
  });

  it('fails a dynamodb task clearly when no dynamodb service runs', async () => {
    const out = await run({
      StartAt: 'Get',
      States: {
        Get: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:getItem',
          Parameters: { TableName: 't', Key: { id: { S: '1' } } },
          End: true,
        },
      },
    });
    if (aws.emulator.service('dynamodb')) return;
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(out.cause).toContain('dynamodb service is not part of this emulator');
  });

  it('times out a task token wait (States.Timeout, catchable)', async () => {
    const out = await run({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: 'http://localhost/000000000000/sfn-tokens', MessageBody: 'x' },
          TimeoutSeconds: 0.05,
          Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Late' }],
          End: true,
        },
        Late: { Type: 'Pass', End: true },
      },
    });
    expect(out.status).toBe('SUCCEEDED');
    expect(out.result).toEqual({ Error: 'States.Timeout', Cause: 'The task timed out.' });
    expect(types(out.events)).toContain('TaskTimedOut');
  });
});

describe('JSONata', () => {
  it('runs Arguments, Output, Assign and Condition with $states and variables', async () => {
    const out = await run(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'Total',
        States: {
          Total: {
            Type: 'Pass',
            Assign: { total: '{% $sum($states.input.items.price) %}' },
            Output: { count: '{% $count($states.input.items) %}' },
            Next: 'Route',
          },
          Route: {
            Type: 'Choice',
            Choices: [{ Condition: '{% $total > 10 %}', Next: 'Call' }],
            Default: 'Small',
          },
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: {
              FunctionName: 'sfn-echo',
              Payload: { total: '{% $total %}', n: '{% $states.input.count %}' },
            },
            Output: '{% $states.result.Payload %}',
            End: true,
          },
          Small: { Type: 'Succeed' },
        },
      },
      { items: [{ price: 5 }, { price: 8 }] },
    );
    expect(out.status).toBe('SUCCEEDED');
    expect(out.result).toEqual({ total: 13, n: 2 });
  });

  it('catches with $states.errorOutput and maps with Items', async () => {
    const out = await run({
      QueryLanguage: 'JSONata',
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          Items: '{% [1, 2] %}',
          ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'x' } } },
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Output: { caught: '{% $states.errorOutput.Error %}' },
              Next: 'Done',
            },
          ],
          End: true,
        },
        Done: { Type: 'Pass', End: true },
      },
    });
    expect(out.result).toEqual({ caught: 'Boom' });
  });

  it('fails with States.QueryEvaluationError on a failing expression', async () => {
    const out = await run({
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: '{% $states.input.nothing %}', End: true } },
    });
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
  });
});

describe('executions', () => {
  it('lists, stops (ABORTED) and refuses unknown executions', async () => {
    const arn = await create({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, End: true } } });
    const aws2 = arn; // same machine, two executions
    const a = await sfn.send(new StartExecutionCommand({ stateMachineArn: aws2, name: 'first' }));
    await settle(a.executionArn as string);
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(executions?.map((e) => e.name)).toEqual(['first']);
    await sfn.send(new StopExecutionCommand({ executionArn: a.executionArn, error: 'late' }));
    await expect(
      sfn.send(
        new DescribeExecutionCommand({ executionArn: `${arn.replace('stateMachine', 'execution')}:nope` }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('stops a running execution waiting for a token', async () => {
    const arn = await create({
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: 'http://localhost/000000000000/sfn-stop', MessageBody: 'x' },
          End: true,
        },
      },
    });
    const sqs = new SQSClient({ endpoint: aws.endpoint, region: REGION, credentials });
    await sqs.send(new CreateQueueCommand({ QueueName: 'sfn-stop' }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: 'http://localhost/000000000000/sfn-stop', WaitTimeSeconds: 5 }),
    );
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Halt', cause: 'test' }));
    const done = await settle(executionArn as string);
    expect(done).toMatchObject({ status: 'ABORTED', error: 'Halt', cause: 'test' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(events?.[0]?.type).toBe('ExecutionAborted');
  });

  it('runs an EXPRESS machine synchronously', async () => {
    const arn = await create(
      {
        StartAt: 'P',
        States: { P: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, End: true } },
      },
      { type: 'EXPRESS' },
    );
    const out = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"n":21}' }));
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output as string)).toEqual({ doubled: 42 });
    expect(out.executionArn).toContain(':express:');
  });

  it('records the StateMachine segment and passes the trace to the Lambda functions it invokes', async () => {
    const arn = await create(
      { StartAt: 'V', States: { V: { Type: 'Task', Resource: fnArn('sfn-validate'), End: true } } },
      { tracingConfiguration: { enabled: true } },
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"orderId":"t-1"}' }),
    );
    const done = await settle(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    const root = /Root=([^;]+)/.exec(done.traceHeader as string)?.[1] as string;
    expect(JSON.parse(done.output as string).trace).toContain(`Root=${root}`);
    const xray = new XRayClient({ endpoint: aws.endpoint, region: REGION, credentials });
    let origins: string[] = [];
    for (let i = 0; i < 100 && !origins.includes('AWS::Lambda::Function'); i++) {
      const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [root] }));
      origins = (Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document as string).origin);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(origins).toEqual(
      expect.arrayContaining(['AWS::StepFunctions::StateMachine', 'AWS::Lambda', 'AWS::Lambda::Function']),
    );
  });

  it("hangs the StateMachine segment below the caller's segment named by the header's Parent", async () => {
    const arn = await create({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const xray = new XRayClient({ endpoint: aws.endpoint, region: REGION, credentials });
    /** The state machine segment of an execution started with `traceHeader`, once recorded. */
    const machineSegment = async (traceHeader: string) => {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, traceHeader }),
      );
      expect((await settle(executionArn as string)).status).toBe('SUCCEEDED');
      const root = /Root=([^;]+)/.exec(traceHeader)?.[1] as string;
      for (let i = 0; i < 100; i++) {
        const { Traces } = await xray.send(new BatchGetTracesCommand({ TraceIds: [root] }));
        const docs = (Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document as string));
        const machine = docs.find((d) => d.origin === 'AWS::StepFunctions::StateMachine');
        if (machine) return machine;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no StateMachine segment in trace ${root}`);
    };
    // An upstream caller (e.g. a function's PutEvents subsegment, passed on by an EventBridge rule).
    const linked = await machineSegment(
      'Root=1-5759e988-bd862e3fe1be46a994272701;Parent=53995c3f42cd8ad8;Sampled=1',
    );
    expect(linked).toMatchObject({
      trace_id: '1-5759e988-bd862e3fe1be46a994272701',
      parent_id: '53995c3f42cd8ad8',
    });
    // No Parent: the execution's segment is a root of its trace.
    const root = await machineSegment('Root=1-5759e988-bd862e3fe1be46a994272702;Sampled=1');
    expect(root.trace_id).toBe('1-5759e988-bd862e3fe1be46a994272702');
    expect(root).not.toHaveProperty('parent_id');
  });
});

describe('more behaviour', () => {
  it('refuses bad requests with AWS error codes', async () => {
    const arn = await create({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const err = (p: Promise<unknown>) => p.catch((e: { name: string }) => e.name);
    expect(
      await err(
        sfn.send(new CreateStateMachineCommand({ name: 'bad name', roleArn: ROLE, definition: '{}' })),
      ),
    ).toBe('InvalidName');
    expect(
      await err(sfn.send(new CreateStateMachineCommand({ name: 'n', roleArn: 'role', definition: '{}' }))),
    ).toBe('InvalidArn');
    expect(
      await err(
        sfn.send(
          new CreateStateMachineCommand({
            name: 'n',
            roleArn: ROLE,
            definition: '{}',
            type: 'OTHER' as never,
          }),
        ),
      ),
    ).toBe('ValidationException');
    expect(await err(sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'nope' })))).toBe(
      'InvalidArn',
    );
    expect(await err(sfn.send(new DescribeExecutionCommand({ executionArn: 'nope' })))).toBe('InvalidArn');
    expect(await err(sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{' })))).toBe(
      'InvalidExecutionInput',
    );
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'once' }));
    expect(await err(sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'once' })))).toBe(
      'ExecutionAlreadyExists',
    );
    expect(await err(sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arn })))).toBe(
      'StateMachineTypeNotSupported',
    );
    expect(await err(sfn.send(new UpdateStateMachineCommand({ stateMachineArn: arn })))).toBe(
      'MissingRequiredParameter',
    );
    expect(await err(sfn.send(new ListStateMachinesCommand({ nextToken: 'x' })))).toBe('InvalidToken');
    expect(await err(sfn.send(new SendTaskSuccessCommand({ taskToken: 'nope', output: '{}' })))).toBe(
      'TaskDoesNotExist',
    );
    expect(await err(sfn.send(new ListTagsForResourceCommand({ resourceArn: `${arn}x` })))).toBe(
      'ResourceNotFound',
    );
    expect(await err(sfn.send(new DeleteStateMachineCommand({ stateMachineArn: `${arn}x` })))).toBe(
      'StateMachineDoesNotExist',
    );
  });

  it('pages machines and history, and leaves data out when asked', async () => {
    await create({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    const first = await sfn.send(new ListStateMachinesCommand({ maxResults: 1 }));
    expect(first.stateMachines).toHaveLength(1);
    const second = await sfn.send(
      new ListStateMachinesCommand({ maxResults: 1, nextToken: first.nextToken }),
    );
    expect(second.stateMachines?.[0]?.stateMachineArn).not.toBe(first.stateMachines?.[0]?.stateMachineArn);
    const out = await run(
      { StartAt: 'P', States: { P: { Type: 'Pass', Next: 'Q' }, Q: { Type: 'Pass', End: true } } },
      { a: 1 },
    );
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn: out.executionArn,
        maxResults: 2,
        includeExecutionData: false,
      }),
    );
    expect(page.events).toHaveLength(2);
    expect(page.nextToken).toBeDefined();
    expect(page.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    const { executions } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: out.stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );
    expect(executions).toHaveLength(1);
  });

  it('publishes to SNS and puts events, and fails on a refused entry', async () => {
    const sent = await run({
      StartAt: 'Publish',
      States: {
        Publish: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          Parameters: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: { a: 1 } },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.snsError', Next: 'Put' }],
          Next: 'Put',
        },
        Put: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents',
          Parameters: { Entries: [{ Source: 'orders', DetailType: 'Placed', Detail: { id: 1 } }] },
          ResultPath: '$.put',
          End: true,
        },
      },
    });
    expect(sent.status).toBe('SUCCEEDED');
    expect(sent.result.snsError.Error).toMatch(/^SNS\./);
    expect(sent.result.put.FailedEntryCount).toBe(0);
    const refused = await run({
      StartAt: 'Put',
      States: {
        Put: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents',
          Parameters: {
            Entries: [{ Source: 'orders', DetailType: 'Placed', Detail: 'not json', EventBusName: 'nope' }],
          },
          End: true,
        },
      },
    });
    expect(refused).toMatchObject({ status: 'FAILED' });
    expect(refused.error).toMatch(/^EventBridge\./);
  });

  it('names Lambda service errors Lambda.<code> and requires FunctionName', async () => {
    const missing = await run({
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: fnArn('nope'), End: true } },
    });
    expect(missing).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
    const noName = await run({
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: {}, End: true } },
    });
    expect(noName).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('times out an execution (TimeoutSeconds) and a task without heartbeat', async () => {
    const def = (extra: Record<string, unknown>, task: Record<string, unknown>) => ({
      ...extra,
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { QueueUrl: 'http://localhost/000000000000/sfn-timeouts', MessageBody: 'x' },
          End: true,
          ...task,
        },
      },
    });
    const sqs = new SQSClient({ endpoint: aws.endpoint, region: REGION, credentials });
    await sqs.send(new CreateQueueCommand({ QueueName: 'sfn-timeouts' }));
    const whole = await run(def({ TimeoutSeconds: 0.05 }, {}));
    expect(whole).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types(whole.events).at(-1)).toBe('ExecutionTimedOut');
    const beat = await run(def({}, { HeartbeatSeconds: 0.05 }));
    expect(beat).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
      cause: 'The task did not send a heartbeat in time.',
    });
  });

  it('fails Parallel and Map on a failing branch, catchable, with their events', async () => {
    const out = await run(
      {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Left' } } },
              { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, End: true } } },
            ],
            Catch: [{ ErrorEquals: ['Left'], ResultPath: null, Next: 'Each' }],
            End: true,
          },
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            Iterator: { StartAt: 'F2', States: { F2: { Type: 'Fail', Error: 'Item' } } },
            End: true,
          },
        },
      },
      { items: [1] },
    );
    expect(out).toMatchObject({ status: 'FAILED', error: 'Item' });
    expect(types(out.events)).toEqual(
      expect.arrayContaining(['ParallelStateFailed', 'MapIterationFailed', 'MapStateFailed']),
    );
    const notArray = await run(
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            End: true,
          },
        },
      },
      { a: 1 },
    );
    expect(notArray).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });

  it('runs Wait states with a real (scaled) sleep, and stops one in the middle', async () => {
    configureStepFunctions(aws.emulator, { delayScale: 0.001 });
    try {
      const out = await run(
        {
          QueryLanguage: 'JSONata',
          StartAt: 'W',
          States: {
            W: { Type: 'Wait', Seconds: '{% $states.input.s %}', Next: 'R' },
            R: {
              Type: 'Pass',
              Output: '{% $states.input %}',
              Next: 'Retry',
            },
            Retry: {
              Type: 'Task',
              Resource: fnArn('sfn-charge'),
              Arguments: { orderId: 'scaled', flaky: 1 },
              Retry: [
                {
                  ErrorEquals: ['States.ALL'],
                  IntervalSeconds: 3,
                  MaxDelaySeconds: 1,
                  JitterStrategy: 'FULL',
                },
              ],
              End: true,
            },
          },
        },
        { s: 5 },
      );
      expect(out.status).toBe('SUCCEEDED');
      const arn = await create({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 100000, End: true } } });
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
      await sfn.send(new StopExecutionCommand({ executionArn }));
      expect(await settle(executionArn as string)).toMatchObject({ status: 'ABORTED' });
    } finally {
      configureStepFunctions(aws.emulator, { delayScale: 0 });
    }
  });

  it('refuses bad Wait values, and chooses in JSONata with Output and Assign', async () => {
    const negative = await run(
      { StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
      { s: -1 },
    );
    expect(negative).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const badDate = await run(
      { StartAt: 'W', States: { W: { Type: 'Wait', TimestampPath: '$.t', End: true } } },
      { t: 'soon' },
    );
    expect(badDate).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const chose = await run(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [
              {
                Condition: '{% $states.input.n > 5 %}',
                Assign: { big: true },
                Output: { n: '{% $states.input.n %}' },
                Next: 'Done',
              },
            ],
            Default: 'Done',
          },
          Done: { Type: 'Pass', Output: { n: '{% $states.input.n %}', big: '{% $big %}' }, End: true },
        },
      },
      { n: 9 },
    );
    expect(chose.result).toEqual({ n: 9, big: true });
  });

  it('fails on results over 256 KiB with States.DataLimitExceeded (not caught by States.ALL)', async () => {
    const out = await run(
      {
        StartAt: 'Big',
        States: {
          Big: {
            Type: 'Pass',
            Parameters: { 'big.$': 'States.ArrayRange(1, 1000, 1)', 'text.$': "States.Format('{}', $.s)" },
            Next: 'Bigger',
          },
          Bigger: {
            Type: 'Task',
            Resource: fnArn('sfn-echo'),
            Parameters: { 'a.$': '$', 'b.$': '$', 'c.$': '$', 'd.$': '$', 'e.$': '$' },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      },
      { s: 'x'.repeat(60_000) },
    );
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('runs an EXPRESS machine asynchronously without describing it', async () => {
    const arn = await create(
      { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      { type: 'EXPRESS' },
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    expect(executionArn).toContain(':express:');
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'InvalidArn',
    });
  });
});

describe('aborted siblings', () => {
  it('records MapIterationAborted for iterations stopped by a failing sibling', async () => {
    const sqs = new SQSClient({ endpoint: aws.endpoint, region: REGION, credentials });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'sfn-siblings' }));
    const out = await run(
      {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              StartAt: 'Kind',
              States: {
                Kind: {
                  Type: 'Choice',
                  Choices: [{ Variable: '$', NumericEquals: 1, Next: 'Boom' }],
                  Default: 'Ask',
                },
                Boom: { Type: 'Fail', Error: 'Boom' },
                Ask: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
                  Parameters: { QueueUrl, MessageBody: 'x' },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
      [2, 1],
    );
    expect(out).toMatchObject({ status: 'FAILED', error: 'Boom' });
    const t = types(out.events);
    expect(t.filter((x) => x === 'MapIterationFailed')).toHaveLength(1);
    expect(t.filter((x) => x === 'MapIterationAborted')).toHaveLength(1);
  });
});
