/**
 * A minimal X-Ray instrumentation for the example app: each service records a segment with
 * PutTraceSegments and passes the tracing header on, as the X-Ray SDK does in a Lambda function.
 */
import { randomBytes } from 'node:crypto';
import { PutTraceSegmentsCommand, type XRayClient } from '@aws-sdk/client-xray';
import { makeTraceHeader, newTraceId, parseTraceHeader } from 'eventprobe';

export interface Segment {
  /** The header to pass downstream: this segment is the parent of what the next service records. */
  readonly header: string;
  /** Records the segment (with an error flag when the work failed). */
  end(error?: unknown): Promise<void>;
}

/** Starts a segment: a new trace, or a child of the segment named in `parentHeader`. */
export const startSegment = (
  xray: XRayClient,
  name: string,
  origin: string,
  parentHeader?: string,
): Segment => {
  const parent = parentHeader ? parseTraceHeader(parentHeader) : undefined;
  const traceId = parent?.root ?? newTraceId();
  const id = randomBytes(8).toString('hex');
  const start = Date.now() / 1000;
  return {
    header: makeTraceHeader({ root: traceId, parent: id, sampled: true }),
    end: async (error?: unknown) => {
      const document = {
        id,
        trace_id: traceId,
        name,
        origin,
        start_time: start,
        end_time: Date.now() / 1000,
        ...(parent?.parent ? { parent_id: parent.parent } : {}),
        ...(error ? { fault: true } : {}),
      };
      const result = await xray.send(
        new PutTraceSegmentsCommand({ TraceSegmentDocuments: [JSON.stringify(document)] }),
      );
      if (result.UnprocessedTraceSegments?.length) {
        throw new Error(`X-Ray refused segment ${name}: ${JSON.stringify(result.UnprocessedTraceSegments)}`);
      }
    },
  };
};
