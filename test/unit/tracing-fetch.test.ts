import type { BatchGetTracesCommand } from '@aws-sdk/client-xray';
import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  TimeoutError,
  TraceIncompleteError,
  TraceNotFoundError,
} from '../../src/errors.js';
import {
  fetchTraceSegments,
  getTraceTree,
  retryGetTraceTreeUntil,
  TraceAssertionTimeoutError,
  type XRayLike,
} from '../../src/tracing/fetch.js';
import type { XRaySegmentDocument } from '../../src/tracing/tree.js';

const tid = (n: number): string => `1-5f000000-${n.toString(16).padStart(24, '0')}`;
const sid = (id: string): string => id.padEnd(16, '0');
const doc = (traceId: string, id: string, extra: Partial<XRaySegmentDocument> = {}): XRaySegmentDocument => ({
  id: sid(id),
  trace_id: traceId,
  name: id,
  start_time: 1,
  end_time: 2,
  ...extra,
});

/** A fake X-Ray: traces by id; `hidden` ids are reported unprocessed `hiddenTimes` times. */
const fakeXRay = (
  traces: Map<string, XRaySegmentDocument[]>,
  options: { hidden?: Map<string, number>; pageSize?: number; delayMs?: number } = {},
) => {
  const calls: { ids: string[]; token?: string | undefined }[] = [];
  const client: XRayLike = {
    send: async (command: BatchGetTracesCommand, opts?: { abortSignal?: AbortSignal }) => {
      const input = command.input;
      const ids = input.TraceIds ?? [];
      calls.push({ ids, token: input.NextToken });
      if (ids.length > 5) throw new Error('too many ids');
      if (options.delayMs) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, options.delayMs);
          opts?.abortSignal?.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(opts.abortSignal?.reason);
          });
        });
      }
      const Traces = [];
      const UnprocessedTraceIds: string[] = [];
      const page = Number(input.NextToken ?? 0);
      let more = false;
      for (const id of ids) {
        const left = options.hidden?.get(id) ?? 0;
        if (left > 0) {
          options.hidden?.set(id, left - 1);
          UnprocessedTraceIds.push(id);
          continue;
        }
        const docs = traces.get(id);
        if (!docs) continue;
        const size = options.pageSize ?? 1000;
        const slice = docs.slice(page * size, (page + 1) * size);
        if ((page + 1) * size < docs.length) more = true;
        Traces.push({ Id: id, Segments: slice.map((d) => ({ Id: d.id, Document: JSON.stringify(d) })) });
      }
      return { Traces, UnprocessedTraceIds, ...(more ? { NextToken: String(page + 1) } : {}) };
    },
  };
  return { client, calls };
};

describe('fetchTraceSegments', () => {
  it('chunks ids by 5, follows pages and retries unprocessed ids with backoff', async () => {
    const traces = new Map<string, XRaySegmentDocument[]>();
    for (let i = 1; i <= 12; i++) traces.set(tid(i), [doc(tid(i), 'a1'), doc(tid(i), 'a2')]);
    const { client, calls } = fakeXRay(traces, { hidden: new Map([[tid(3), 2]]), pageSize: 1 });
    const ids = [...traces.keys(), tid(99)];
    const found = await fetchTraceSegments(client, ids, { backoffMs: 1 });
    expect(found.size).toBe(12);
    expect(found.get(tid(1))).toHaveLength(2);
    expect(found.get(tid(3))).toHaveLength(2);
    expect(calls.every((c) => c.ids.length <= 5)).toBe(true);
    expect(calls.filter((c) => c.token !== undefined).length).toBeGreaterThan(0);
    expect(calls.filter((c) => c.ids.length === 1 && c.ids[0] === tid(3))).toHaveLength(2);
  });

  it('gives up on unprocessed ids after the retries and validates its options', async () => {
    const { client } = fakeXRay(new Map([[tid(1), [doc(tid(1), 'a1')]]]), {
      hidden: new Map([[tid(1), 10]]),
    });
    expect((await fetchTraceSegments(client, [tid(1)], { backoffMs: 0, unprocessedRetries: 1 })).size).toBe(
      0,
    );
    await expect(fetchTraceSegments(client, [tid(1)], { unprocessedRetries: -1 })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(fetchTraceSegments(client, [tid(1)], { backoffMs: 1.5 })).rejects.toThrow(/backoffMs/);
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(fetchTraceSegments(client, [tid(1)], { signal: aborted })).rejects.toThrow('stop');
  });
});

describe('getTraceTree', () => {
  it('throws TraceNotFoundError for an unknown trace and builds incomplete trees', async () => {
    const { client } = fakeXRay(new Map([[tid(1), [doc(tid(1), 'c1', { parent_id: sid('ff') })]]]));
    await expect(getTraceTree(client, tid(2))).rejects.toBeInstanceOf(TraceNotFoundError);
    const tree = await getTraceTree(client, `Root=${tid(1)};Sampled=1`);
    expect(tree.complete).toBe(false);
    expect(tree.missing).toEqual([sid('ff')]);
    await expect(getTraceTree(client, tid(1), { maxDepth: -1 })).rejects.toThrow(/maxDepth/);
  });

  it('follows linked traces to maxDepth and flags deeper ones', async () => {
    // chain 1 → 2 → 3 → 4; trace 1 also links to 5 (missing) and to 2 twice.
    const link = (n: number) => ({ trace_id: tid(n) });
    const traces = new Map<string, XRaySegmentDocument[]>([
      [tid(1), [doc(tid(1), 'a1', { links: [link(2), link(5)] }), doc(tid(1), 'a2', { links: [link(2)] })]],
      [tid(2), [doc(tid(2), 'b1', { links: [link(3), link(1)] })]],
      [tid(3), [doc(tid(3), 'c1', { links: [link(4)] })]],
      [tid(4), [doc(tid(4), 'd1')]],
    ]);
    const { client } = fakeXRay(traces);
    const plain = await getTraceTree(client, tid(1));
    expect(plain.linked).toEqual([]);
    const shallow = await getTraceTree(client, tid(1), {
      fetchLinkedTraces: true,
      maxDepth: 2,
      unprocessedRetries: 0,
    });
    expect(shallow.linked.map((t) => t.traceId)).toEqual([tid(2)]);
    expect(shallow.linked[0]?.linked.map((t) => t.traceId)).toEqual([tid(3)]);
    expect(shallow.linked[0]?.linked[0]?.linked).toEqual([]);
    expect(shallow.depthExceeded).toBe(true);
    expect(shallow.missingLinkedTraces).toEqual([tid(5)]);
    expect(shallow.complete).toBe(false);
    const deep = await getTraceTree(client, tid(1), {
      fetchLinkedTraces: true,
      maxDepth: 10,
      unprocessedRetries: 0,
    });
    expect(deep.depthExceeded).toBe(false);
    expect(deep.linked[0]?.linked[0]?.linked[0]?.traceId).toBe(tid(4));
    expect(deep.linked[0]?.complete).toBe(true);
  });
});

describe('retryGetTraceTreeUntil', () => {
  it('keeps trying while the trace is not found, then reports TraceNotFoundError as the last failure', async () => {
    const { client, calls } = fakeXRay(new Map());
    const err = (await retryGetTraceTreeUntil(client, tid(1), () => true, {
      interval: 10,
      timeout: 80,
      unprocessedRetries: 0,
    }).catch((e) => e)) as TraceAssertionTimeoutError;
    expect(err).toBeInstanceOf(TraceAssertionTimeoutError);
    expect(err.lastTree).toBeUndefined();
    expect(err.lastFailure).toBeInstanceOf(TraceNotFoundError);
    expect(err.cause).toBe(err.lastFailure);
    expect(calls.length).toBeGreaterThan(2);
  });

  it('returns once the trace is complete and the assertion passes', async () => {
    const traces = new Map<string, XRaySegmentDocument[]>();
    const base = fakeXRay(traces);
    let n = 0;
    const client: XRayLike = {
      send: async (command, opts) => {
        n++;
        if (n === 2) traces.set(tid(1), [doc(tid(1), 'c1', { parent_id: sid('a1') })]);
        if (n === 4) traces.set(tid(1), [doc(tid(1), 'c1', { parent_id: sid('a1') }), doc(tid(1), 'a1')]);
        return base.client.send(command, opts);
      },
    };
    let asserted = 0;
    const tree = await retryGetTraceTreeUntil(
      client,
      tid(1),
      () => {
        asserted++;
        if (asserted === 1) return false;
      },
      { interval: 1, timeout: 5_000, unprocessedRetries: 0 },
    );
    expect(tree.complete).toBe(true);
    expect(asserted).toBe(2);
    expect(n).toBe(5);
  });

  it('hands incomplete trees to the assertion with requireComplete: false', async () => {
    const { client } = fakeXRay(new Map([[tid(1), [doc(tid(1), 'c1', { parent_id: sid('ff') })]]]));
    const tree = await retryGetTraceTreeUntil(client, tid(1), (t) => t.missing.length === 1, {
      requireComplete: false,
      interval: 10,
      timeout: 1_000,
    });
    expect(tree.complete).toBe(false);
  });

  it('times out with the last tree and the last failure', async () => {
    const { client } = fakeXRay(new Map([[tid(1), [doc(tid(1), 'c1', { parent_id: sid('ff') })]]]));
    const err = (await retryGetTraceTreeUntil(client, tid(1), () => true, {
      interval: 10,
      timeout: 60,
    }).catch((e) => e)) as TraceAssertionTimeoutError;
    expect(err).toBeInstanceOf(TraceAssertionTimeoutError);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.timeoutMs).toBe(60);
    expect(err.traceId).toBe(tid(1));
    expect(err.lastTree?.missing).toEqual([sid('ff')]);
    expect(err.lastFailure).toBeInstanceOf(TraceIncompleteError);
    expect(err.message).toContain('parents ff00000000000000 have not arrived');

    const linked = fakeXRay(
      new Map([
        [
          tid(1),
          [doc(tid(1), 'a1', { links: [{ trace_id: tid(2) }] }), doc(tid(1), 'a2', { in_progress: true })],
        ],
      ]),
    );
    const err2 = (await retryGetTraceTreeUntil(linked.client, tid(1), () => true, {
      interval: 10,
      timeout: 50,
      fetchLinkedTraces: true,
      unprocessedRetries: 0,
    }).catch((e) => e)) as TraceAssertionTimeoutError;
    expect(err2.message).toContain('segments in progress; linked traces');

    const failing = fakeXRay(new Map([[tid(1), [doc(tid(1), 'a1')]]]));
    const err3 = (await retryGetTraceTreeUntil(
      failing.client,
      tid(1),
      () => {
        throw 'plain';
      },
      { interval: 10, timeout: 40 },
    ).catch((e) => e)) as TraceAssertionTimeoutError;
    expect(err3.lastFailure).toBe('plain');
    expect(err3.message).toContain('Last failure: plain');
    const err4 = (await retryGetTraceTreeUntil(
      failing.client,
      tid(1),
      () => {
        throw null;
      },
      { interval: 10, timeout: 30 },
    ).catch((e) => e)) as TraceAssertionTimeoutError;
    expect(err4.message).toContain('Last failure: null');
  });

  it('cancels the in-flight call at the deadline, and rethrows the caller abort reason', async () => {
    const slow = fakeXRay(new Map([[tid(1), [doc(tid(1), 'a1')]]]), { delayMs: 1_000 });
    const t0 = Date.now();
    const err = await retryGetTraceTreeUntil(slow.client, tid(1), () => true, {
      timeout: 50,
      interval: 10,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TraceAssertionTimeoutError);
    expect(Date.now() - t0).toBeLessThan(900);
    expect(err.message).toContain('the first try was still running');

    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 20);
    await expect(
      retryGetTraceTreeUntil(slow.client, tid(1), () => true, { timeout: 5_000, signal: controller.signal }),
    ).rejects.toBe(reason);

    const never = fakeXRay(new Map());
    const controller2 = new AbortController();
    setTimeout(() => controller2.abort(reason), 20);
    await expect(
      retryGetTraceTreeUntil(never.client, tid(1), () => true, {
        timeout: 5_000,
        interval: 1_000,
        signal: controller2.signal,
        unprocessedRetries: 0,
      }),
    ).rejects.toBe(reason);
    await expect(
      retryGetTraceTreeUntil(never.client, tid(1), () => true, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('validates its options', async () => {
    const { client } = fakeXRay(new Map());
    for (const [options, option] of [
      [{ timeout: 0 }, 'timeout'],
      [{ timeout: Number.POSITIVE_INFINITY }, 'timeout'],
      [{ interval: -1 }, 'interval'],
      [{ interval: '5' as unknown as number }, 'interval'],
    ] as const) {
      const err = await retryGetTraceTreeUntil(client, tid(1), () => true, options).catch((e) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).option).toBe(option);
    }
    await expect(retryGetTraceTreeUntil(client, tid(1), 'x' as unknown as () => boolean)).rejects.toThrow(
      /assertion must be a function/,
    );
    await expect(retryGetTraceTreeUntil(client, tid(1), () => true, { maxDepth: 1.5 })).rejects.toThrow(
      /maxDepth/,
    );
  });
});
