import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { AwsError } from '../../src/local/core/errors.js';
import { FaultController } from '../../src/local/core/faults.js';
import { defineService } from '../../src/local/core/service.js';

describe('FaultController', () => {
  it('injects at the configured rate, reproducibly with a seed', () => {
    const count = (seed: number) => {
      const faults = new FaultController({
        seed,
        faults: [{ operation: 'ReceiveMessage', error: 'ThrottlingException', rate: 0.3 }],
      });
      let n = 0;
      for (let i = 0; i < 1000; i++) if (faults.faultFor('sqs', 'ReceiveMessage')) n++;
      return n;
    };
    const a = count(42);
    expect(a).toBe(count(42));
    expect(a).toBeGreaterThan(240);
    expect(a).toBeLessThan(360);
  });

  it('matches service and operation, stops after `times`, and picks statuses by code', () => {
    const faults = new FaultController({
      faults: [
        { service: 'events', operation: 'PutEvents', error: 'InternalException', times: 2 },
        { operation: '*', error: 'ThrottlingException', rate: 1, service: 'kinesis' },
      ],
    });
    expect(faults.faultFor('sqs', 'PutEvents')).toBeUndefined();
    const first = faults.faultFor('events', 'PutEvents');
    expect(first).toBeInstanceOf(AwsError);
    expect(first?.status).toBe(500);
    expect(first?.fault).toBe('Receiver');
    expect(faults.faultFor('events', 'PutEvents')?.code).toBe('InternalException');
    expect(faults.faultFor('events', 'PutEvents')).toBeUndefined();
    const throttled = faults.faultFor('kinesis', 'GetRecords');
    expect(throttled?.status).toBe(400);
    expect(throttled?.fault).toBe('Sender');
    expect(faults.injected.get('events:PutEvents')).toBe(2);
  });

  it('adds latency globally and per operation, and clears', () => {
    const faults = new FaultController({
      latencyMs: 50,
      operationLatencyMs: { 'sqs:ReceiveMessage': 10, PutEvents: 5 },
    });
    expect(faults.latencyFor('sqs', 'ReceiveMessage')).toBe(60);
    expect(faults.latencyFor('events', 'PutEvents')).toBe(55);
    expect(faults.latencyFor('sqs', 'SendMessage')).toBe(50);
    faults.set({ seed: 1 });
    expect(faults.get().latencyMs).toBe(50);
    faults.clear();
    expect(faults.get()).toEqual({ faults: [], latencyMs: 0, operationLatencyMs: {} });
  });

  it('rejects bad rules and latencies with clear messages', () => {
    const faults = new FaultController();
    expect(() => faults.set({ latencyMs: -1 })).toThrow(/latencyMs must be a finite number >= 0/);
    expect(() => faults.set({ faults: [{ operation: '', error: 'X' }] })).toThrow(/needs an operation/);
    expect(() => faults.set({ faults: [{ operation: 'A', error: '' }] })).toThrow(/needs an error code/);
    expect(() => faults.set({ faults: [{ operation: 'A', error: 'X', rate: 2 }] })).toThrow(
      /between 0 and 1/,
    );
  });
});

describe('Emulator', () => {
  const echo = defineService<{ calls: number }>({
    signingName: 'echo',
    targetPrefix: 'Echo',
    createState: () => ({ calls: 0 }),
    operations: {
      Ping: (input, ctx) => {
        ctx.state.calls++;
        return { input, region: ctx.region, trace: ctx.traceHeader, calls: ctx.state.calls };
      },
    },
    dispose: (state) => {
      state.calls = -1;
    },
  });

  it('keeps state per region, routes by target prefix, and disposes on close', async () => {
    const emulator = new Emulator([echo], { accountId: '123456789012', clock: () => 5 });
    expect(emulator.now()).toBe(5);
    expect(emulator.serviceByTarget('Echo')).toBe(echo);
    expect(emulator.serviceByTarget('Nope')).toBeUndefined();
    await emulator.invoke(
      'echo',
      'Ping',
      {},
      { region: 'eu-west-1', headers: { 'x-amzn-trace-id': 'Root=1' } },
    );
    const out = await emulator.invoke('echo', 'Ping', { a: 1 }, { region: 'eu-west-1' });
    expect(out).toEqual({ input: { a: 1 }, region: 'eu-west-1', trace: undefined, calls: 2 });
    expect(await emulator.invoke('echo', 'Ping', {}, { region: 'us-west-2' })).toMatchObject({ calls: 1 });
    expect(emulator.regions('echo').sort()).toEqual(['eu-west-1', 'us-west-2']);
    expect(() => emulator.state('other', 'us-east-1')).toThrow(/not part of this emulator/);
    await expect(emulator.invoke('other', 'Ping', {}, { region: 'us-east-1' })).rejects.toMatchObject({
      code: 'UnrecognizedClientException',
    });
    await expect(emulator.invoke('echo', 'toString', {}, { region: 'us-east-1' })).rejects.toMatchObject({
      code: 'UnknownOperationException',
    });
    const state = emulator.state<{ calls: number }>('echo', 'eu-west-1');
    emulator.close();
    expect(state.calls).toBe(-1);
    expect(emulator.closing.aborted).toBe(true);
  });

  it('applies latency and faults around operations', async () => {
    const emulator = new Emulator([echo], {
      latencyMs: 20,
      faults: [{ operation: 'Ping', error: 'ThrottlingException', times: 1 }],
    });
    const started = Date.now();
    await expect(
      emulator.invoke('echo', 'Ping', {}, { region: 'us-east-1', signal: new AbortController().signal }),
    ).rejects.toMatchObject({ code: 'ThrottlingException' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    await expect(emulator.invoke('echo', 'Ping', {}, { region: 'us-east-1' })).resolves.toMatchObject({
      calls: 1,
    });
    emulator.close();
  });
});
