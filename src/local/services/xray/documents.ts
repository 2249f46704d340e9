/** Segment document validation, as PutTraceSegments does it. */

export type SegmentDoc = Record<string, unknown> & {
  id: string;
  name: string;
  trace_id: string;
  start_time: number;
  end_time?: number;
  in_progress?: boolean;
  parent_id?: string;
  origin?: string;
  type?: string;
  subsegments?: unknown;
};

export interface Rejected {
  readonly Id?: string;
  readonly ErrorCode: string;
  readonly Message: string;
}

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const SEGMENT_ID = /^[0-9a-f]{16}$/;
/** Unicode letters, numbers, whitespace and `_ . : / % & # = + \ - @`, at most 200. */
const NAME = /^[\p{L}\p{N}\s_.:/%&#=+\\\-@]{1,200}$/u;
/** X-Ray's limit on one segment document. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;

const reject = (id: unknown, code: string, message: string): Rejected => ({
  ...(typeof id === 'string' ? { Id: id } : {}),
  ErrorCode: code,
  Message: message,
});

/** Validates one parsed document: a segment, or a subsegment sent on its own. */
export const validateDocument = (raw: unknown): { doc: SegmentDoc } | { error: Rejected } => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { error: reject(undefined, 'InvalidSegment', 'A segment document must be a JSON object.') };
  }
  const d = raw as Record<string, unknown>;
  const id = d.id;
  if (typeof id !== 'string' || !SEGMENT_ID.test(id)) {
    return {
      error: reject(
        id,
        'InvalidSegmentId',
        `Segment id must be 16 hexadecimal digits, got ${JSON.stringify(id)}.`,
      ),
    };
  }
  if (typeof d.trace_id !== 'string' || !TRACE_ID.test(d.trace_id)) {
    return {
      error: reject(
        id,
        'InvalidTraceId',
        `trace_id must look like 1-58406520-a006649127e371903a2de979, got ${JSON.stringify(d.trace_id)}.`,
      ),
    };
  }
  if (typeof d.name !== 'string' || !NAME.test(d.name)) {
    return {
      error: reject(
        id,
        'InvalidName',
        `name is required: up to 200 Unicode letters, numbers, whitespace and _ . : / % & # = + \\ - @, got ${JSON.stringify(d.name)}.`,
      ),
    };
  }
  if (typeof d.start_time !== 'number' || !Number.isFinite(d.start_time)) {
    return {
      error: reject(id, 'MissingStartTime', 'start_time is required: seconds since the epoch, a number.'),
    };
  }
  const hasEnd = typeof d.end_time === 'number' && Number.isFinite(d.end_time);
  if (!hasEnd && d.in_progress !== true) {
    return { error: reject(id, 'MissingEndTime', 'Specify either end_time or in_progress: true.') };
  }
  if (d.parent_id !== undefined && (typeof d.parent_id !== 'string' || !SEGMENT_ID.test(d.parent_id))) {
    return {
      error: reject(
        id,
        'InvalidParentId',
        `parent_id must be 16 hexadecimal digits, got ${JSON.stringify(d.parent_id)}.`,
      ),
    };
  }
  if (d.type === 'subsegment' && d.parent_id === undefined) {
    return {
      error: reject(id, 'MissingParentId', 'A subsegment sent on its own needs parent_id (and trace_id).'),
    };
  }
  return { doc: d as SegmentDoc };
};

/** Parses one entry of TraceSegmentDocuments (an object, or an array of them). */
export const parseDocuments = (
  text: unknown,
): ({ doc: SegmentDoc; json: string } | { error: Rejected })[] => {
  if (typeof text !== 'string') {
    return [
      { error: reject(undefined, 'InvalidSegment', 'Each TraceSegmentDocuments entry must be a string.') },
    ];
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    return [
      {
        error: reject(
          undefined,
          'SegmentTooLarge',
          `A segment document can be at most ${MAX_DOCUMENT_BYTES} bytes.`,
        ),
      },
    ];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return [
      {
        error: reject(
          undefined,
          'ParseError',
          `The segment document is not valid JSON: ${(err as Error).message}`,
        ),
      },
    ];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item) => {
    const result = validateDocument(item);
    return 'doc' in result
      ? { doc: result.doc, json: Array.isArray(parsed) ? JSON.stringify(item) : text }
      : result;
  });
};
