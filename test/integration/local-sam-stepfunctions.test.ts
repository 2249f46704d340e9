import { fileURLToPath } from 'node:url';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListTagsForResourceCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertExecutionPath, createProbe, ExecutionFailedError, type Probe } from '../../src/index.js';
import { deployStack } from '../../src/local/index.js';
import '../../src/vitest.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

/**
 * Issue 16's "done when" through SAM: an `AWS::Serverless::StateMachine` (definition in its own
 * file, DefinitionSubstitutions with the functions' ARNs) runs two SAM functions with a Retry and a
 * Catch; the probe's wait returns its output, and a failing branch names the failed state. Its
 * EventBridgeRule event starts executions with the target's input transformation.
 */
const template = fileURLToPath(new URL('../fixtures/sam-stepfunctions/template.yaml', import.meta.url));

let aws: TestAws;
let probe: Probe;
let sfn: SFNClient;
let events: EventBridgeClient;
let stateMachineArn: string;

/** Polls ListExecutions until the machine has `count` executions (newest first), at most `tries` times. */
const executionsOf = async (arn: string, count: number, tries = 200) => {
  for (let i = 0; i < tries; i++) {
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    if (executions.length >= count) return executions;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the state machine ${arn} did not get ${count} executions`);
};

describe.skipIf(emulatorOnly)('a SAM state machine (AWS::Serverless::StateMachine) in the emulator', () => {
  beforeAll(async () => {
    aws = await startTestAws({ stepFunctions: { delayScale: 0 } });
    const [deployed] = await deployStack({
      template,
      stackName: 'sam-order-flow',
      endpoint: aws.endpoint as string,
      region: aws.region,
      credentials: aws.clientConfig.credentials,
    });
    stateMachineArn = deployed?.outputs.StateMachineArn as string;
    probe = createProbe({ ...aws.clientConfig });
    sfn = new SFNClient(aws.clientConfig);
    events = new EventBridgeClient(aws.clientConfig);
  });

  afterAll(async () => {
    await probe?.[Symbol.asyncDispose]();
    await aws?.close();
  });

  it('deploys the machine from DefinitionUri with its substitutions, tracing, tags and a generated name', async () => {
    const { StateMachineName } = await probe.stackOutputs('sam-order-flow', ['StateMachineName']);
    expect(StateMachineName).toMatch(/^OrderFlow-[A-Za-z0-9]{12}$/);
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(machine.tracingConfiguration).toEqual({ enabled: true });
    expect(machine.type).toBe('STANDARD');
    const definition = JSON.parse(machine.definition as string);
    expect(definition.States.Validate.Resource).toMatch(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:/);
    expect(definition.States.Charge.Parameters.FunctionName).toMatch(/:function:/);
    expect(machine.definition).not.toContain('${');
    expect(machine.roleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    const { tags = [] } = await sfn.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn }));
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'app', value: 'orders' },
        { key: 'stateMachine:createdBy', value: 'SAM' },
      ]),
    );
  });

  it('creates a rule per event, each targeting the machine with a role (pattern and schedule)', async () => {
    const { Rules = [] } = await events.send(new ListRulesCommand({}));
    const pattern = Rules.find((r) => r.EventPattern?.includes('shop.orders'));
    const schedule = Rules.find((r) => r.ScheduleExpression === 'rate(1 day)');
    expect(pattern?.Name).toBeDefined();
    expect(schedule?.Name).toBeDefined();
    for (const rule of [pattern, schedule]) {
      const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: rule?.Name }));
      expect(Targets).toHaveLength(1);
      expect(Targets[0]?.Arn).toBe(stateMachineArn);
      expect(Targets[0]?.Id).toMatch(/^OrderFlow(OrderPlaced|Nightly)StepFunctionsTarget$/);
      expect(Targets[0]?.RoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    }
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: schedule?.Name }));
    expect(JSON.parse(Targets[0]?.Input as string)).toEqual({ orderId: 'nightly', amount: 1 });
  });

  it('runs both functions, retrying a TransientError, and the probe returns the output', async () => {
    const started = await probe.startExecution({
      stateMachineArn,
      input: { orderId: 'sam-ok', amount: 30, flaky: 2 },
    });
    const result = await probe.waitForExecution({ executionArn: started.executionArn, timeout: 30_000 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'sam-ok', charged: 30, shipped: true });
    expect(assertExecutionPath(result.history, ['Validate', 'Charge', 'Ship'])).toEqual([
      'Validate',
      'Charge',
      'Ship',
    ]);
    expect(result).toHaveExecutionPath(['Validate', 'Charge', 'Ship']);
    // Two failed attempts, retried by the Charge state's Retry, then success.
    expect(result.history.filter((e) => e.type === 'TaskFailed')).toHaveLength(2);
    expect(result.history.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
  });

  it('a declined charge goes to the Catch branch: the error names the failed state, its error and cause', async () => {
    const { executionArn } = await probe.startExecution({
      stateMachineArn,
      input: { orderId: 'sam-big', amount: 900 },
    });
    const err = await probe.waitForExecution({ executionArn, timeout: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionFailedError);
    const failed = err as ExecutionFailedError;
    expect(failed).toMatchObject({ status: 'FAILED', failedState: 'Declined', error: 'OrderDeclined' });
    expect(failed.path).toEqual(['Validate', 'Charge', 'Declined']);
    const asked = await probe.waitForExecution({ executionArn, status: 'FAILED', timeout: 5_000 });
    expect(asked).toHaveExecutionPath(['Validate', 'Charge', 'Declined']);
    expect(asked).not.toHaveExecutionPath(['Ship'], { exact: false });
    expect(failed.message).toContain('in state "Declined"');
    expect(failed.message).toContain('card declined for sam-big');
  });

  it('a failing first function fails the execution in that state', async () => {
    const { executionArn } = await probe.startExecution({ stateMachineArn, input: { amount: 5 } });
    const err = (await probe
      .waitForExecution({ executionArn, timeout: 30_000 })
      .catch((e: unknown) => e)) as ExecutionFailedError;
    expect(err).toBeInstanceOf(ExecutionFailedError);
    expect(err.failedState).toBe('Validate');
    expect(err.path).toEqual(['Validate']);
    expect(err.message).toContain('orderId is required');
  });

  it('an event matching the SAM EventBridgeRule starts an execution with the transformed input', async () => {
    const before = (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions?.length ?? 0;
    await aws.settleRules(); // under AWS timing, a new rule matches only after a delay
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'shop.orders',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify({ orderId: 'from-bus', amount: 12 }),
          },
          { Source: 'shop.orders', DetailType: 'OrderShipped', Detail: JSON.stringify({ orderId: 'x' }) },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const [newest] = await executionsOf(stateMachineArn, before + 1);
    const result = await probe.waitForExecution({
      executionArn: newest?.executionArn as string,
      timeout: 30_000,
    });
    expect(result.output).toEqual({ orderId: 'from-bus', charged: 12, shipped: true });
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: newest?.executionArn }));
    expect(JSON.parse(described.input as string)).toEqual({
      orderId: 'from-bus',
      amount: 12,
      via: 'eventbridge',
    });
    // Only the matching event started one.
    const after = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(after.executions).toHaveLength(before + 1);
  });

  it('a state machine target put by hand receives the whole event (no input given), on a custom bus', async () => {
    const echo = await sfn.send(
      new CreateStateMachineCommand({
        name: 'echo-events',
        roleArn: 'arn:aws:iam::000000000000:role/echo',
        definition: JSON.stringify({ StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }),
      }),
    );
    await events.send(new CreateEventBusCommand({ Name: 'flows' }));
    await events.send(
      new PutRuleCommand({ Name: 'to-echo', EventBusName: 'flows', EventPattern: '{"source":["t"]}' }),
    );
    const targets = await events.send(
      new PutTargetsCommand({
        Rule: 'to-echo',
        EventBusName: 'flows',
        Targets: [
          { Id: 'sm', Arn: echo.stateMachineArn, RoleArn: 'arn:aws:iam::000000000000:role/events' },
          // A missing machine is accepted and receives nothing; the other target still does.
          { Id: 'gone', Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:gone' },
        ],
      }),
    );
    expect(targets.FailedEntryCount).toBe(0);
    await aws.settleRules();
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'flows', Source: 't', DetailType: 'd', Detail: '{"n":1}' }],
      }),
    );
    const [execution] = await executionsOf(echo.stateMachineArn as string, 1);
    const result = await probe.waitForExecution({
      executionArn: execution?.executionArn as string,
      timeout: 10_000,
    });
    expect(result.output).toMatchObject({ source: 't', 'detail-type': 'd', detail: { n: 1 } });
  });
});
