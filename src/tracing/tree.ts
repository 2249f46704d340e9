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
  /** Root-to-leaf lists of segments, starting at roots and orphans. */
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

/** Shared empty child list (most nodes are leaves); replaced by a real array on first push. */
const NONE: MutableNode[] = [];
const addChild = (node: MutableNode, key: 'children' | 'childSegments', child: MutableNode): void => {
  if (node[key] === NONE) node[key] = [child];
  else node[key].push(child);
};

const makeNode = (
  doc: XRaySegmentDocument | XRaySubsegmentDocument,
  kind: 'segment' | 'subsegment',
  traceId: string,
  parentId: string | undefined,
  segment: MutableNode | undefined,
): MutableNode => {
  const endTime = typeof doc.end_time === 'number' ? doc.end_time : undefined;
  const inProgress = doc.in_progress === true || endTime === undefined;
  const node: MutableNode = {
    kind,
    id: doc.id,
    name: doc.name,
    traceId,
    origin: kind === 'segment' ? (doc as XRaySegmentDocument).origin : undefined,
    namespace: kind === 'subsegment' ? (doc as XRaySubsegmentDocument).namespace : undefined,
    startTime: doc.start_time,
    endTime: inProgress ? undefined : endTime,
    duration: inProgress || endTime === undefined ? undefined : endTime - doc.start_time,
    inProgress,
    error: doc.error === true,
    fault: doc.fault === true,
    throttle: doc.throttle === true,
    parentId,
    parent: undefined,
    children: NONE,
    segment: undefined as unknown as MutableNode,
    childSegments: NONE,
    document: doc,
  };
  node.segment = segment ?? node;
  return node;
};

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

/**
 * Builds the tree of one trace from its segment documents, in linear time. Subsegments stay
 * subsegments; a segment's parent may be a subsegment of another segment; a parent that has not
 * arrived makes the tree incomplete (`missing`, `orphans`), never an exception. Clock skew between
 * segments (a child starting before its parent) is tolerated.
 */
export const buildTraceTree = (traceId: string, inputs: readonly SegmentInput[]): TraceTree => {
  // De-duplicate top-level documents by id.
  const docs = new Map<string, XRaySegmentDocument | XRaySubsegmentDocument>();
  for (const input of inputs) {
    const doc = toDocument(input);
    if (!doc) continue;
    const current = docs.get(doc.id);
    if (!current || better(current, doc)) docs.set(doc.id, doc);
  }

  const nodes: MutableNode[] = [];
  const byId = new Map<string, MutableNode>();
  const segments: MutableNode[] = [];
  const pending: MutableNode[] = []; // nodes whose parent is resolved by id
  const independents: { top: MutableNode; from: number; to: number }[] = [];
  const linked = new Set<string>();
  const addLinks = (doc: XRayEntityDocument): void => {
    if (!Array.isArray(doc.links)) return;
    for (const link of doc.links) {
      if (typeof link?.trace_id === 'string' && link.trace_id !== traceId) linked.add(link.trace_id);
    }
  };

  for (const doc of docs.values()) {
    const independent = doc.type === 'subsegment';
    const top = makeNode(doc, independent ? 'subsegment' : 'segment', traceId, doc.parent_id, undefined);
    const from = nodes.length;
    nodes.push(top);
    byId.set(top.id, top);
    if (!independent) segments.push(top);
    if (top.parentId !== undefined) pending.push(top);
    addLinks(doc);
    // Embedded subsegments: iterative walk (deep nesting must not overflow the stack).
    const stack: MutableNode[] = [top];
    while (stack.length > 0) {
      const owner = stack.pop() as MutableNode;
      const subs = owner.document.subsegments;
      if (!Array.isArray(subs)) continue;
      for (const sub of subs) {
        const node = makeNode(sub, 'subsegment', traceId, owner.id, owner.segment);
        node.parent = owner;
        addChild(owner, 'children', node);
        nodes.push(node);
        byId.set(node.id, node);
        addLinks(sub);
        stack.push(node);
      }
    }
    if (independent) independents.push({ top, from, to: nodes.length });
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
    addChild(parent, 'children', node);
  }
  // Independent subsegments (and what they embed) belong to the segment of their parent chain.
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
  for (const node of segments) {
    const parentSegment = node.parent?.segment;
    if (parentSegment && parentSegment !== node) addChild(parentSegment, 'childSegments', node);
  }
  for (const node of nodes) {
    if (node.children.length > 1) node.children.sort(byStart);
    if (node.childSegments.length > 1) node.childSegments.sort(byStart);
  }
  segments.sort(byStart);
  orphans.sort(byStart);
  const roots = segments.filter((s) => s.parentId === undefined);

  // Root-to-leaf paths over segments: iterative DFS with one shared path, copied at leaves.
  const paths: MutableNode[][] = [];
  const current: MutableNode[] = [];
  const stack: { node: MutableNode; depth: number }[] = [];
  for (const first of [...roots, ...orphans]) {
    stack.push({ node: first, depth: 0 });
    while (stack.length > 0) {
      const { node, depth } = stack.pop() as { node: MutableNode; depth: number };
      current.length = depth;
      current.push(node);
      const kids = node.childSegments;
      if (kids.length === 0) {
        paths.push(current.slice());
        continue;
      }
      for (let i = kids.length - 1; i >= 0; i--)
        stack.push({ node: kids[i] as MutableNode, depth: depth + 1 });
    }
  }

  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const inProgress: MutableNode[] = [];
  for (const node of nodes) {
    if (node.startTime < start) start = node.startTime;
    const e = node.endTime ?? node.startTime;
    if (e > end) end = e;
    if (node.inProgress) inProgress.push(node);
  }
  if (nodes.length === 0) {
    start = 0;
    end = 0;
  }

  return {
    traceId,
    roots,
    orphans,
    segments,
    nodes,
    paths,
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
