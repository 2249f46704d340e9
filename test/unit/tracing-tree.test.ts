import { describe, expect, it } from 'vitest';
import { allTrees, buildTraceTree, type XRaySegmentDocument } from '../../src/tracing/tree.js';
import { makeSyntheticTrace } from '../support/synthetic-trace.js';

const T = '1-5f000000-aaaaaaaaaaaaaaaaaaaaaaaa';
const seg = (id: string, extra: Partial<XRaySegmentDocument> = {}): XRaySegmentDocument => ({
  id: id.padEnd(16, '0'),
  trace_id: T,
  name: id,
  start_time: 100,
  end_time: 101,
  ...extra,
});
const sid = (id: string): string => id.padEnd(16, '0');

describe('buildTraceTree', () => {
  it('links a segment to a subsegment of another segment and keeps subsegments as subsegments', () => {
    const root = seg('a1', {
      origin: 'AWS::StepFunctions::StateMachine',
      subsegments: [
        {
          id: sid('b1'),
          name: 'Invoke',
          namespace: 'aws',
          start_time: 100.1,
          end_time: 100.9,
          subsegments: [{ id: sid('b2'), name: 'inner', start_time: 100.2, end_time: 100.3 }],
        },
      ],
    });
    const child = seg('c1', {
      origin: 'AWS::Lambda',
      parent_id: sid('b1'),
      start_time: 100.15,
      end_time: 100.8,
    });
    const tree = buildTraceTree(T, [JSON.stringify(child), { Id: root.id, Document: JSON.stringify(root) }]);
    expect(tree.complete).toBe(true);
    expect(tree.missing).toEqual([]);
    expect(tree.roots.map((r) => r.name)).toEqual(['a1']);
    expect(tree.segments.map((s) => s.name)).toEqual(['a1', 'c1']);
    expect(tree.nodes).toHaveLength(4);
    const invoke = tree.node(sid('b1'));
    expect(invoke?.kind).toBe('subsegment');
    expect(invoke?.namespace).toBe('aws');
    expect(invoke?.segment.name).toBe('a1');
    expect(invoke?.children.map((c) => c.name)).toEqual(['c1', 'inner']);
    const c1 = tree.node(sid('c1'));
    expect(c1?.parent?.name).toBe('Invoke');
    expect(tree.roots[0]?.childSegments.map((s) => s.name)).toEqual(['c1']);
    expect(tree.paths.map((p) => p.map((n) => n.origin))).toEqual([
      ['AWS::StepFunctions::StateMachine', 'AWS::Lambda'],
    ]);
    expect(tree.duration).toBeCloseTo(1);
    expect(c1?.duration).toBeCloseTo(0.65);
  });

  it('makes a tree with a missing parent incomplete, with orphans, not an exception', () => {
    const tree = buildTraceTree(T, [seg('a1'), seg('c1', { parent_id: sid('ff') })]);
    expect(tree.complete).toBe(false);
    expect(tree.missing).toEqual([sid('ff')]);
    expect(tree.orphans.map((o) => o.name)).toEqual(['c1']);
    expect(tree.paths.map((p) => p.map((n) => n.name))).toEqual([['a1'], ['c1']]);
  });

  it('handles several roots, in-progress segments, duplicates and clock skew', () => {
    const tree = buildTraceTree(T, [
      seg('a1', { start_time: 200, end_time: 201 }),
      seg('a2', { start_time: 100, in_progress: true, end_time: undefined as unknown as number }),
      seg('a2', { start_time: 100, end_time: 102 }),
      seg('a2', { start_time: 100, in_progress: true }),
      // child starts before its parent (clock skew between hosts)
      seg('c1', { parent_id: sid('a1'), start_time: 199.5, end_time: 200.5 }),
      seg('c2', { parent_id: sid('a1'), start_time: 200.1, end_time: 200.2, in_progress: true }),
    ]);
    expect(tree.roots.map((r) => r.name)).toEqual(['a2', 'a1']);
    expect(tree.node(sid('a2'))?.inProgress).toBe(false);
    expect(tree.node(sid('a1'))?.children.map((c) => c.name)).toEqual(['c1', 'c2']);
    expect(tree.inProgress.map((n) => n.name)).toEqual(['c2']);
    expect(tree.complete).toBe(false);
    expect(tree.node(sid('c2'))?.duration).toBeUndefined();
    expect(tree.startTime).toBe(100);
    expect(tree.duration).toBe(101);
    expect(tree.paths).toHaveLength(3);
  });

  it('resolves independent subsegments (type subsegment), even nested and out of order', () => {
    const tree = buildTraceTree(T, [
      {
        id: sid('d2'),
        name: 'nested',
        type: 'subsegment',
        trace_id: T,
        parent_id: sid('d1'),
        start_time: 100.3,
        end_time: 100.4,
        subsegments: [{ id: sid('d3'), name: 'deep', start_time: 100.31, end_time: 100.32 }],
      },
      {
        id: sid('d1'),
        name: 'sub',
        type: 'subsegment',
        trace_id: T,
        parent_id: sid('a1'),
        start_time: 100.2,
        end_time: 100.5,
      },
      seg('a1'),
      seg('c1', { parent_id: sid('d3') }),
      {
        id: sid('e1'),
        name: 'lost',
        type: 'subsegment',
        trace_id: T,
        parent_id: sid('ee'),
        start_time: 1,
        end_time: 2,
      },
      {
        id: sid('f1'),
        name: 'loop',
        type: 'subsegment',
        trace_id: T,
        parent_id: sid('f2'),
        start_time: 1,
        end_time: 2,
      },
      {
        id: sid('f2'),
        name: 'loop2',
        type: 'subsegment',
        trace_id: T,
        parent_id: sid('f1'),
        start_time: 1,
        end_time: 2,
      },
    ]);
    expect(tree.node(sid('d3'))?.segment.name).toBe('a1');
    expect(tree.node(sid('d2'))?.segment.name).toBe('a1');
    expect(tree.segments.map((s) => s.name)).toEqual(['a1', 'c1']);
    expect(tree.roots[0]?.childSegments.map((s) => s.name)).toEqual(['c1']);
    expect(tree.node(sid('e1'))?.segment.name).toBe('lost');
    expect(tree.missing).toEqual([sid('ee')]);
    expect(tree.node(sid('f1'))?.kind).toBe('subsegment');
  });

  it('collects linked trace ids, skips empty documents, treats a self-parent as missing', () => {
    const other = '1-5f000000-bbbbbbbbbbbbbbbbbbbbbbbb';
    const tree = buildTraceTree(T, [
      seg('a1', {
        links: [{ trace_id: other, id: sid('99') }, { trace_id: T }],
        subsegments: [
          { id: sid('b1'), name: 's', start_time: 100, end_time: 100.1, links: [{ trace_id: other }] },
        ],
      }),
      seg('a2', { parent_id: sid('a2') }),
      { Id: 'x', Document: undefined },
    ]);
    expect(tree.linkedTraceIds).toEqual([other]);
    expect(tree.missing).toEqual([sid('a2')]);
    expect(allTrees(tree)).toEqual([tree]);
  });

  it('builds an empty tree for no documents', () => {
    const tree = buildTraceTree(T, []);
    expect(tree.complete).toBe(false);
    expect(tree.duration).toBe(0);
    expect(tree.paths).toEqual([]);
  });

  it('orders children and segments by start time, stably, whatever their number and order', () => {
    // Deterministic pseudo-random start times with many ties; the built-in stable sort is the reference.
    let state = 11;
    const next = (): number => {
      state = (state * 48271) % 2147483647;
      return state;
    };
    const byStartTime = (a: { start_time: number }, b: { start_time: number }): number =>
      a.start_time - b.start_time;
    for (const count of [3, 10, 30, 60, 200]) {
      const subsegments = Array.from({ length: count }, (_, i) => ({
        id: sid(`b${i}x`),
        name: `s${i}`,
        start_time: 100 + (next() % 7) / 10,
        end_time: 101,
      }));
      const segments = Array.from({ length: count }, (_, i) =>
        seg(`c${i}x`, { parent_id: sid('a1'), start_time: 100 + (next() % 5) / 10 }),
      );
      const tree = buildTraceTree(T, [seg('a1', { start_time: 99, subsegments }), ...segments]);
      const names = (list: readonly { name: string }[]): string[] => list.map((x) => x.name);
      expect(names(tree.node(sid('a1'))?.children ?? [])).toEqual([
        ...names([...subsegments, ...segments].sort(byStartTime)),
      ]);
      expect(names(tree.segments)).toEqual(['a1', ...names([...segments].sort(byStartTime))]);
      expect(names(tree.roots[0]?.childSegments ?? [])).toEqual(names([...segments].sort(byStartTime)));
    }
  });

  it('orders malformed (non-numeric) start times as a plain comparison sort would', () => {
    const docs = [
      seg('a1', { start_time: 103 }),
      seg('a2', { start_time: '101' as unknown as number }),
      seg('a3', { start_time: 102 }),
      seg('a4', { start_time: Number.NaN }),
      seg('a5', { start_time: 100 }),
    ];
    const tree = buildTraceTree(T, docs);
    const reference = [...docs].sort((a, b) => a.start_time - b.start_time).map((d) => d.name);
    expect(tree.segments.map((s) => s.name)).toEqual(reference);
  });

  it('computes paths once, on first access', () => {
    const tree = buildTraceTree(T, [
      seg('a1'),
      seg('c1', { parent_id: sid('a1') }),
      seg('c2', { parent_id: sid('a1') }),
    ]);
    const paths = tree.paths;
    expect(paths.map((p) => p.map((n) => n.name))).toEqual([
      ['a1', 'c1'],
      ['a1', 'c2'],
    ]);
    expect(tree.paths).toBe(paths);
    expect({ ...tree }.paths).toBe(paths);
  });

  it('looks up a repeated id as the last node with it, in document order', () => {
    const embedding = seg('a1', {
      subsegments: [{ id: sid('a2'), name: 'copy', start_time: 100, end_time: 100.5 }],
    });
    const later = buildTraceTree(T, [embedding, seg('a2', { name: 'own' })]);
    expect(later.node(sid('a2'))?.name).toBe('own');
    expect(later.node(sid('a2'))?.kind).toBe('segment');
    const earlier = buildTraceTree(T, [seg('a2', { name: 'own' }), embedding]);
    expect(earlier.node(sid('a2'))?.name).toBe('copy');
    expect(earlier.node(sid('a2'))?.kind).toBe('subsegment');
    expect(earlier.nodes.map((n) => n.name)).toEqual(['own', 'a1', 'copy']);
  });

  it('keeps empty subsegment lists as leaves', () => {
    const tree = buildTraceTree(T, [seg('a1', { subsegments: [] })]);
    expect(tree.nodes).toHaveLength(1);
    expect(tree.roots[0]?.children).toEqual([]);
  });

  it('builds a 10,000-segment trace: every node once, children in time order', () => {
    // Speed (and its growth with size) is measured in bench/ (rows "trace tree"), not here.
    const big = makeSyntheticTrace(10_000);
    const tree = buildTraceTree(big.traceId, big.documents);
    expect(tree.complete).toBe(true);
    expect(tree.segments).toHaveLength(10_000);
    expect(tree.nodes).toHaveLength(10_000 + big.subsegmentCount);
    expect(new Set(tree.nodes.map((n) => n.id)).size).toBe(tree.nodes.length);
    expect(tree.roots).toHaveLength(1);
    expect(tree.paths.length).toBeGreaterThan(6_000);
    for (const node of tree.nodes) {
      const starts = node.children.map((c) => c.startTime);
      expect(starts).toEqual([...starts].sort((x, y) => x - y));
    }
  });

  it('rejects bad synthetic sizes', () => {
    expect(() => makeSyntheticTrace(0)).toThrow(RangeError);
  });
});
