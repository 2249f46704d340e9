// Building the X-Ray trace tree of a 10,000-segment trace (goal: linear, under 50 ms).
// eventprobe: buildTraceTree over the BatchGetTraces segments (JSON documents, shuffled, 20,000
// subsegments; each segment called from a subsegment of another). Baseline ("raw"): only JSON.parse of the same
// documents, the least any consumer of BatchGetTraces does. Linearity: time(10k) / time(5k).
import { buildTraceTree } from '../../dist/tracing/tree.js';

export const title = 'X-Ray trace tree';
const TRACE_ID = '1-5f000000-00000000000000000000beef';

/** n segments; segment i > 0 hangs off an `aws` subsegment of segment (i - 1) >> 2; shuffled. */
const syntheticSegments = (n) => {
  const id = (prefix, i) => prefix + i.toString(16).padStart(15, '0');
  const segments = [];
  for (let i = 0; i < n; i++) {
    const start = 1_600_000_000 + i / 1000;
    const calls = [];
    for (let c = 4 * i + 1; c <= 4 * i + 4 && c < n; c++) {
      calls.push({
        id: id('c', c),
        name: `call-${c}`,
        namespace: 'aws',
        start_time: start,
        end_time: start + 0.4,
      });
    }
    const document = {
      id: id('a', i),
      trace_id: TRACE_ID,
      name: `service-${i % 17}`,
      origin: i % 2 ? 'AWS::Lambda' : 'AWS::Lambda::Function',
      start_time: start,
      end_time: start + 0.5,
      ...(i > 0 ? { parent_id: id('c', i) } : {}),
      subsegments: [
        ...calls,
        { id: id('d', i), name: 'db', namespace: 'remote', start_time: start, end_time: start + 0.01 },
      ],
    };
    segments.push({ Id: document.id, Document: JSON.stringify(document) });
  }
  // Deterministic shuffle: arrival order is not tree order.
  let seed = 7;
  for (let i = segments.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [segments[i], segments[j]] = [segments[j], segments[i]];
  }
  return segments;
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn, runs) => {
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
};

export const run = async () => {
  const big = syntheticSegments(10_000);
  const half = syntheticSegments(5_000);
  const build = (segments) => buildTraceTree(TRACE_ID, segments);
  const tree = build(big);
  if (!tree.complete || tree.segments.length !== 10_000) {
    throw new Error(
      `synthetic trace built wrong: complete=${tree.complete}, segments=${tree.segments.length}`,
    );
  }
  for (let w = 0; w < 3; w++) build(big); // warm up the JIT
  const ms10k = time(() => build(big), 9);
  const ms5k = time(() => build(half), 9);
  const parse10k = time(() => {
    for (const s of big) JSON.parse(s.Document);
  }, 9);
  const growth = ms10k / ms5k;
  return [
    {
      metric: 'trace tree of 10,000 segments (+20k subsegments), median of 9',
      eventprobe: ms10k,
      raw: parse10k,
      unit: 'ms',
      goal: '< 50 ms',
      pass: ms10k < 50,
      ratio: ms10k / parse10k,
      note: 'raw = JSON.parse of the documents only',
    },
    {
      metric: 'trace tree growth, 10k vs 5k segments',
      eventprobe: growth,
      raw: 2,
      unit: 'x',
      goal: 'linear (<= 2.6x)',
      pass: growth <= 2.6,
    },
  ];
};
