import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateStackCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertExecutionPath,
  assertTracePath,
  createProbe,
  ExecutionFailedError,
  ExecutionPathError,
  type Probe,
  TimeoutError,
} from '../../src/index.js';
import { LOCAL_CODE_BUCKET } from '../../src/local/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

const ROLE = 'arn:aws:iam::000000000000:role/sfn-role';
const code = fileURLToPath(new URL('../fixtures/lambda/sfn', import.meta.url));

// A state machine deployed from CloudFormation: two Lambda functions, a Retry and a Catch.
const TEMPLATE = JSON.stringify({
  Parameters: { ValidateArn: { Type: 'String' }, ChargeArn: { Type: 'String' } },
  Resources: {
    OrderFlow: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        RoleArn: ROLE,
        TracingConfiguration: { Enabled: true },
        DefinitionSubstitutions: { ValidateArn: { Ref: 'ValidateArn' }, ChargeArn: { Ref: 'ChargeArn' } },
        DefinitionString: JSON.stringify({
          StartAt: 'Validate',
          States: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder
            Validate: { Type: 'Task', Resource: '${ValidateArn}', Next: 'Charge' },
            Charge: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder
              Parameters: { FunctionName: '${ChargeArn}', 'Payload.$': '$' },
              OutputPath: '$.Payload',
              Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 2, MaxAttempts: 3 }],
              Catch: [{ ErrorEquals: ['PaymentDeclined'], ResultPath: '$.failure', Next: 'Declined' }],
              Next: 'Ship',
            },
            Ship: { Type: 'Pass', Parameters: { 'orderId.$': '$.orderId', shipped: true }, End: true },
            Declined: { Type: 'Fail', Error: 'OrderDeclined', CausePath: '$.failure.Cause' },
          },
        }),
      },
    },
  },
  Outputs: {
    StateMachineArn: { Value: { Ref: 'OrderFlow' } },
    StateMachineName: { Value: { 'Fn::GetAtt': ['OrderFlow', 'Name'] } },
  },
});

let aws: TestAws;
let probe: Probe;
let stateMachineArn: string;

describe.skipIf(emulatorOnly)('Step Functions through the probe (CloudFormation-deployed order flow)', () => {
  beforeAll(async () => {
    aws = await startTestAws({ stepFunctions: { delayScale: 0 } });
    const lambda = new LambdaClient(aws.clientConfig);
    const arns: Record<string, string> = {};
    for (const name of ['validate', 'charge']) {
      const out = await lambda.send(
        new CreateFunctionCommand({
          FunctionName: `flow-${name}`,
          Runtime: 'nodejs20.x',
          Role: ROLE,
          Handler: `orders.${name}`,
          Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: code },
          TracingConfig: { Mode: 'PassThrough' },
        }),
      );
      arns[name] = out.FunctionArn as string;
      await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: `flow-${name}` });
    }
    const cfn = new CloudFormationClient(aws.clientConfig);
    await cfn.send(
      new CreateStackCommand({
        StackName: 'order-flow',
        TemplateBody: TEMPLATE,
        Parameters: [
          { ParameterKey: 'ValidateArn', ParameterValue: arns.validate },
          { ParameterKey: 'ChargeArn', ParameterValue: arns.charge },
        ],
      }),
    );
    await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60 }, { StackName: 'order-flow' });
    probe = createProbe({ ...aws.clientConfig });
    ({ StateMachineArn: stateMachineArn } = (await probe.stackOutputs('order-flow', ['StateMachineArn'])) as {
      StateMachineArn: string;
    });
  });

  afterAll(async () => {
    await probe?.[Symbol.asyncDispose]();
    await aws?.close();
  });

  it('deploys the state machine with its substitutions (Ref = ARN, GetAtt Name)', async () => {
    const { StateMachineName } = await probe.stackOutputs('order-flow', ['StateMachineName']);
    expect(stateMachineArn).toBe(
      `arn:aws:states:${aws.region}:000000000000:stateMachine:${StateMachineName}`,
    );
    expect(StateMachineName).toMatch(/^OrderFlow-[A-Za-z0-9]{12}$/);
  });

  it('starts a traced execution and waits for its output (after a retried TransientError)', async () => {
    const started = await probe.startExecution({
      stateMachineArn,
      input: { orderId: 'ok-1', amount: 20, flaky: 1 },
      name: 'ok-1',
    });
    expect(started.executionArn).toContain(':execution:');
    expect(started.traceHeader).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$/);
    const result = await probe.waitForExecution({ executionArn: started.executionArn, timeout: 30_000 });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ orderId: 'ok-1', shipped: true });
    expect(assertExecutionPath(result.history, ['Validate', 'Charge', 'Ship'])).toEqual([
      'Validate',
      'Charge',
      'Ship',
    ]);
    expect(result.history.filter((e) => e.type === 'TaskFailed')).toHaveLength(1);
    expect(() => assertExecutionPath(result.history, ['Validate', 'Ship'])).toThrow(ExecutionPathError);
    expect(assertExecutionPath(result.history, ['Validate', 'Ship'], { exact: false })).toHaveLength(3);

    const tree = await probe.retryGetTraceTreeUntil(
      started.traceHeader,
      (t) => assertTracePath(t, ['AWS::StepFunctions::StateMachine', 'AWS::Lambda', 'AWS::Lambda::Function']),
      { timeout: 10_000 },
    );
    expect(tree.complete).toBe(true);
  });

  it('shows the failed state, its error and cause, and the path when a branch fails', async () => {
    const { executionArn } = await probe.startExecution({
      stateMachineArn,
      input: { orderId: 'big-1', amount: 500 },
    });
    const err = await probe.waitForExecution({ executionArn, timeout: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionFailedError);
    const failed = err as ExecutionFailedError;
    expect(failed).toMatchObject({ status: 'FAILED', failedState: 'Declined', error: 'OrderDeclined' });
    expect(failed.path).toEqual(['Validate', 'Charge', 'Declined']);
    expect(failed.message).toContain('in state "Declined"');
    expect(failed.message).toContain('Error: OrderDeclined.');
    expect(failed.message).toContain('card declined for big-1');
    expect(failed.message).toContain('States entered: Validate -> Charge -> Declined.');
    const asked = await probe.waitForExecution({ executionArn, status: 'FAILED', timeout: 5_000 });
    expect(asked.error).toBe('OrderDeclined');
    expect(asked.output).toBeUndefined();
  });

  it('times out waiting for an execution that does not end', async () => {
    const { executionArn } = await probe.startExecution({
      stateMachineArn: await waitingMachine(),
      input: {},
    });
    const err = await probe
      .waitForExecution({ executionArn, timeout: 300, interval: 50 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toContain('was still running after 300 ms');
  });
});

/** A machine that waits for a task token nobody sends. */
const waitingMachine = async (): Promise<string> => {
  const cfn = new CloudFormationClient(aws.clientConfig);
  await cfn.send(
    new CreateStackCommand({
      StackName: 'waiting',
      TemplateBody: JSON.stringify({
        Resources: {
          Waits: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'waits-forever',
              RoleArn: ROLE,
              Definition: {
                StartAt: 'Ask',
                States: {
                  Ask: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
                    Parameters: {
                      Entries: [
                        { Source: 'test', DetailType: 'ask', Detail: { 'token.$': '$$.Task.Token' } },
                      ],
                    },
                    End: true,
                  },
                },
              },
            },
          },
        },
      }),
    }),
  );
  await waitUntilStackCreateComplete({ client: cfn, maxWaitTime: 60 }, { StackName: 'waiting' });
  const { Arn } = await probe.stackOutputs('waiting').catch(() => ({ Arn: undefined }));
  return Arn ?? `arn:aws:states:${aws.region}:000000000000:stateMachine:waits-forever`;
};
