/**
 * Trace trees: the X-Ray segment document types and a pure, linear-time builder.
 * Nothing here does I/O.
 */

/** `http` of a segment or subsegment. */
export interface XRayHttp {
  readonly request?: {
    readonly method?: string;
    readonly url?: string;
    readonly user_agent?: string;
    readonly client_ip?: string;
    readonly x_forwarded_for?: boolean;
    readonly traced?: boolean;
  };
  readonly response?: { readonly status?: number; readonly content_length?: number };
}

/** One exception in a `cause`. */
export interface XRayException {
  readonly id?: string;
  readonly message?: string;
  readonly type?: string;
  readonly remote?: boolean;
  readonly truncated?: number;
  readonly skipped?: number;
  readonly cause?: string;
  readonly stack?: readonly { readonly path?: string; readonly line?: number; readonly label?: string }[];
}

/** `cause`: an object with exceptions, or the id of an exception recorded elsewhere in the trace. */
export type XRayCause =
  | string
  | {
      readonly working_directory?: string;
      readonly paths?: readonly string[];
      readonly exceptions?: readonly XRayException[];
    };

/** A span link to another trace (X-Ray `links`). */
export interface XRayLink {
  readonly trace_id: string;
  /** The linked segment/span id. */
  readonly id?: string;
  readonly span_id?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** Fields segments and subsegments share. */
export interface XRayEntityDocument {
  readonly id: string;
  readonly name: string;
  /** Seconds since the epoch (fractional). */
  readonly start_time: number;
  readonly end_time?: number;
  readonly in_progress?: boolean;
  readonly http?: XRayHttp;
  readonly aws?: Readonly<Record<string, unknown>>;
  readonly error?: boolean;
  readonly fault?: boolean;
  readonly throttle?: boolean;
  readonly cause?: XRayCause;
  readonly annotations?: Readonly<Record<string, string | number | boolean>>;
  readonly metadata?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly subsegments?: readonly XRaySubsegmentDocument[];
  readonly links?: readonly XRayLink[];
}

/** A subsegment, embedded in its segment or sent on its own (`type: 'subsegment'`). */
export interface XRaySubsegmentDocument extends XRayEntityDocument {
  /** `aws` for AWS SDK calls, `remote` for other downstream calls. */
  readonly namespace?: string;
  readonly traced?: boolean;
  readonly precursor_ids?: readonly string[];
  readonly sql?: Readonly<Record<string, unknown>>;
  /** Only for subsegments sent on their own. */
  readonly type?: 'subsegment';
  readonly trace_id?: string;
  readonly parent_id?: string;
}

/** A segment document, as PutTraceSegments takes it and BatchGetTraces returns it. */
export interface XRaySegmentDocument extends XRayEntityDocument {
  readonly trace_id: string;
  /** The segment or subsegment that called this one (absent for the first segment). */
  readonly parent_id?: string;
  /** The kind of resource: `AWS::Lambda`, `AWS::Lambda::Function`, `AWS::StepFunctions::StateMachine`, ... */
  readonly origin?: string;
  readonly service?: { readonly version?: string };
  readonly user?: string;
  readonly resource_arn?: string;
  readonly type?: undefined;
}

/** One node of a trace tree: a segment or a subsegment. */
export interface TraceNode {
  readonly kind: 'segment' | 'subsegment';
  readonly id: string;
  readonly name: string;
  readonly traceId: string;
  /** Segments: `origin`. Subsegments: undefined. */
  readonly origin: string | undefined;
  /** Subsegments: `namespace`. */
  readonly namespace: string | undefined;
  /** Seconds since the epoch. */
  readonly startTime: number;
  /** Seconds since the epoch; undefined while in progress. */
  readonly endTime: number | undefined;
  /** Seconds; undefined while in progress. */
  readonly duration: number | undefined;
  readonly inProgress: boolean;
  readonly error: boolean;
  readonly fault: boolean;
  readonly throttle: boolean;
  /** The parent id as the document gives it (segments' `parent_id`, or the enclosing entity). */
  readonly parentId: string | undefined;
  /** The parent node, when it is in the trace. */
  readonly parent: TraceNode | undefined;
  /** Direct children (subsegments and segments that point at this node), by start time. */
  readonly children: readonly TraceNode[];
  /** The segment this node belongs to (itself for a segment). */
  readonly segment: TraceNode;
  /** For segments: the segments called from within this one (directly or via its subsegments), by start time. */
  readonly childSegments: readonly TraceNode[];
  /** The raw document. */
  readonly document: XRaySegmentDocument | XRaySubsegmentDocument;
}

/** A trace as a tree. Incomplete trees are values, not errors. */
export interface TraceTree {
  readonly traceId: string;
  /** Segments with no parent_id, by start time. */
  readonly roots: readonly TraceNode[];
  /** Segments (not subsegments) whose parent has not arrived. */
  readonly orphans: readonly TraceNode[];
  /** Every segment (top-level documents), by start time. */
  readonly segments: readonly TraceNode[];
  /** Every node, segments and subsegments, in document order. */
  readonly nodes: readonly TraceNode[];
  /** Root-to-leaf lists of segments, starting at roots and orphans (computed on first access). */
  readonly paths: readonly (readonly TraceNode[])[];
  /** Ids of parents that nodes point at but that are not in the trace. */
  readonly missing: readonly string[];
  /** Nodes still in progress. */
  readonly inProgress: readonly TraceNode[];
  /** True when nothing is missing, nothing is in progress, and there is a segment (counting linked traces). */
  readonly complete: boolean;
  /** Seconds since the epoch of the earliest start. */
  readonly startTime: number;
  /** Seconds from the earliest start to the latest end. */
  readonly duration: number;
  /** Trace ids this trace links to (`links`), other than itself. */
  readonly linkedTraceIds: readonly string[];
  /** Linked traces that were fetched. */
  readonly linked: readonly TraceTree[];
  /** Linked trace ids that were looked up but not found. */
  readonly missingLinkedTraces: readonly string[];
  /** True when linked traces went deeper than `maxDepth` and were not followed. */
  readonly depthExceeded: boolean;
  /** The node with this id, if present. */
  node(id: string): TraceNode | undefined;
}

interface MutableNode {
  kind: 'segment' | 'subsegment';
  id: string;
  name: string;
  traceId: string;
  origin: string | undefined;
  namespace: string | undefined;
  startTime: number;
  endTime: number | undefined;
  duration: number | undefined;
  inProgress: boolean;
  error: boolean;
  fault: boolean;
  throttle: boolean;
  parentId: string | undefined;
  parent: MutableNode | undefined;
  children: MutableNode[];
  segment: MutableNode;
  childSegments: MutableNode[];
  document: XRaySegmentDocument | XRaySubsegmentDocument;
}

const byStart = (a: MutableNode, b: MutableNode): number => a.startTime - b.startTime;

/** Lists up to this long are sorted by insertion; longer ones by merging runs of this length. */
const RUN = 24;

/** Stable insertion sort by start time of list[from..to) (finite start times only). */
const insertionSort = (list: MutableNode[], from: number, to: number): void => {
  for (let i = from + 1; i < to; i++) {
    const item = list[i] as MutableNode;
    const t = item.startTime;
    let j = i - 1;
    while (j >= from && (list[j] as MutableNode).startTime > t) {
      list[j + 1] = list[j] as MutableNode;
      j--;
    }
    list[j + 1] = item;
  }
};

/**
 * Sorts by start time in place, stably: the same order as `list.sort(byStart)`, without a
 * comparator call per comparison, and without any work for a list already in order (the usual
 * case: subsegments arrive in start order). Start times that are not finite numbers (malformed
 * documents) leave the ordering to the built-in sort, exactly as before.
 */
const sortByStart = (list: MutableNode[]): void => {
  const n = list.length;
  let sorted = true;
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = (list[i] as MutableNode).startTime;
    if (!Number.isFinite(t)) {
      list.sort(byStart);
      return;
    }
    if (t < prev) sorted = false;
    prev = t;
  }
  if (sorted) return;
  if (n <= RUN) {
    insertionSort(list, 0, n);
    return;
  }
  for (let from = 0; from < n; from += RUN) insertionSort(list, from, Math.min(from + RUN, n));
  // Bottom-up merges, ping-ponging between the list and one buffer.
  let src = list;
  let dst: MutableNode[] = new Array<MutableNode>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = src[i] as MutableNode;
        const b = src[j] as MutableNode;
        if (b.startTime < a.startTime) {
          dst[k++] = b;
          j++;
        } else {
          dst[k++] = a;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++] as MutableNode;
      while (j < hi) dst[k++] = src[j++] as MutableNode;
    }
    const swap = src;
    src = dst;
    dst = swap;
  }
  if (src !== list) for (let i = 0; i < n; i++) list[i] = src[i] as MutableNode;
};

/** Shared empty child list (most nodes are leaves); replaced by a real array on first push. */
const NONE: MutableNode[] = [];

const makeNode = (
  doc: XRaySegmentDocument | XRaySubsegmentDocument,
  kind: 'segment' | 'subsegment',
  traceId: string,
  parentId: string | undefined,
  parent: MutableNode | undefined,
  segment: MutableNode | undefined,
): MutableNode => {
  const startTime = doc.start_time;
  const endTime = doc.end_time;
  const inProgress = doc.in_progress === true || typeof endTime !== 'number';
  const node: MutableNode = {
    kind,
    id: doc.id,
    name: doc.name,
    traceId,
    origin: kind === 'segment' ? (doc as XRaySegmentDocument).origin : undefined,
    namespace: kind === 'subsegment' ? (doc as XRaySubsegmentDocument).namespace : undefined,
    startTime,
    endTime: inProgress ? undefined : endTime,
    duration: inProgress ? undefined : (endTime as number) - startTime,
    inProgress,
    error: doc.error === true,
    fault: doc.fault === true,
    throttle: doc.throttle === true,
    parentId,
    parent,
    children: NONE,
    segment: undefined as unknown as MutableNode,
    childSegments: NONE,
    document: doc,
  };
  node.segment = segment ?? node;
  return node;
};

/** The node of a top-level document: a segment, or a subsegment sent on its own. */
const makeTop = (doc: XRaySegmentDocument | XRaySubsegmentDocument, traceId: string): MutableNode =>
  makeNode(
    doc,
    doc.type === 'subsegment' ? 'subsegment' : 'segment',
    traceId,
    doc.parent_id,
    undefined,
    undefined,
  );

/** Segment documents as BatchGetTraces returns them (`{ Id, Document }`), or documents/JSON strings. */
export type SegmentInput =
  | string
  | XRaySegmentDocument
  | XRaySubsegmentDocument
  | { readonly Id?: string | undefined; readonly Document?: string | undefined };

const toDocument = (input: SegmentInput): XRaySegmentDocument | XRaySubsegmentDocument | undefined => {
  if (typeof input === 'string') return JSON.parse(input) as XRaySegmentDocument;
  if ('Document' in input)
    return input.Document ? (JSON.parse(input.Document) as XRaySegmentDocument) : undefined;
  return input as XRaySegmentDocument;
};

/** Prefers a finished document over an in-progress one with the same id (X-Ray keeps the latest). */
const better = (
  current: XRaySegmentDocument | XRaySubsegmentDocument,
  candidate: XRaySegmentDocument | XRaySubsegmentDocument,
): boolean => {
  const currentDone = current.in_progress !== true && typeof current.end_time === 'number';
  const candidateDone = candidate.in_progress !== true && typeof candidate.end_time === 'number';
  return candidateDone || !currentDone;
};

/** Adds the trace ids of `links` other than `traceId` to `linked`. */
const addLinks = (doc: XRayEntityDocument, traceId: string, linked: Set<string>): void => {
  const links = doc.links;
  if (!Array.isArray(links)) return;
  for (const link of links) {
    if (typeof link?.trace_id === 'string' && link.trace_id !== traceId) linked.add(link.trace_id);
  }
};

/**
 * Root-to-leaf lists of segments below `starts`, depth-first in child order: an iterative walk
 * (deep traces must not overflow the stack) with one shared path, copied at leaves.
 */
const segmentPaths = (starts: readonly MutableNode[]): MutableNode[][] => {
  const paths: MutableNode[][] = [];
  const current: MutableNode[] = [];
  const stack: MutableNode[] = [];
  const depths: number[] = [];
  for (const first of starts) {
    stack.push(first);
    depths.push(0);
    while (stack.length > 0) {
      const node = stack.pop() as MutableNode;
      const depth = depths.pop() as number;
      current.length = depth;
      current.push(node);
      const kids = node.childSegments;
      if (kids.length === 0) {
        paths.push(current.slice());
        continue;
      }
      for (let i = kids.length - 1; i >= 0; i--) {
        stack.push(kids[i] as MutableNode);
        depths.push(depth + 1);
      }
    }
  }
  return paths;
};

/**
 * Builds the tree of one trace from its segment documents, in linear time. Subsegments stay
 * subsegments; a segment's parent may be a subsegment of another segment; a parent that has not
 * arrived makes the tree incomplete (`missing`, `orphans`), never an exception. Clock skew between
 * segments (a child starting before its parent) is tolerated.
 */
export const buildTraceTree = (traceId: string, inputs: readonly SegmentInput[]): TraceTree => {
  // Top-level documents, de-duplicated by id, become nodes first: `byId` holds them (in first
  // arrival order) before it indexes the subsegments too.
  const byId = new Map<string, MutableNode>();
  const tops: MutableNode[] = [];
  for (const input of inputs) {
    const doc = toDocument(input);
    if (!doc) continue;
    const current = byId.get(doc.id);
    if (current === undefined) {
      const top = makeTop(doc, traceId);
      byId.set(doc.id, top);
      tops.push(top);
    } else if (better(current.document, doc)) {
      Object.assign(current, makeTop(doc, traceId)).segment = current;
    }
  }

  const nodes: MutableNode[] = [];
  const segments: MutableNode[] = [];
  const pending: MutableNode[] = []; // nodes whose parent is resolved by id
  const independents: { top: MutableNode; from: number; to: number }[] = [];
  const linked = new Set<string>();
  const inProgress: MutableNode[] = [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  // Subsegment ids that repeat an id already indexed (rare): resolved below, as before, to the last
  // node with that id in `nodes` order.
  let repeated: Set<string> | undefined;
  // Embedded subsegments: iterative walk (deep nesting must not overflow the stack); one stack reused.
  const stack: MutableNode[] = [];

  for (const top of tops) {
    const doc = top.document;
    const independent = top.kind === 'subsegment';
    const from = nodes.length;
    nodes.push(top);
    if (!independent) segments.push(top);
    if (top.parentId !== undefined) pending.push(top);
    addLinks(doc, traceId, linked);
    stack.push(top);
    while (stack.length > 0) {
      const owner = stack.pop() as MutableNode;
      const subs = owner.document.subsegments;
      if (!Array.isArray(subs) || subs.length === 0) continue;
      // Exactly sized: most child lists never grow (a pushed array would reserve 17 slots).
      const children = new Array<MutableNode>(subs.length);
      let k = 0;
      for (const sub of subs) {
        const node = makeNode(sub, 'subsegment', traceId, owner.id, owner, owner.segment);
        children[k++] = node;
        nodes.push(node);
        const size = byId.size;
        byId.set(node.id, node);
        if (byId.size === size) {
          repeated ??= new Set();
          repeated.add(node.id);
        }
        addLinks(sub, traceId, linked);
        stack.push(node);
      }
      owner.children = children;
    }
    if (independent) independents.push({ top, from, to: nodes.length });
  }

  if (repeated !== undefined) {
    for (const node of nodes) if (repeated.has(node.id)) byId.set(node.id, node);
  }

  const missing = new Set<string>();
  const orphans: MutableNode[] = [];
  for (const node of pending) {
    const parent = byId.get(node.parentId as string);
    if (!parent || parent === node) {
      missing.add(node.parentId as string);
      if (node.kind === 'segment') orphans.push(node);
      continue;
    }
    node.parent = parent;
    if (parent.children === NONE) parent.children = [node];
    else parent.children.push(node);
  }
  // Independent subsegments (and what they embed) belong to the segment of their parent chain.
  if (independents.length > 0) {
    const resolved = new Set<MutableNode>();
    for (const { top, from, to } of independents) {
      let owner: MutableNode = top;
      const guard = new Set<MutableNode>([top]);
      let cursor = top.parent;
      while (cursor) {
        const s = cursor.segment;
        if (s.kind === 'segment' || resolved.has(s)) {
          owner = s.segment;
          break;
        }
        if (guard.has(s)) break; // a cycle of subsegments: no segment owns them
        guard.add(s);
        cursor = s.parent;
      }
      for (let i = from; i < to; i++) (nodes[i] as MutableNode).segment = owner;
      resolved.add(top);
    }
  }
  for (const node of segments) {
    const parentSegment = node.parent?.segment;
    if (!parentSegment || parentSegment === node) continue;
    if (parentSegment.childSegments === NONE) parentSegment.childSegments = [node];
    else parentSegment.childSegments.push(node);
  }
  for (const node of nodes) {
    if (node.children.length > 1) sortByStart(node.children);
    if (node.childSegments.length > 1) sortByStart(node.childSegments);
    if (node.startTime < start) start = node.startTime;
    const e = node.endTime ?? node.startTime;
    if (e > end) end = e;
    if (node.inProgress) inProgress.push(node);
  }
  sortByStart(segments);
  sortByStart(orphans);
  const roots = segments.filter((s) => s.parentId === undefined);
  if (nodes.length === 0) {
    start = 0;
    end = 0;
  }

  // Root-to-leaf paths: built on first access (most callers never read them).
  let paths: MutableNode[][] | undefined;
  return {
    traceId,
    roots,
    orphans,
    segments,
    nodes,
    get paths(): MutableNode[][] {
      if (paths === undefined) paths = segmentPaths([...roots, ...orphans]);
      return paths;
    },
    missing: [...missing],
    inProgress,
    complete: segments.length > 0 && missing.size === 0 && inProgress.length === 0,
    startTime: start,
    duration: end - start,
    linkedTraceIds: [...linked],
    linked: [],
    missingLinkedTraces: [],
    depthExceeded: false,
    node: (id) => byId.get(id),
  };
};

/** Every tree: this one and its linked traces, depth-first. */
export const allTrees = (tree: TraceTree): TraceTree[] => {
  const out: TraceTree[] = [];
  const stack = [tree];
  while (stack.length > 0) {
    const t = stack.pop() as TraceTree;
    out.push(t);
    for (let i = t.linked.length - 1; i >= 0; i--) stack.push(t.linked[i] as TraceTree);
  }
  return out;
};
