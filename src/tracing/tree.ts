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

/**
 * Sorts by start time in place (`Array.prototype.sort` is stable: same start time, arrival order).
 * Lists already in order (the usual case: subsegments arrive in start order) are left as they are.
 */
const sortByStart = (list: MutableNode[]): void => {
  for (let i = 1; i < list.length; i++) {
    // Out of order, or a start time that is not a number: let the sort decide.
    if (!((list[i] as MutableNode).startTime >= (list[i - 1] as MutableNode).startTime)) {
      list.sort(byStart);
      return;
    }
  }
};

/**
 * The child lists of a leaf: one shared empty array instead of two per node (a 10,000-segment trace
 * has 30,000 nodes, most of them leaves; the bench row "trace tree of 10,000 segments" needs this).
 * Never pushed to: {@link addChild} replaces it with a list of the node's own.
 */
const NONE: MutableNode[] = [];

/** Adds `child` to `list` of `node` (its children or child segments), giving the node its own list first. */
const addChild = (node: MutableNode, list: 'children' | 'childSegments', child: MutableNode): void => {
  if (node[list] === NONE) node[list] = [child];
  else node[list].push(child);
};

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

/** Top-level documents, de-duplicated by id (the better copy wins), as nodes in first-arrival order. */
const indexTops = (
  traceId: string,
  inputs: readonly SegmentInput[],
): { byId: Map<string, MutableNode>; tops: MutableNode[] } => {
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
  return { byId, tops };
};

/** Every node (tops and the subsegments they embed), in document order, with what later phases need. */
interface Expanded {
  readonly nodes: MutableNode[];
  readonly segments: MutableNode[];
  /** Nodes whose parent is resolved by id. */
  readonly pending: MutableNode[];
  /** Subsegments sent on their own, with the range of `nodes` they and their embedded ones fill. */
  readonly independents: { top: MutableNode; from: number; to: number }[];
  readonly linked: Set<string>;
}

/** Walks every top's embedded subsegments (iteratively: deep nesting must not overflow the stack). */
const expand = (traceId: string, tops: readonly MutableNode[], byId: Map<string, MutableNode>): Expanded => {
  const out: Expanded = { nodes: [], segments: [], pending: [], independents: [], linked: new Set() };
  // Subsegment ids that repeat an id already indexed (rare): resolved to the last such node.
  const repeated = new Set<string>();
  for (const top of tops) {
    const independent = top.kind === 'subsegment';
    const from = out.nodes.length;
    out.nodes.push(top);
    if (!independent) out.segments.push(top);
    if (top.parentId !== undefined) out.pending.push(top);
    addLinks(top.document, traceId, out.linked);
    const stack: MutableNode[] = [top];
    for (let owner = stack.pop(); owner !== undefined; owner = stack.pop()) {
      const subs = owner.document.subsegments;
      if (!Array.isArray(subs)) continue;
      for (const sub of subs) {
        const node = makeNode(sub, 'subsegment', traceId, owner.id, owner, owner.segment);
        addChild(owner, 'children', node);
        out.nodes.push(node);
        if (byId.has(node.id)) repeated.add(node.id);
        byId.set(node.id, node);
        addLinks(sub, traceId, out.linked);
        stack.push(node);
      }
    }
    if (independent) out.independents.push({ top, from, to: out.nodes.length });
  }
  if (repeated.size > 0) for (const node of out.nodes) if (repeated.has(node.id)) byId.set(node.id, node);
  return out;
};

/** Links nodes to their parents by id; a parent that has not arrived is missing (a segment then is an orphan). */
const linkParents = (
  pending: readonly MutableNode[],
  byId: ReadonlyMap<string, MutableNode>,
): { missing: Set<string>; orphans: MutableNode[] } => {
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
    addChild(parent, 'children', node);
  }
  return { missing, orphans };
};

/** Independent subsegments (and what they embed) belong to the segment of their parent chain. */
const assignIndependents = (expanded: Expanded): void => {
  const resolved = new Set<MutableNode>();
  for (const { top, from, to } of expanded.independents) {
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
    for (let i = from; i < to; i++) (expanded.nodes[i] as MutableNode).segment = owner;
    resolved.add(top);
  }
};

/** Orders children by start time; returns the trace's time span and the nodes still in progress. */
const settle = (nodes: readonly MutableNode[]): { start: number; end: number; inProgress: MutableNode[] } => {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const inProgress: MutableNode[] = [];
  for (const node of nodes) {
    sortByStart(node.children);
    sortByStart(node.childSegments);
    if (node.startTime < start) start = node.startTime;
    const e = node.endTime ?? node.startTime;
    if (e > end) end = e;
    if (node.inProgress) inProgress.push(node);
  }
  return nodes.length === 0 ? { start: 0, end: 0, inProgress } : { start, end, inProgress };
};

/**
 * Builds the tree of one trace from its segment documents, in linear time. Subsegments stay
 * subsegments; a segment's parent may be a subsegment of another segment; a parent that has not
 * arrived makes the tree incomplete (`missing`, `orphans`), never an exception. Clock skew between
 * segments (a child starting before its parent) is tolerated.
 */
export const buildTraceTree = (traceId: string, inputs: readonly SegmentInput[]): TraceTree => {
  const { byId, tops } = indexTops(traceId, inputs);
  const expanded = expand(traceId, tops, byId);
  const { nodes, segments } = expanded;
  const { missing, orphans } = linkParents(expanded.pending, byId);
  assignIndependents(expanded);
  for (const node of segments) {
    const parentSegment = node.parent?.segment;
    if (parentSegment && parentSegment !== node) addChild(parentSegment, 'childSegments', node);
  }
  const { start, end, inProgress } = settle(nodes);
  sortByStart(segments);
  sortByStart(orphans);
  const roots = segments.filter((s) => s.parentId === undefined);
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
    linkedTraceIds: [...expanded.linked],
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
