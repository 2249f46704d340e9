import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { AwsError } from '../../src/local/core/errors.js';
import { defineService } from '../../src/local/core/service.js';
import { invokeAsEventTarget } from '../../src/local/services/lambda/index.js';

const ARN = 'arn:aws:lambda:eu-west-1:000000000000:function:on-event';
const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

interface Call {
  readonly input: Record<string, unknown>;
  readonly region: string;
  readonly traceHeader: string | undefined;
}

/** A stand-in Lambda service that records the invokes it receives; `known` functions exist. */
const fakeLambda = (known: readonly string[]) => {
  const calls: Call[] = [];
  const service = defineService<Record<string, never>>({
    signingName: 'lambda',
    createState: () => ({}),
    operations: {
      Invoke: (input, ctx) => {
        calls.push({ input, region: ctx.region, traceHeader: ctx.traceHeader });
        if (!known.includes(String(input.FunctionName))) {
          throw new AwsError('ResourceNotFoundException', `Function not found: ${input.FunctionName}`, 404);
        }
        return { StatusCode: 202 };
      },
    },
  });
  return { calls, emulator: new Emulator([service]) };
};

describe('invokeAsEventTarget (how SNS, EventBridge, S3 and destinations reach a function)', () => {
  it('invokes the function asynchronously in its own region, continuing the event’s trace', async () => {
    const { calls, emulator } = fakeLambda([ARN]);
    await expect(invokeAsEventTarget(emulator, ARN, '{"a":1}', { traceHeader: TRACE })).resolves.toBe(true);
    await expect(invokeAsEventTarget(emulator, ARN, '{"a":2}')).resolves.toBe(true);
    expect(calls).toEqual([
      {
        input: { FunctionName: ARN, InvocationType: 'Event', Payload: '{"a":1}' },
        region: 'eu-west-1',
        traceHeader: TRACE,
      },
      {
        input: { FunctionName: ARN, InvocationType: 'Event', Payload: '{"a":2}' },
        region: 'eu-west-1',
        traceHeader: undefined,
      },
    ]);
  });

  it('drops an event the function cannot receive, telling onDropped why, and never rejects', async () => {
    const { calls, emulator } = fakeLambda([]);
    const reasons: unknown[] = [];
    const onDropped = (reason: unknown) => reasons.push(reason);
    await expect(invokeAsEventTarget(emulator, ARN, '{}', { onDropped })).resolves.toBe(false);
    await expect(
      invokeAsEventTarget(emulator, 'arn:aws:sqs:eu-west-1:000000000000:q', '{}', { onDropped }),
    ).resolves.toBe(false);
    expect(calls).toHaveLength(1);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatchObject({ code: 'ResourceNotFoundException' });
    expect(String(reasons[1])).toMatch(/is not a Lambda function ARN/);
  });

  it('drops the event when the emulator does not serve Lambda (a debug line by default)', async () => {
    const emulator = new Emulator([]);
    const reasons: unknown[] = [];
    await expect(
      invokeAsEventTarget(emulator, ARN, '{}', { onDropped: (r) => reasons.push(r) }),
    ).resolves.toBe(false);
    expect(String(reasons[0])).toMatch(/does not serve Lambda/);
    await expect(invokeAsEventTarget(emulator, ARN, '{}')).resolves.toBe(false);
    await expect(invokeAsEventTarget(fakeLambda([]).emulator, ARN, '{}')).resolves.toBe(false);
  });
});
