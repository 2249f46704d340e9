import type { XRaySegmentDocument, XRaySubsegmentDocument } from '../../src/tracing/tree.js';

export interface SyntheticTrace {
  readonly traceId: string;
  /** Segment documents, shuffled deterministically (arrival order is not tree order). */
  readonly documents: XRaySegmentDocument[];
  /** The same documents as BatchGetTraces returns them. */
  readonly segments: { Id: string; Document: string }[];
  /** Subsegments embedded in the documents. */
  readonly subsegmentCount: number;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width);

/**
 * A deterministic synthetic trace of `n` segments (no vitest, no I/O: usable from benches).
 * Segment i > 0 is called from a subsegment of segment floor((i - 1) / 3), so parents are
 * subsegments of other segments, as in real traces; every segment has one `aws` subsegment per
 * child plus a `remote` one. Origins cycle through a few AWS types; documents arrive shuffled.
 */
export const makeSyntheticTrace = (
  n: number,
  options: { traceId?: string; start?: number } = {},
): SyntheticTrace => {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`);
  const traceId = options.traceId ?? '1-5f000000-000000000000000000000001';
  const start = options.start ?? 1_600_000_000;
  const origins = [
    'AWS::StepFunctions::StateMachine',
    'AWS::Lambda',
    'AWS::Lambda::Function',
    'AWS::SQS::Queue',
  ];
  const segmentId = (i: number): string => `a${hex(i, 15)}`;
  const subId = (i: number, k: number): string => `b${hex(i, 13)}${hex(k, 2)}`;
  const docs: XRaySegmentDocument[] = [];
  let subsegmentCount = 0;
  for (let i = 0; i < n; i++) {
    const t0 = start + i * 0.001;
    const children: number[] = [];
    for (let c = 3 * i + 1; c <= 3 * i + 3 && c < n; c++) children.push(c);
    const subsegments: XRaySubsegmentDocument[] = children.map((c, k) => ({
      id: subId(i, k),
      name: `call-${c}`,
      namespace: 'aws',
      start_time: t0 + 0.0001 * k,
      end_time: t0 + 0.5,
    }));
    subsegments.push({
      id: subId(i, 99),
      name: 'db',
      namespace: 'remote',
      start_time: t0,
      end_time: t0 + 0.01,
    });
    subsegmentCount += subsegments.length;
    const parent = i === 0 ? undefined : Math.floor((i - 1) / 3);
    const k = i === 0 ? 0 : (i - 1) % 3;
    docs.push({
      id: segmentId(i),
      trace_id: traceId,
      name: `service-${i}`,
      origin: origins[i % origins.length] as string,
      start_time: t0,
      end_time: t0 + 0.6,
      ...(parent === undefined ? {} : { parent_id: subId(parent, k) }),
      subsegments,
    });
  }
  // Deterministic shuffle (LCG), so arrival order differs from tree order.
  let seed = 42;
  for (let i = docs.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = seed % (i + 1);
    [docs[i], docs[j]] = [docs[j] as XRaySegmentDocument, docs[i] as XRaySegmentDocument];
  }
  return {
    traceId,
    documents: docs,
    segments: docs.map((d) => ({ Id: d.id, Document: JSON.stringify(d) })),
    subsegmentCount,
  };
};
