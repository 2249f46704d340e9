import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { eventProbeMatchers as jestMatchers } from '../../src/jest.js';
import { toHaveExecutionPath } from '../../src/matchers.js';
import '../../src/vitest.js';

const entered = (...names: string[]): HistoryEvent[] => [
  { id: 1, type: 'ExecutionStarted', timestamp: new Date(0) },
  ...names.map((name, i) => ({
    id: i + 2,
    type: i % 2 === 0 ? ('TaskStateEntered' as const) : ('PassStateEntered' as const),
    timestamp: new Date(0),
    stateEnteredEventDetails: { name },
  })),
];

const ctx = { isNot: false, equals: (a: unknown, b: unknown) => Object.is(a, b) };

describe('toHaveExecutionPath', () => {
  const history = entered('Validate', 'Charge', 'Ship');

  it('passes on a waitForExecution result or its history when the states entered match, in order', () => {
    expect({ status: 'SUCCEEDED', history }).toHaveExecutionPath(['Validate', 'Charge', 'Ship']);
    expect(history).toHaveExecutionPath(['Validate', 'Ship'], { exact: false });
    expect(history).not.toHaveExecutionPath(['Validate', 'Ship']);
    expect(history).not.toHaveExecutionPath(['Ship', 'Validate'], { exact: false });
  });

  it('says what was expected and what was entered', () => {
    const failed = toHaveExecutionPath.call(ctx, history, ['Validate', 'Ship']);
    expect(failed.pass).toBe(false);
    expect(failed.message()).toBe(
      'The execution did not enter exactly Validate -> Ship; it entered Validate -> Charge -> Ship.',
    );
    const passed = toHaveExecutionPath.call(ctx, { history }, ['Validate', 'Charge', 'Ship']);
    expect(passed.message()).toBe(
      'expected the execution not to enter Validate -> Charge -> Ship, but it did.',
    );
    expect(toHaveExecutionPath.call(ctx, [], []).message()).toContain('not to enter (nothing)');
    expect(() => expect(history).toHaveExecutionPath(['Charge'])).toThrow(
      /it entered Validate -> Charge -> Ship/,
    );
  });

  it('refuses what is not an execution or not a list of states', () => {
    for (const received of [undefined, null, 'arn', { history: 'x' }]) {
      expect(() => toHaveExecutionPath.call(ctx, received, ['A'])).toThrow(InvalidInputError);
    }
    const err = (() => {
      try {
        toHaveExecutionPath.call(ctx, history, 'Validate' as unknown as string[]);
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(err?.message).toContain(
      'needs a waitForExecution result (or its history) and an array of state names',
    );
    expect(() => toHaveExecutionPath.call(ctx, [null], ['A'])).toThrow(TypeError);
  });

  it('is registered for Jest too', () => {
    expect(jestMatchers.toHaveExecutionPath.call(ctx, history, ['Validate', 'Charge', 'Ship']).pass).toBe(
      true,
    );
  });
});
