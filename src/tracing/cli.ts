import { InvalidInputError } from '../errors.js';
import { getTraceTree, type XRayLike } from './fetch.js';
import { renderTraceTree } from './render.js';

export interface TraceCommandIo {
  /** An XRayClient (or anything that sends BatchGetTraces). */
  readonly xray: XRayLike;
  /** Where the waterfall goes (e.g. `(s) => process.stdout.write(s)`). */
  readonly stdout: (text: string) => void;
  readonly signal?: AbortSignal;
}

const USAGE =
  'Usage: eventprobe trace <tracing header | trace id> [--linked] [--max-depth N] [--segments-only]';

/**
 * `eventprobe trace <header>`: fetches the trace and prints its waterfall. Returns the exit code:
 * 0 when the trace is complete, 1 when it is incomplete (printed anyway). Throws
 * InvalidInputError for bad arguments and TraceNotFoundError when X-Ray has no such trace.
 */
export const runTraceCommand = async (args: readonly string[], io: TraceCommandIo): Promise<number> => {
  let header: string | undefined;
  let linked = false;
  let maxDepth: number | undefined;
  let segmentsOnly = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--linked') linked = true;
    else if (arg === '--segments-only') segmentsOnly = true;
    else if (arg === '--max-depth') {
      maxDepth = Number(args[++i]);
      linked = true;
    } else if (arg.startsWith('--')) throw new InvalidInputError(`Unknown option ${arg}. ${USAGE}`, arg);
    else if (header === undefined) header = arg;
    else throw new InvalidInputError(`Unexpected argument "${arg}". ${USAGE}`, 'header');
  }
  if (header === undefined) throw new InvalidInputError(`Missing the tracing header. ${USAGE}`, 'header');
  const tree = await getTraceTree(io.xray, header, {
    fetchLinkedTraces: linked,
    ...(maxDepth !== undefined ? { maxDepth } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  io.stdout(`${renderTraceTree(tree, { subsegments: !segmentsOnly })}\n`);
  return tree.complete ? 0 : 1;
};
