import { InvalidInputError } from '../errors.js';
import { isTraceId, makeTraceHeader, newTraceId, tryParseTraceHeader } from './header.js';

/** The name of the middleware in the client's stack (adding it twice replaces it). */
export const TRACING_MIDDLEWARE_NAME = 'eventprobeTracingHeader';

export interface WithTracingOptions {
  /** Send `Sampled=1` (true, the default) or `Sampled=0` (false), whatever the request carried. */
  readonly sampled?: boolean;
  /** Use this trace id as Root for every call (a trace id, e.g. from {@link newTraceId}). */
  readonly root?: string;
  /**
   * When there is no `root` and the request carries no header, mint a new Root for each call
   * (true, the default); false leaves such requests without a header.
   */
  readonly mintRoot?: boolean;
  /** Called with each header sent, before the call goes out (the trace id is known up front). */
  readonly onHeader?: (header: string, traceId: string) => void;
  /** Milliseconds since the epoch for minted trace ids. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Controls the tracing of one client. */
export interface TracingHandle {
  /** The last `X-Amzn-Trace-Id` sent. */
  readonly lastTraceHeader: string | undefined;
  /** The Root of the last header sent. */
  readonly lastTraceId: string | undefined;
  /** The `X-Amzn-Trace-Id` of the last response, if the service returned one (e.g. Lambda Invoke). */
  readonly lastResponseTraceHeader: string | undefined;
  /** Mints a trace id and uses it as Root from the next call on; returns it. */
  mintRoot(): string;
  /** Removes the middleware from the client. Idempotent. */
  remove(): void;
}

/** The part of an SDK v3 client this needs: its middleware stack. */
export interface TraceableClient {
  readonly middlewareStack: {
    add(middleware: never, options: never): void;
    remove(toRemove: never): boolean;
  };
}

type Handler = (args: { request?: unknown }) => Promise<{ response?: unknown }>;
type AddFn = (
  middleware: (next: Handler) => Handler,
  options: { step: 'build'; name: string; priority: 'low'; override: true; tags: string[] },
) => void;

interface State {
  options: WithTracingOptions;
  root: string | undefined;
  lastTraceHeader: string | undefined;
  lastTraceId: string | undefined;
  lastResponseTraceHeader: string | undefined;
  handle: TracingHandle;
}

const states = new WeakMap<object, State>();

const headersOf = (message: unknown): Record<string, string> | undefined => {
  if (typeof message !== 'object' || message === null) return undefined;
  const headers = (message as { headers?: unknown }).headers;
  return typeof headers === 'object' && headers !== null ? (headers as Record<string, string>) : undefined;
};

const checkOptions = (options: WithTracingOptions): void => {
  if (options.root !== undefined && !isTraceId(options.root)) {
    throw new InvalidInputError(
      `root must be a trace id like 1-5759e988-bd862e3fe1be46a994272793, got "${options.root}"`,
      'root',
    );
  }
};

/**
 * Replaces the request's X-Amzn-Trace-Id: the handle's root, else the root of a header passed on
 * (sampled), else a new root (unless minting is off: then a header passed on stays as it was).
 */
const setTraceHeader = (state: State, headers: Record<string, string>): void => {
  let current: string | undefined;
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() === 'x-amzn-trace-id') {
      current = headers[k];
      delete headers[k];
    }
  }
  const parsed = current === undefined ? undefined : tryParseTraceHeader(current);
  const { sampled = true, mintRoot = true, clock } = state.options;
  // Each branch knows the root it sends (none for a header passed on that does not parse).
  let header: string | undefined;
  let root: string | undefined;
  if (state.root !== undefined) {
    root = state.root;
    header = makeTraceHeader({ root, sampled });
  } else if (parsed) {
    root = parsed.root;
    header = makeTraceHeader({ ...parsed, sampled });
  } else if (mintRoot) {
    root = newTraceId(clock);
    header = makeTraceHeader({ root, sampled });
  } else if (current !== undefined) {
    header = current;
  }
  if (header === undefined) return;
  headers['X-Amzn-Trace-Id'] = header;
  state.lastTraceHeader = header;
  state.lastTraceId = root;
  if (root !== undefined) state.options.onHeader?.(header, root);
};

/**
 * Makes an SDK v3 client send `X-Amzn-Trace-Id` with `Sampled=1` on every call, so the flow it
 * starts is traced whatever the sampling rules say. Keeps the Root/Parent of a header already on
 * the request (e.g. inside a Lambda), overriding its `Sampled=0`; otherwise mints a Root (or uses
 * `root`) so the trace id is known before the call. Patching the same client again updates the
 * options; the header is never added twice.
 *
 * @example
 * const tracing = withTracing(sfn, { onHeader: (h) => headers.push(h) });
 * const root = tracing.mintRoot();                  // known before the call
 * await sfn.send(new StartExecutionCommand({ ... }));
 * const tree = await retryGetTraceTreeUntil(xray, root, (t) => assertTracePath(t, [...]));
 */
export const withTracing = (client: TraceableClient, options: WithTracingOptions = {}): TracingHandle => {
  checkOptions(options);
  const stack = client.middlewareStack;
  const existing = states.get(stack);
  if (existing) {
    existing.options = options;
    existing.root = options.root;
    return existing.handle;
  }
  const state: State = {
    options,
    root: options.root,
    lastTraceHeader: undefined,
    lastTraceId: undefined,
    lastResponseTraceHeader: undefined,
    handle: undefined as unknown as TracingHandle,
  };
  const middleware =
    (next: Handler): Handler =>
    async (args) => {
      const headers = headersOf(args.request);
      if (headers) setTraceHeader(state, headers);
      const result = await next(args);
      const responseHeaders = headersOf(result.response);
      if (responseHeaders) {
        for (const [k, v] of Object.entries(responseHeaders)) {
          if (k.toLowerCase() === 'x-amzn-trace-id') state.lastResponseTraceHeader = v;
        }
      }
      return result;
    };
  let removed = false;
  state.handle = {
    get lastTraceHeader() {
      return state.lastTraceHeader;
    },
    get lastTraceId() {
      return state.lastTraceId;
    },
    get lastResponseTraceHeader() {
      return state.lastResponseTraceHeader;
    },
    mintRoot() {
      state.root = newTraceId(state.options.clock);
      return state.root;
    },
    remove() {
      if (removed) return;
      removed = true;
      (stack.remove as unknown as (name: string) => boolean).call(stack, TRACING_MIDDLEWARE_NAME);
      states.delete(stack);
    },
  };
  (stack.add as unknown as AddFn).call(stack, middleware, {
    step: 'build',
    name: TRACING_MIDDLEWARE_NAME,
    priority: 'low',
    override: true,
    tags: ['EVENTPROBE_TRACING'],
  });
  states.set(stack, state);
  return state.handle;
};
