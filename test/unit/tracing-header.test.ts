import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import {
  isSegmentId,
  makeTraceHeader,
  newSegmentId,
  newTraceId,
  parseTraceHeader,
  traceHeaderFromExecution,
  traceHeaderFromLambdaResponse,
  traceHeaderFromListenerEvent,
  traceHeaderFromSqsMessage,
  traceIdOf,
  tryParseTraceHeader,
} from '../../src/tracing/header.js';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const HEADER = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;

describe('tracing headers', () => {
  it('mints trace ids with the epoch seconds of the clock', () => {
    const id = newTraceId(() => 0x5759e988 * 1000 + 500);
    expect(id).toMatch(/^1-5759e988-[0-9a-f]{24}$/);
    expect(newTraceId()).not.toBe(newTraceId());
    expect(isSegmentId(newSegmentId())).toBe(true);
  });

  it('makes headers', () => {
    expect(makeTraceHeader({ root: ROOT })).toBe(`Root=${ROOT};Sampled=1`);
    expect(
      makeTraceHeader({
        root: ROOT,
        parent: '53995c3f42cd8ad8',
        sampled: false,
        lineage: 'a:1',
        extra: { Self: 'x' },
      }),
    ).toBe(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a:1;Self=x`);
    expect(makeTraceHeader()).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=1$/);
    expect(() => makeTraceHeader({ root: 'nope' })).toThrow(InvalidInputError);
    expect(() => makeTraceHeader({ root: ROOT, parent: 'xyz' })).toThrow(/parent must be 16 hex/);
  });

  it('parses headers tolerantly', () => {
    expect(parseTraceHeader(HEADER)).toEqual({ root: ROOT, parent: '53995c3f42cd8ad8', sampled: true });
    expect(
      parseTraceHeader(
        ` sampled = 0 ; Lineage=10:abc:1 ;ROOT=${ROOT.toUpperCase().replace('1-', '1-')};junk;Self=1-abc;=x`,
      ),
    ).toEqual({
      root: ROOT,
      sampled: false,
      lineage: '10:abc:1',
      extra: { Self: '1-abc' },
    });
    expect(parseTraceHeader(`Root=${ROOT};Sampled=?;Parent=bad`)).toEqual({ root: ROOT });
    expect(tryParseTraceHeader('Root=1-zz')).toBeUndefined();
    expect(tryParseTraceHeader('Parent=53995c3f42cd8ad8')).toBeUndefined();
    expect(() => parseTraceHeader('garbage')).toThrow(InvalidInputError);
  });

  it('takes the trace id from a header or an id', () => {
    expect(traceIdOf(HEADER)).toBe(ROOT);
    expect(traceIdOf(` ${ROOT} `)).toBe(ROOT);
    try {
      traceIdOf('1-nope');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).option).toBe('header');
    }
  });

  it('takes headers from Lambda responses, executions, SQS messages and listener events', () => {
    expect(traceHeaderFromLambdaResponse({ 'X-Amzn-Trace-Id': HEADER })).toBe(HEADER);
    expect(traceHeaderFromLambdaResponse({ headers: { 'x-amzn-trace-id': [HEADER] } })).toBe(HEADER);
    expect(traceHeaderFromLambdaResponse(new Headers({ 'x-amzn-trace-id': HEADER }))).toBe(HEADER);
    expect(traceHeaderFromLambdaResponse(new Headers())).toBeUndefined();
    expect(traceHeaderFromLambdaResponse({ other: 'x', 'x-amzn-trace-id': [] })).toBeUndefined();
    expect(traceHeaderFromExecution({ traceHeader: HEADER })).toBe(HEADER);
    expect(traceHeaderFromExecution({ traceHeader: '' })).toBeUndefined();
    expect(traceHeaderFromSqsMessage({ Attributes: { AWSTraceHeader: HEADER } })).toBe(HEADER);
    expect(traceHeaderFromSqsMessage({ attributes: { AWSTraceHeader: HEADER } })).toBe(HEADER);
    expect(traceHeaderFromSqsMessage({})).toBeUndefined();
    expect(traceHeaderFromListenerEvent({ traceHeader: HEADER })).toBe(HEADER);
    expect(traceHeaderFromListenerEvent({ raw: { attributes: { AWSTraceHeader: HEADER } } })).toBe(HEADER);
    expect(traceHeaderFromListenerEvent({})).toBeUndefined();
  });
});
