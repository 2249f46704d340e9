import {
  BatchGetTracesCommand,
  type BatchGetTracesCommandOutput,
  type Segment as SdkSegment,
} from '@aws-sdk/client-xray';
import {
  type EventProbeErrorOptions,
  InvalidInputError,
  TimeoutError,
  TraceIncompleteError,
  TraceNotFoundError,
} from '../errors.js';
import { createDeadline, sendOptions, sleep } from '../wait/index.js';
import { traceIdOf } from './header.js';
import { buildTraceTree, type TraceTree } from './tree.js';

/** What the fetchers need of an XRayClient (an XRayClient fits). */
export interface XRayLike {
  send(
    command: BatchGetTracesCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<Pick<BatchGetTracesCommandOutput, 'Traces' | 'UnprocessedTraceIds' | 'NextToken'>>;
}

/** BatchGetTraces takes at most this many ids per call. */
export const BATCH_GET_TRACES_LIMIT = 5;

export interface GetTraceTreeOptions {
  /** Follow linked traces (`links`). Default false. */
  readonly fetchLinkedTraces?: boolean;
  /** How many levels of linked traces to follow. Default 5. */
  readonly maxDepth?: number;
  /** How many times ids BatchGetTraces left unprocessed are asked again (with backoff). Default 3. */
  readonly unprocessedRetries?: number;
  /** First backoff for unprocessed ids, in ms (doubles each time). Default 100. */
  readonly backoffMs?: number;
  /** Cancels the calls and sleeps; the caller's reason is rethrown. */
  readonly signal?: AbortSignal;
}

const checkNonNegativeInt = (value: number, option: string): void => {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(`${option} must be an integer >= 0, got ${value}`, option);
  }
};

const checkPositive = (value: number, option: string): void => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(
      `${option} must be a positive finite number of ms, got ${String(value)}`,
      option,
    );
  }
};

/**
 * Fetches the segments of these traces with BatchGetTraces: ids in chunks of 5, every page,
 * unprocessed ids asked again with exponential backoff. Ids still missing are absent from the map.
 */
export const fetchTraceSegments = async (
  xray: XRayLike,
  traceIds: readonly string[],
  options: Pick<GetTraceTreeOptions, 'unprocessedRetries' | 'backoffMs' | 'signal'> = {},
): Promise<Map<string, SdkSegment[]>> => {
  const retries = options.unprocessedRetries ?? 3;
  const backoff = options.backoffMs ?? 100;
  checkNonNegativeInt(retries, 'unprocessedRetries');
  checkNonNegativeInt(backoff, 'backoffMs');
  const signal = options.signal;
  const found = new Map<string, SdkSegment[]>();
  let todo = [...new Set(traceIds)];
  for (let attempt = 0; todo.length > 0; attempt++) {
    signal?.throwIfAborted();
    const unprocessed: string[] = [];
    for (let i = 0; i < todo.length; i += BATCH_GET_TRACES_LIMIT) {
      const chunk = todo.slice(i, i + BATCH_GET_TRACES_LIMIT);
      let nextToken: string | undefined;
      do {
        const out = await xray.send(
          new BatchGetTracesCommand({ TraceIds: chunk, ...(nextToken ? { NextToken: nextToken } : {}) }),
          sendOptions(signal),
        );
        for (const trace of out.Traces ?? []) {
          if (!trace.Id) continue;
          const list = found.get(trace.Id) ?? [];
          list.push(...(trace.Segments ?? []));
          found.set(trace.Id, list);
        }
        unprocessed.push(...(out.UnprocessedTraceIds ?? []));
        nextToken = out.NextToken || undefined;
      } while (nextToken);
    }
    todo = [...new Set(unprocessed)].filter((id) => !found.has(id));
    if (todo.length === 0 || attempt >= retries) break;
    // The shared sleep rethrows the caller's own reason on abort, as this function promises.
    await sleep(backoff * 2 ** attempt, signal);
  }
  return found;
};

/**
 * The tree of a trace (given its tracing header or trace id), built from BatchGetTraces.
 * An incomplete trace (parents not arrived yet) is returned with `complete: false`; a trace with
 * no segments throws TraceNotFoundError. With `fetchLinkedTraces`, linked traces are fetched
 * level by level up to `maxDepth`; deeper links set `depthExceeded`.
 */
export const getTraceTree = async (
  xray: XRayLike,
  headerOrTraceId: string,
  options: GetTraceTreeOptions = {},
): Promise<TraceTree> => {
  const traceId = traceIdOf(headerOrTraceId);
  const maxDepth = options.maxDepth ?? 5;
  checkNonNegativeInt(maxDepth, 'maxDepth');
  const segments = await fetchTraceSegments(xray, [traceId], options);
  const own = segments.get(traceId);
  if (!own || own.length === 0) {
    throw new TraceNotFoundError(
      `X-Ray has no trace ${traceId} (yet). X-Ray takes a few seconds to make segments visible: use retryGetTraceTreeUntil, and check the call was sampled (Sampled=1).`,
      traceId,
    );
  }
  const root = buildTraceTree(traceId, own);
  if (!options.fetchLinkedTraces) return root;

  // buildTraceTree returns a fresh tree with its own (empty) `linked` and `missingLinkedTraces`
  // lists, so it can be filled in place; copying it would also force its lazy `paths`.
  type Mutable = { -readonly [K in keyof TraceTree]: TraceTree[K] };
  const top = root as Mutable;
  const seen = new Set<string>([traceId]);
  let level: Mutable[] = [top];
  for (let depth = 1; level.length > 0; depth++) {
    // Each linked trace hangs off the first tree of this level that links to it.
    const wanted = new Map<string, Mutable>();
    for (const t of level) {
      for (const id of t.linkedTraceIds) {
        if (!seen.has(id) && !wanted.has(id)) wanted.set(id, t);
      }
    }
    if (wanted.size === 0) break;
    if (depth > maxDepth) {
      top.depthExceeded = true;
      for (const t of level) t.depthExceeded = true;
      break;
    }
    for (const id of wanted.keys()) seen.add(id);
    const fetched = await fetchTraceSegments(xray, [...wanted.keys()], options);
    const next: Mutable[] = [];
    for (const [id, owner] of wanted) {
      const segs = fetched.get(id);
      if (!segs || segs.length === 0) {
        (owner.missingLinkedTraces as string[]).push(id);
        continue;
      }
      const child = buildTraceTree(id, segs) as Mutable;
      (owner.linked as TraceTree[]).push(child);
      next.push(child);
    }
    level = next;
  }
  // Completeness counts linked traces, bottom-up.
  const settle = (t: Mutable): boolean => {
    let ok = t.complete && t.missingLinkedTraces.length === 0;
    for (const c of t.linked) ok = settle(c as Mutable) && ok;
    t.complete = ok;
    return ok;
  };
  settle(top);
  return top;
};

/** retryGetTraceTreeUntil ran out of time. Carries the last tree seen and the last failure. */
export class TraceAssertionTimeoutError extends TimeoutError {
  constructor(
    message: string,
    timeoutMs: number,
    readonly traceId: string,
    lastTree: TraceTree | undefined,
    /** Why the last try did not pass: TraceNotFoundError, TraceIncompleteError, or the assertion's error. */
    readonly lastFailure: unknown,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, timeoutMs, options);
    // Not enumerable, so a test runner's error printout stays readable (the message has the waterfall).
    Object.defineProperty(this, 'lastTree', { value: lastTree, enumerable: false });
  }
  /** The last tree fetched (undefined when the trace was never found). */
  declare readonly lastTree: TraceTree | undefined;
}

export interface RetryGetTraceTreeOptions extends GetTraceTreeOptions {
  /** How long to keep trying, in ms. Default 30000. */
  readonly timeout?: number;
  /** Pause between tries, in ms. Default 1000. */
  readonly interval?: number;
  /**
   * Only hand complete trees to the assertion (true, the default). False also hands it trees
   * with missing parents or segments in progress (e.g. a flow that never closes a segment).
   */
  readonly requireComplete?: boolean;
}

/** Passes when it returns anything but `false` and does not throw. */
export type TraceAssertion = (tree: TraceTree) => unknown;

/**
 * Fetches the trace tree until `assertion` passes, and returns the tree that passed. Retries
 * (sleeping `interval` between tries) while the trace is not found, incomplete, or the assertion
 * throws or returns false. At `timeout` the in-flight call is cancelled and a
 * TraceAssertionTimeoutError carries the last tree and the last failure.
 */
export const retryGetTraceTreeUntil = async (
  xray: XRayLike,
  headerOrTraceId: string,
  assertion: TraceAssertion,
  options: RetryGetTraceTreeOptions = {},
): Promise<TraceTree> => {
  const traceId = traceIdOf(headerOrTraceId);
  const timeout = options.timeout ?? 30_000;
  const interval = options.interval ?? 1_000;
  checkPositive(timeout, 'timeout');
  checkPositive(interval, 'interval');
  if (typeof assertion !== 'function') {
    throw new InvalidInputError('assertion must be a function (tree) => boolean | void', 'assertion');
  }
  const caller = options.signal;
  caller?.throwIfAborted();
  const deadline = createDeadline(timeout, caller);
  const { signal } = deadline;
  let lastTree: TraceTree | undefined;
  let lastFailure: unknown;
  let tries = 0;
  const timedOut = (): TraceAssertionTimeoutError =>
    new TraceAssertionTimeoutError(
      `Trace ${traceId} did not pass within ${timeout}ms (${tries} tries, every ${interval}ms). Last failure: ${
        lastFailure === undefined
          ? 'none: the first try was still running (a slow or unreachable X-Ray endpoint?)'
          : ((lastFailure as Error | null)?.message ?? String(lastFailure))
      }`,
      timeout,
      traceId,
      lastTree,
      lastFailure,
      { cause: lastFailure },
    );
  try {
    for (;;) {
      tries++;
      try {
        const tree = await getTraceTree(xray, traceId, { ...options, signal });
        lastTree = tree;
        if (!tree.complete && options.requireComplete !== false) {
          throw new TraceIncompleteError(
            `Trace ${traceId} is incomplete: ${
              tree.missing.length > 0
                ? `parents ${tree.missing.join(', ')} have not arrived`
                : 'segments in progress'
            }${tree.missingLinkedTraces.length > 0 ? `; linked traces ${tree.missingLinkedTraces.join(', ')} not found` : ''}.`,
            traceId,
            tree.missing,
          );
        }
        if ((await assertion(tree)) !== false) return tree;
        lastFailure = new Error('the assertion returned false');
      } catch (err) {
        if (caller?.aborted) throw caller.reason;
        if (deadline.timedOut) throw timedOut();
        if (err instanceof InvalidInputError) throw err;
        lastFailure = err;
      }
      try {
        await sleep(interval, signal);
      } catch {
        if (caller?.aborted) throw caller.reason;
        throw timedOut();
      }
    }
  } finally {
    deadline.dispose();
  }
};
