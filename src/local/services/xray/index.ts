import type { OpContext } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { defineService } from '../../core/service.js';
import { parseDocuments, type Rejected, type SegmentDoc } from './documents.js';
import { compileFilter, type TraceFacts } from './filter.js';
import { visibilityDelay } from './visibility.js';

export { startXRayDaemon, type XRayDaemon, type XRayDaemonOptions } from './daemon.js';
export {
  getXRayVisibility,
  type SegmentFacts,
  setXRayVisibility,
  type XRayVisibilityOptions,
  type XRayVisibilityRule,
} from './visibility.js';

interface StoredSegment {
  readonly id: string;
  readonly doc: SegmentDoc;
  readonly json: string;
  /** Emulator ms when BatchGetTraces/GetTraceSummaries start to see it. */
  readonly visibleAt: number;
}

export interface XRayState {
  /** trace id → segment id → segment. */
  readonly traces: Map<string, Map<string, StoredSegment>>;
}

/** BatchGetTraces: at most this many ids per call, as on AWS. */
export const MAX_TRACE_IDS = 5;
/** GetTraceSummaries: at most this long a time range, as on AWS. */
const MAX_RANGE_SECONDS = 24 * 60 * 60;
const SUMMARY_PAGE = 100;

const invalid = (message: string): AwsError => new AwsError('InvalidRequestException', message, 400);

const visibleSegments = (state: XRayState, traceId: string, now: number): StoredSegment[] => {
  const trace = state.traces.get(traceId);
  if (!trace) return [];
  return [...trace.values()].filter((s) => s.visibleAt <= now);
};

const endOf = (d: SegmentDoc): number => (typeof d.end_time === 'number' ? d.end_time : d.start_time);

const traceDuration = (segments: readonly StoredSegment[]): number => {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const { doc } of segments) {
    start = Math.min(start, doc.start_time);
    end = Math.max(end, endOf(doc));
  }
  return Math.round((end - start) * 1000) / 1000;
};

const putTraceSegments = (input: Record<string, unknown>, ctx: OpContext<XRayState>) => {
  const docs = input.TraceSegmentDocuments;
  if (!Array.isArray(docs) || docs.length === 0) {
    throw invalid('TraceSegmentDocuments is required: a list of segment documents (JSON strings).');
  }
  const unprocessed: Rejected[] = [];
  const now = ctx.emulator.now();
  for (const text of docs) {
    for (const result of parseDocuments(text)) {
      if ('error' in result) {
        unprocessed.push(result.error);
        continue;
      }
      const { doc, json } = result;
      const delay = visibilityDelay(ctx.emulator, {
        id: doc.id,
        traceId: doc.trace_id,
        name: doc.name,
        origin: typeof doc.origin === 'string' ? doc.origin : undefined,
        parentId: doc.parent_id,
        subsegment: doc.type === 'subsegment',
      });
      let trace = ctx.state.traces.get(doc.trace_id);
      if (!trace) {
        trace = new Map();
        ctx.state.traces.set(doc.trace_id, trace);
      }
      // A later document with the same id (e.g. the complete one after in_progress) replaces it.
      trace.set(doc.id, { id: doc.id, doc, json, visibleAt: now + delay });
    }
  }
  return { UnprocessedTraceSegments: unprocessed };
};

const batchGetTraces = (input: Record<string, unknown>, ctx: OpContext<XRayState>) => {
  const ids = input.TraceIds;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
    throw invalid('TraceIds is required: a list of trace ids.');
  }
  if (ids.length > MAX_TRACE_IDS) {
    throw invalid(
      `1 validation error detected: Value at 'traceIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRACE_IDS} (got ${ids.length}).`,
    );
  }
  const now = ctx.emulator.now();
  const traces: unknown[] = [];
  const unprocessed: string[] = [];
  for (const id of new Set(ids as string[])) {
    const segments = visibleSegments(ctx.state, id, now);
    if (segments.length === 0) {
      unprocessed.push(id);
      continue;
    }
    traces.push({
      Id: id,
      Duration: traceDuration(segments),
      LimitExceeded: false,
      Segments: segments.map((s) => ({ Id: s.id, Document: s.json })),
    });
  }
  return { Traces: traces, UnprocessedTraceIds: unprocessed };
};

const toSeconds = (value: unknown, name: string): number => {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw invalid(`${name} is required: a timestamp.`);
  return n;
};

type Node = Record<string, unknown> & { name?: string; subsegments?: unknown };

/** Every entity of a document: itself and its subsegments, iteratively. */
const entities = (doc: SegmentDoc): Node[] => {
  const out: Node[] = [];
  const stack: Node[] = [doc];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    out.push(n);
    if (Array.isArray(n.subsegments))
      for (const s of n.subsegments) if (s && typeof s === 'object') stack.push(s as Node);
  }
  return out;
};

const serviceId = (doc: SegmentDoc) => ({
  Name: doc.name,
  Names: [doc.name],
  ...(typeof (doc.aws as { account_id?: unknown } | undefined)?.account_id === 'string'
    ? { AccountId: (doc.aws as { account_id: string }).account_id }
    : {}),
  ...(typeof doc.origin === 'string' ? { Type: doc.origin } : {}),
});

const summarize = (traceId: string, segments: readonly StoredSegment[]) => {
  const ids = new Set<string>();
  for (const s of segments) for (const e of entities(s.doc)) if (typeof e.id === 'string') ids.add(e.id);
  let error = false;
  let fault = false;
  let throttle = false;
  let partial = false;
  const annotations = new Map<string, (string | number | boolean)[]>();
  const annotationOut: Record<string, unknown[]> = {};
  const users = new Set<string>();
  const services = new Set<string>();
  const serviceIds = new Map<string, ReturnType<typeof serviceId>>();
  for (const { doc } of segments) {
    if (doc.type !== 'subsegment') {
      services.add(doc.name);
      serviceIds.set(`${doc.name}|${String(doc.origin)}`, serviceId(doc));
      if (typeof doc.user === 'string') users.add(doc.user);
    }
    if (doc.parent_id !== undefined && !ids.has(doc.parent_id)) partial = true;
    for (const e of entities(doc)) {
      error ||= e.error === true;
      fault ||= e.fault === true;
      throttle ||= e.throttle === true;
      partial ||= e.in_progress === true;
      const ann = e.annotations;
      if (ann && typeof ann === 'object') {
        for (const [k, v] of Object.entries(ann as Record<string, unknown>)) {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') continue;
          annotations.set(k, [...(annotations.get(k) ?? []), v]);
          const list = annotationOut[k] ?? [];
          annotationOut[k] = list;
          list.push({
            AnnotationValue:
              typeof v === 'string'
                ? { StringValue: v }
                : typeof v === 'number'
                  ? { NumberValue: v }
                  : { BooleanValue: v },
            ServiceIds: [serviceId(doc)],
          });
        }
      }
    }
  }
  const topLevel = segments.filter((s) => s.doc.type !== 'subsegment');
  const root =
    topLevel
      .filter((s) => s.doc.parent_id === undefined)
      .sort((a, b) => a.doc.start_time - b.doc.start_time)[0] ??
    [...topLevel].sort((a, b) => a.doc.start_time - b.doc.start_time)[0] ??
    (segments[0] as StoredSegment);
  const rootDoc = root.doc;
  const http = (rootDoc.http ?? {}) as {
    request?: { url?: string; method?: string; user_agent?: string; client_ip?: string };
    response?: { status?: number };
  };
  const start = Math.min(...segments.map((s) => s.doc.start_time));
  const facts: TraceFacts = {
    error,
    fault,
    throttle,
    partial,
    responsetime: Math.round((endOf(rootDoc) - rootDoc.start_time) * 1000) / 1000,
    duration: traceDuration(segments),
    http: {
      status: http.response?.status,
      url: http.request?.url,
      method: http.request?.method,
      useragent: http.request?.user_agent,
      clientip: http.request?.client_ip,
    },
    annotations,
    services,
    users,
  };
  const httpOut = {
    ...(facts.http.url !== undefined ? { HttpURL: facts.http.url } : {}),
    ...(facts.http.status !== undefined ? { HttpStatus: facts.http.status } : {}),
    ...(facts.http.method !== undefined ? { HttpMethod: facts.http.method } : {}),
    ...(facts.http.useragent !== undefined ? { UserAgent: facts.http.useragent } : {}),
    ...(facts.http.clientip !== undefined ? { ClientIp: facts.http.clientip } : {}),
  };
  const summary = {
    Id: traceId,
    StartTime: start,
    Duration: facts.duration,
    ResponseTime: facts.responsetime,
    HasFault: fault,
    HasError: error,
    HasThrottle: throttle,
    IsPartial: partial,
    Http: httpOut,
    Annotations: annotationOut,
    Users: [...users].map((u) => ({ UserName: u, ServiceIds: [] })),
    ServiceIds: [...serviceIds.values()],
    EntryPoint: serviceId(rootDoc),
    Revision: 1,
  };
  return { facts, summary };
};

const getTraceSummaries = (input: Record<string, unknown>, ctx: OpContext<XRayState>) => {
  const start = toSeconds(input.StartTime, 'StartTime');
  const end = toSeconds(input.EndTime, 'EndTime');
  if (end < start) throw invalid('EndTime must not be before StartTime.');
  if (end - start > MAX_RANGE_SECONDS) {
    throw invalid('The time range between StartTime and EndTime must be 24 hours or less.');
  }
  const rangeType = input.TimeRangeType ?? 'TraceId';
  if (rangeType !== 'TraceId' && rangeType !== 'Event' && rangeType !== 'Service') {
    throw invalid(`TimeRangeType must be TraceId, Event or Service, got ${JSON.stringify(rangeType)}.`);
  }
  const filter =
    typeof input.FilterExpression === 'string' && input.FilterExpression.trim() !== ''
      ? compileFilter(input.FilterExpression)
      : undefined;
  const now = ctx.emulator.now();
  const matched: unknown[] = [];
  let processed = 0;
  for (const traceId of ctx.state.traces.keys()) {
    const segments = visibleSegments(ctx.state, traceId, now);
    if (segments.length === 0) continue;
    const inRange =
      rangeType === 'TraceId'
        ? ((t) => t >= Math.floor(start) && t <= end)(Number.parseInt(traceId.slice(2, 10), 16))
        : segments.some((s) => s.doc.start_time <= end && endOf(s.doc) >= start);
    if (!inRange) continue;
    processed++;
    const { facts, summary } = summarize(traceId, segments);
    if (filter && !filter(facts)) continue;
    matched.push(summary);
  }
  const offset =
    typeof input.NextToken === 'string' && /^\d+$/.test(input.NextToken) ? Number(input.NextToken) : 0;
  const page = matched.slice(offset, offset + SUMMARY_PAGE);
  const next = offset + SUMMARY_PAGE < matched.length ? String(offset + SUMMARY_PAGE) : undefined;
  return {
    TraceSummaries: page,
    ApproximateTime: Math.floor(now / 1000),
    TracesProcessedCount: processed,
    ...(next ? { NextToken: next } : {}),
  };
};

/** AWS X-Ray over REST-JSON: PutTraceSegments, BatchGetTraces, GetTraceSummaries. */
export const xray = defineService<XRayState>({
  signingName: 'xray',
  protocols: ['rest-json'],
  rest: [
    { method: 'POST', path: '/TraceSegments', operation: 'PutTraceSegments' },
    { method: 'POST', path: '/Traces', operation: 'BatchGetTraces' },
    { method: 'POST', path: '/TraceSummaries', operation: 'GetTraceSummaries' },
  ],
  createState: () => ({ traces: new Map() }),
  snapshot: (state) => ({
    traces: [...state.traces].map(([id, segments]) => ({
      id,
      segments: [...segments.values()].map((s) => ({ id: s.id, name: s.doc.name, visibleAt: s.visibleAt })),
    })),
  }),
  operations: {
    PutTraceSegments: putTraceSegments,
    BatchGetTraces: batchGetTraces,
    GetTraceSummaries: getTraceSummaries,
  } as Record<string, (input: Record<string, unknown>, ctx: OpContext<XRayState>) => unknown>,
});
