import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import {
  assertNoTraceErrors,
  assertTraceDuration,
  assertTracePath,
  assertTraceServices,
  TraceAssertionError,
  tracePaths,
} from '../../src/tracing/assert.js';
import { renderTraceTree } from '../../src/tracing/render.js';
import { buildTraceTree, type TraceTree, type XRaySegmentDocument } from '../../src/tracing/tree.js';
import { makeSyntheticTrace } from '../support/synthetic-trace.js';

const T = '1-5f000000-aaaaaaaaaaaaaaaaaaaaaaaa';
const sid = (id: string): string => id.padEnd(16, '0');

const sample = (): TraceTree => {
  const docs: XRaySegmentDocument[] = [
    {
      id: sid('a1'),
      trace_id: T,
      name: 'orders-flow',
      origin: 'AWS::StepFunctions::StateMachine',
      start_time: 1000,
      end_time: 1001.2,
      subsegments: [
        { id: sid('b1'), name: 'Lambda', namespace: 'aws', start_time: 1000.01, end_time: 1000.9 },
        { id: sid('b2'), name: 'audit', start_time: 1000.9, end_time: 1001.1, throttle: true },
      ],
    },
    {
      id: sid('c1'),
      trace_id: T,
      name: 'charge',
      origin: 'AWS::Lambda',
      parent_id: sid('b1'),
      start_time: 1000.02,
      end_time: 1000.88,
      http: { response: { status: 500 } },
      fault: true,
      subsegments: [
        { id: sid('d1'), name: 'Invocation', start_time: 1000.03, end_time: 1000.8, error: true },
        { id: sid('d2'), name: 'Overhead', namespace: 'remote', start_time: 1000.8, in_progress: true },
      ],
    },
  ];
  return buildTraceTree(T, docs);
};

describe('renderTraceTree', () => {
  it('renders an indented waterfall with origins, durations, bars and marks', () => {
    const text = renderTraceTree(sample());
    expect(text).toContain(`Trace ${T}  1200ms  2 segments, 4 subsegments  INCOMPLETE; 1 in progress`);
    expect(text).toMatch(/\+0ms +1200ms \|█{30}\| orders-flow \(AWS::StepFunctions::StateMachine\)/);
    expect(text).toMatch(/ {4}charge \(AWS::Lambda\) {2}HTTP 500 ✗ FAULT/);
    expect(text).toContain('Invocation [subsegment]  ✗ ERROR');
    expect(text).toContain('audit [subsegment]  ✗ THROTTLE');
    expect(text).toMatch(/Overhead \[remote\] {2}in progress/);
    expect(renderTraceTree(sample(), { subsegments: false })).not.toContain('Invocation');
    const short = renderTraceTree(sample(), { maxLines: 2, barWidth: 10 });
    expect(short).toContain('… 4 more');
  });

  it('marks missing parents, linked traces and depth limits', () => {
    const orphan = buildTraceTree(T, [
      { id: sid('c1'), trace_id: T, name: 'late', parent_id: sid('ff'), start_time: 5, end_time: 6 },
    ]);
    const tree: TraceTree = {
      ...orphan,
      linked: [buildTraceTree(T, [])],
      missingLinkedTraces: ['1-5f000000-bbbbbbbbbbbbbbbbbbbbbbbb'],
      depthExceeded: true,
    };
    const text = renderTraceTree(tree);
    expect(text).toContain(`missing parents: ${sid('ff')}`);
    expect(text).toContain(`(parent ${sid('ff')} missing)`);
    expect(text).toContain('linked traces not found: 1-5f000000-bbbbbbbbbbbbbbbbbbbbbbbb');
    expect(text).toContain('↳ linked:');
    expect(text).toContain('no segments');
    expect(text).toContain('beyond maxDepth');
  });

  it('renders long traces with seconds and complete state', () => {
    const tree = buildTraceTree(T, [
      { id: sid('a1'), trace_id: T, name: 'slow', start_time: 0, end_time: 12 },
    ]);
    expect(renderTraceTree(tree)).toContain('12.0s  1 segments, 0 subsegments  complete');
    const big = makeSyntheticTrace(50);
    expect(renderTraceTree(buildTraceTree(big.traceId, big.documents)).split('\n').length).toBeGreaterThan(
      50,
    );
  });
});

describe('trace assertions', () => {
  it('checks paths by origin or name', () => {
    const tree = sample();
    expect(tracePaths(tree)).toEqual([['AWS::StepFunctions::StateMachine', 'AWS::Lambda']]);
    assertTracePath(tree, ['AWS::StepFunctions::StateMachine', 'AWS::Lambda']);
    assertTracePath(tree, ['orders-flow', 'charge'], { by: 'name' });
    assertTracePath(tree, ['AWS::StepFunctions::StateMachine'], { match: 'prefix' });
    assertTracePath(tree, ['AWS::Lambda'], { match: 'contains' });
    expect(() => assertTracePath(tree, ['AWS::Lambda'], { match: 'prefix' })).toThrow(
      /Expected a path starting with \["AWS::Lambda"\]/,
    );
    expect(() => assertTracePath(tree, ['AWS::SNS'], { match: 'contains' })).toThrow(/containing/);
    expect(() => assertTracePath(tree, [], { match: 'fuzzy' as 'exact' })).toThrow(InvalidInputError);
    expect(() => assertTracePath(tree, ['AWS::Lambda'])).toThrow(TraceAssertionError);
    try {
      assertTracePath(tree, ['AWS::SQS']);
    } catch (err) {
      expect((err as TraceAssertionError).message).toContain('Expected a path ["AWS::SQS"] (by origin)');
      expect((err as TraceAssertionError).message).toContain(
        'orders-flow (AWS::StepFunctions::StateMachine)',
      );
      expect((err as TraceAssertionError).tree).toBe(tree);
      expect((err as TraceAssertionError).reason).not.toContain('Trace 1-');
    }
    expect(() => tracePaths(tree, { by: 'arn' as 'name' })).toThrow(InvalidInputError);
    const noOrigin = buildTraceTree(T, [
      { id: sid('a1'), trace_id: T, name: 'x', start_time: 0, end_time: 1 },
    ]);
    expect(tracePaths(noOrigin)).toEqual([['(no origin: x)']]);
  });

  it('checks errors, faults and throttles', () => {
    expect(() => assertNoTraceErrors(sample())).toThrow(
      /3 found:\n[\s\S]*charge \(c100000000000000\): fault/,
    );
    assertNoTraceErrors(
      buildTraceTree(T, [{ id: sid('a1'), trace_id: T, name: 'x', start_time: 0, end_time: 1 }]),
    );
  });

  it('checks durations against an SLA', () => {
    const tree = sample();
    assertTraceDuration(tree, { totalMs: 1300, segmentMs: 1300 });
    assertTraceDuration(tree, {});
    expect(() => assertTraceDuration(tree, { totalMs: 1000 })).toThrow(/trace took 1200ms, over 1000ms/);
    expect(() => assertTraceDuration(tree, { segmentMs: 1000 })).toThrow(
      /orders-flow \(a100000000000000\) took 1200ms/,
    );
    expect(() => assertTraceDuration(tree, { totalMs: -1 })).toThrow(InvalidInputError);
    expect(() => assertTraceDuration(tree, { segmentMs: Number.NaN })).toThrow(/segmentMs/);
  });

  it('checks the exact set of services', () => {
    const tree = sample();
    assertTraceServices(tree, ['AWS::Lambda', 'AWS::StepFunctions::StateMachine']);
    assertTraceServices(tree, ['charge', 'orders-flow'], { by: 'name' });
    expect(() => assertTraceServices(tree, ['AWS::Lambda', 'AWS::SQS'])).toThrow(
      /missing \["AWS::SQS"\], unexpected \["AWS::StepFunctions::StateMachine"\]/,
    );
    expect(() => assertTraceServices(tree, ['AWS::Lambda'])).toThrow(/unexpected/);
    expect(() =>
      assertTraceServices(tree, ['AWS::Lambda', 'AWS::StepFunctions::StateMachine', 'AWS::SNS']),
    ).toThrow(/; missing \["AWS::SNS"\]$/m);
  });
});
