import { describe, expect, it } from 'vitest';
import { batchTraceHeader } from '../../src/local/services/lambda/mappings.js';

describe('the trace an event source batch continues', () => {
  it('is the AWSTraceHeader of the first SQS record that has one', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const event = {
      Records: [
        { attributes: {} },
        { attributes: { AWSTraceHeader: header } },
        { attributes: { AWSTraceHeader: 'x' } },
      ],
    };
    expect(batchTraceHeader(event)).toBe(header);
  });

  it('is none for records without one (stream batches, untraced messages)', () => {
    expect(
      batchTraceHeader({ Records: [{ kinesis: {} }, { attributes: { ApproximateReceiveCount: '1' } }] }),
    ).toBe(undefined);
    expect(batchTraceHeader({})).toBe(undefined);
  });
});
