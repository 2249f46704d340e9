import { EventProbeError, type EventProbeErrorOptions, InvalidInputError } from '../errors.js';
import { renderTraceTree } from './render.js';
import { allTrees, type TraceNode, type TraceTree } from './tree.js';

/** A trace assertion failed. The message ends with the rendered tree. */
export class TraceAssertionError extends EventProbeError {
  constructor(
    /** What was expected, without the tree. */
    readonly reason: string,
    tree: TraceTree,
    options: EventProbeErrorOptions = {},
  ) {
    super(`${reason}\n\n${renderTraceTree(tree)}`, options);
    // Not enumerable: test runners print an error's own fields, and the rendered tree is already in the message.
    Object.defineProperty(this, 'tree', { value: tree, enumerable: false });
  }
  /** The tree that failed the assertion. */
  declare readonly tree: TraceTree;
}

/** How segments are identified in paths and service sets. */
export interface MatchByOptions {
  /** `origin` (e.g. `AWS::Lambda`, the default) or `name` (e.g. the function name). */
  readonly by?: 'origin' | 'name';
}

const key = (node: TraceNode, by: 'origin' | 'name'): string =>
  by === 'origin' ? (node.origin ?? `(no origin: ${node.name})`) : node.name;

const checkBy = (options: MatchByOptions): 'origin' | 'name' => {
  const by = options.by ?? 'origin';
  if (by !== 'origin' && by !== 'name') {
    throw new InvalidInputError(`by must be 'origin' or 'name', got "${String(by)}"`, 'by');
  }
  return by;
};

/** Every root-to-leaf path, of this trace and its linked traces, as lists of origins or names. */
export const tracePaths = (tree: TraceTree, options: MatchByOptions = {}): string[][] => {
  const by = checkBy(options);
  return allTrees(tree).flatMap((t) => t.paths.map((p) => p.map((n) => key(n, by))));
};

export interface PathOptions extends MatchByOptions {
  /**
   * `exact` (the default): a whole root-to-leaf path equals `expected`; `prefix`: a path starts
   * with it; `contains`: `expected` appears as consecutive segments somewhere in a path.
   */
  readonly match?: 'exact' | 'prefix' | 'contains';
}

const pathMatches = (path: readonly string[], expected: readonly string[], match: string): boolean => {
  if (match === 'exact' && path.length !== expected.length) return false;
  const last = match === 'contains' ? path.length - expected.length : 0;
  for (let offset = 0; offset <= last; offset++) {
    if (expected.every((e, i) => path[offset + i] === e)) return true;
  }
  return false;
};

/**
 * Asserts that some root-to-leaf path is `expected` (origins by default, or names).
 * @example assertTracePath(tree, ['AWS::StepFunctions::StateMachine', 'AWS::Lambda'], { match: 'prefix' })
 */
export const assertTracePath = (
  tree: TraceTree,
  expected: readonly string[],
  options: PathOptions = {},
): void => {
  const match = options.match ?? 'exact';
  if (match !== 'exact' && match !== 'prefix' && match !== 'contains') {
    throw new InvalidInputError(
      `match must be 'exact', 'prefix' or 'contains', got "${String(match)}"`,
      'match',
    );
  }
  const paths = tracePaths(tree, options);
  if (paths.some((p) => pathMatches(p, expected, match))) return;
  throw new TraceAssertionError(
    `Expected a path ${match === 'exact' ? '' : `${match === 'prefix' ? 'starting with' : 'containing'} `}${JSON.stringify(expected)} (by ${options.by ?? 'origin'}), found:\n${paths.map((p) => `  ${JSON.stringify(p)}`).join('\n')}`,
    tree,
  );
};

/** Asserts that no segment or subsegment (linked traces included) has an error, fault or throttle. */
export const assertNoTraceErrors = (tree: TraceTree): void => {
  const bad = allTrees(tree).flatMap((t) => t.nodes.filter((n) => n.error || n.fault || n.throttle));
  if (bad.length === 0) return;
  const list = bad.map(
    (n) =>
      `  ${n.name} (${n.id}): ${[n.fault ? 'fault' : '', n.error ? 'error' : '', n.throttle ? 'throttle' : ''].filter(Boolean).join(', ')}`,
  );
  throw new TraceAssertionError(
    `Expected no errors, faults or throttles; ${bad.length} found:\n${list.join('\n')}`,
    tree,
  );
};

export interface DurationSla {
  /** Maximum duration of the whole trace (this tree, not linked ones), in ms. */
  readonly totalMs?: number;
  /** Maximum duration of any single segment (linked traces included), in ms. */
  readonly segmentMs?: number;
}

const checkMs = (value: number | undefined, option: string): void => {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new InvalidInputError(`${option} must be a finite number of ms >= 0, got ${value}`, option);
  }
};

/** Asserts total and per-segment durations are within an SLA. */
export const assertTraceDuration = (tree: TraceTree, sla: DurationSla): void => {
  checkMs(sla.totalMs, 'totalMs');
  checkMs(sla.segmentMs, 'segmentMs');
  const problems: string[] = [];
  if (sla.totalMs !== undefined && tree.duration * 1000 > sla.totalMs) {
    problems.push(`  trace took ${Math.round(tree.duration * 1000)}ms, over ${sla.totalMs}ms`);
  }
  if (sla.segmentMs !== undefined) {
    const limit = sla.segmentMs;
    for (const t of allTrees(tree)) {
      for (const s of t.segments) {
        if (s.duration !== undefined && s.duration * 1000 > limit) {
          problems.push(`  ${s.name} (${s.id}) took ${Math.round(s.duration * 1000)}ms, over ${limit}ms`);
        }
      }
    }
  }
  if (problems.length === 0) return;
  throw new TraceAssertionError(`Trace over its SLA:\n${problems.join('\n')}`, tree);
};

/** Asserts the set of services (segment origins by default, or names) is exactly `expected`. */
export const assertTraceServices = (
  tree: TraceTree,
  expected: readonly string[],
  options: MatchByOptions = {},
): void => {
  const by = checkBy(options);
  const actual = new Set(allTrees(tree).flatMap((t) => t.segments.map((s) => key(s, by))));
  const want = new Set(expected);
  const extra = [...actual].filter((s) => !want.has(s));
  const absent = [...want].filter((s) => !actual.has(s));
  if (extra.length === 0 && absent.length === 0) return;
  throw new TraceAssertionError(
    `Expected exactly the services ${JSON.stringify([...want])} (by ${by}); ${[
      absent.length > 0 ? `missing ${JSON.stringify(absent)}` : '',
      extra.length > 0 ? `unexpected ${JSON.stringify(extra)}` : '',
    ]
      .filter(Boolean)
      .join(', ')}`,
    tree,
  );
};
