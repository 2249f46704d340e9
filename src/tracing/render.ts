import type { TraceNode, TraceTree } from './tree.js';

export interface RenderOptions {
  /** Width of the timing bar, in characters. Default 30. */
  readonly barWidth?: number;
  /** Lines per trace before the rest is summarised as "… N more". Default 200. */
  readonly maxLines?: number;
  /** Show subsegments, not just segments. Default true. */
  readonly subsegments?: boolean;
}

const ms = (seconds: number): string => {
  const v = seconds * 1000;
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}ms`;
};

const marks = (node: TraceNode): string => {
  const out: string[] = [];
  if (node.fault) out.push('FAULT');
  if (node.error) out.push('ERROR');
  if (node.throttle) out.push('THROTTLE');
  if (node.inProgress) out.push('in progress');
  const status = node.document.http?.response?.status;
  if (status !== undefined) out.unshift(`HTTP ${status}`);
  return out.length > 0
    ? `  ${out.map((m) => (m === 'FAULT' || m === 'ERROR' || m === 'THROTTLE' ? `✗ ${m}` : m)).join(' ')}`
    : '';
};

const label = (node: TraceNode): string => {
  if (node.kind === 'segment') return node.origin ? `${node.name} (${node.origin})` : node.name;
  return node.namespace ? `${node.name} [${node.namespace}]` : `${node.name} [subsegment]`;
};

const renderOne = (
  tree: TraceTree,
  options: Required<RenderOptions>,
  indent: string,
  out: string[],
): void => {
  const { barWidth, maxLines } = options;
  const state = tree.complete
    ? 'complete'
    : [
        'INCOMPLETE',
        tree.missing.length > 0 ? `missing parents: ${tree.missing.join(', ')}` : '',
        tree.inProgress.length > 0 ? `${tree.inProgress.length} in progress` : '',
        tree.segments.length === 0 ? 'no segments' : '',
        tree.missingLinkedTraces.length > 0
          ? `linked traces not found: ${tree.missingLinkedTraces.join(', ')}`
          : '',
      ]
        .filter((s) => s !== '')
        .join('; ');
  out.push(
    `${indent}Trace ${tree.traceId}  ${ms(tree.duration)}  ${tree.segments.length} segments, ${tree.nodes.length - tree.segments.length} subsegments  ${state}`,
  );
  const total = tree.duration > 0 ? tree.duration : 1;
  const starts = [...tree.roots, ...tree.orphans];
  const stack: { node: TraceNode; depth: number }[] = [];
  for (let i = starts.length - 1; i >= 0; i--) stack.push({ node: starts[i] as TraceNode, depth: 0 });
  let lines = 0;
  let skipped = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: TraceNode; depth: number };
    const children = options.subsegments ? node.children : node.childSegments;
    for (let i = children.length - 1; i >= 0; i--)
      stack.push({ node: children[i] as TraceNode, depth: depth + 1 });
    if (lines >= maxLines) {
      skipped++;
      continue;
    }
    lines++;
    const offset = node.startTime - tree.startTime;
    const from = Math.min(barWidth - 1, Math.max(0, Math.floor((offset / total) * barWidth)));
    const width = Math.max(1, Math.round(((node.duration ?? tree.duration - offset) / total) * barWidth));
    const to = Math.min(barWidth, from + width);
    const bar = `${' '.repeat(from)}${(node.inProgress ? '░' : '█').repeat(to - from)}${' '.repeat(barWidth - to)}`;
    const orphan =
      node.parent === undefined && node.parentId !== undefined ? `  (parent ${node.parentId} missing)` : '';
    out.push(
      `${indent}  ${`+${ms(offset)}`.padStart(8)} ${(node.duration === undefined ? '…' : ms(node.duration)).padStart(7)} |${bar}| ${'  '.repeat(depth)}${label(node)}${marks(node)}${orphan}`,
    );
  }
  if (skipped > 0) out.push(`${indent}  … ${skipped} more`);
  for (const linked of tree.linked) {
    out.push(`${indent}  ↳ linked:`);
    renderOne(linked, options, `${indent}    `, out);
  }
  if (tree.depthExceeded) out.push(`${indent}  ↳ more linked traces beyond maxDepth (not fetched)`);
};

/**
 * Renders a trace tree as an indented waterfall: offset from the trace start, duration, a
 * timing bar, then the name and origin (segments) or namespace (subsegments), indented by depth,
 * with faults, errors, throttles and HTTP statuses marked. Linked traces follow, indented.
 *
 * @example
 * Trace 1-5759e988-bd862e3fe1be46a994272793  1234ms  2 segments, 1 subsegments  complete
 *        +0ms  1234ms |██████████████████████████████| orders (AWS::StepFunctions::StateMachine)
 *       +10ms   800ms |  ███████████████████         |   Invoke [aws]
 *       +12ms   790ms |  ███████████████████         |     charge (AWS::Lambda)  HTTP 500 ✗ FAULT
 */
export const renderTraceTree = (tree: TraceTree, options: RenderOptions = {}): string => {
  const out: string[] = [];
  renderOne(
    tree,
    {
      barWidth: options.barWidth ?? 30,
      maxLines: options.maxLines ?? 200,
      subsegments: options.subsegments ?? true,
    },
    '',
    out,
  );
  return out.join('\n');
};
