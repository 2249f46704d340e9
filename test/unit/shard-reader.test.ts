import { describe, expect, it } from 'vitest';
import { ShardGraph, type ShardInfo } from '../../src/listeners/shards/graph.js';
import {
  type RecordsPage,
  type ShardPosition,
  ShardReader,
  type ShardReaderOptions,
  type ShardSource,
} from '../../src/listeners/shards/reader.js';

const POLL = 1_000;
const shard = (shardId: string, parents: string[] = [], closed = false): ShardInfo => ({
  shardId,
  parents,
  closed,
});
const awsError = (name: string, status = 400) =>
  Object.assign(new Error(`${name}!`), { name, $metadata: { httpStatusCode: status } });

describe('ShardGraph', () => {
  it('from the tip starts the open shards only', () => {
    const graph = new ShardGraph();
    expect(graph.start([shard('a', [], true), shard('b', ['a']), shard('c', ['a'])], true)).toEqual([
      'b',
      'c',
    ]);
    expect(graph.has('a')).toBe(false);
  });

  it('from the past starts the roots; children wait for every parent (split, then merge)', () => {
    const graph = new ShardGraph();
    const start = graph.start(
      [shard('a', [], true), shard('b', ['a'], true), shard('c', ['a'], true), shard('d', ['b', 'c'])],
      false,
    );
    expect(start).toEqual(['a']);
    graph.reading('a');
    expect(graph.takeReady()).toEqual([]);
    graph.drained('a');
    expect(graph.takeReady()).toEqual(['b', 'c']);
    expect(graph.takeReady()).toEqual([]);
    graph.drained('b');
    expect(graph.takeReady()).toEqual([]);
    graph.drained('c');
    expect(graph.takeReady()).toEqual(['d']);
  });

  it('a root whose parent expired from the stream starts at once; children can be added later', () => {
    const graph = new ShardGraph();
    expect(graph.start([shard('b', ['gone'], true)], false)).toEqual(['b']);
    graph.drained('b');
    graph.addChildren([{ shardId: 'c', parents: ['b'] }]);
    graph.addChildren([{ shardId: 'c', parents: ['b'] }]);
    expect(graph.takeReady()).toEqual(['c']);
  });
});

/** A scripted stream: per shard, the pages GetRecords returns in turn (then: open and empty, or closed). */
class FakeStream implements ShardSource<string> {
  readonly calls: string[] = [];
  readonly iterators: [string, ShardPosition][] = [];
  shards: ShardInfo[] = [];
  readonly pages = new Map<string, (RecordsPage<string> | Error)[]>();
  readonly iteratorErrors = new Map<string, Error[]>();
  listError: Error | undefined;

  async listShards(): Promise<ShardInfo[]> {
    this.calls.push('ListShards');
    if (this.listError) throw this.listError;
    return this.shards;
  }
  async getIterator(shardId: string, position: ShardPosition): Promise<string> {
    this.calls.push(`GetShardIterator ${shardId}`);
    const error = this.iteratorErrors.get(shardId)?.shift();
    if (error) throw error;
    this.iterators.push([shardId, position]);
    return `${shardId}#0`;
  }
  async getRecords(iterator: string): Promise<RecordsPage<string>> {
    const [shardId, n] = iterator.split('#') as [string, string];
    this.calls.push(`GetRecords ${shardId}`);
    const next = this.pages.get(shardId)?.shift();
    if (next instanceof Error) throw next;
    return next ?? { records: [], next: `${shardId}#${Number(n) + 1}`, behind: false };
  }
  sequenceNumber(record: string): string {
    return record.split(':')[1] as string;
  }
}

const closedPage = (
  records: string[],
  children?: { shardId: string; parents: string[] }[],
): RecordsPage<string> => ({
  records,
  next: undefined,
  behind: false,
  ...(children ? { children } : {}),
});

/** Runs a reader until every shard is idle (poll pauses block until halt; backoff pauses pass at once). */
const run = async (stream: FakeStream, overrides: Partial<ShardReaderOptions<string>> = {}) => {
  const records: string[] = [];
  const errors: string[] = [];
  const pauses: number[] = [];
  let idle = 0;
  const reader = new ShardReader<string>({
    source: stream,
    from: 'trim-horizon',
    startedAt: new Date(0),
    pollInterval: POLL,
    minPause: 200,
    backoff: { attempts: 3, baseDelayMs: 100, maxDelayMs: 400, random: () => 0.5 },
    onRecords: (shardId, batch) => records.push(...batch.map((r) => `${shardId}/${r}`)),
    onError: (shardId, what, error) =>
      errors.push(`${shardId} ${what}: ${(error as Error).message ?? error}`),
    sleep: (ms, signal) => {
      pauses.push(ms);
      if (ms !== POLL) return signal.aborted ? Promise.reject(signal.reason) : Promise.resolve();
      idle++;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    },
    ...overrides,
  });
  await reader.start(await stream.listShards(), undefined);
  // Let the loops run until they block (the fake calls settle within a few microtask turns each).
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  return { reader, records, errors, pauses, idle: () => idle };
};

describe('ShardReader (fake stream, fake sleep)', () => {
  it('reads parents before children across a split and a merge, in order', async () => {
    const stream = new FakeStream();
    stream.shards = [
      shard('a', [], true),
      shard('b', ['a'], true),
      shard('c', ['a'], true),
      shard('d', ['b', 'c']),
    ];
    stream.pages.set('a', [{ records: ['x:1'], next: 'a#1', behind: true }, closedPage(['y:2'], [])]);
    stream.pages.set('b', [closedPage(['z:3'], [{ shardId: 'd', parents: ['b', 'c'] }])]);
    stream.pages.set('c', [closedPage(['w:4'], [{ shardId: 'd', parents: ['b', 'c'] }])]);
    stream.pages.set('d', [{ records: ['v:5'], next: 'd#1', behind: false }]);
    const { reader, records, idle, pauses } = await run(stream);
    expect(records).toEqual(['a/x:1', 'a/y:2', 'b/z:3', 'c/w:4', 'd/v:5']);
    expect(stream.iterators.map(([id, p]) => `${id} ${p.type}`)).toEqual([
      'a TRIM_HORIZON',
      'b TRIM_HORIZON',
      'c TRIM_HORIZON',
      'd TRIM_HORIZON',
    ]);
    // "behind" reads again at once; only the open shard pauses, once.
    expect(pauses).toEqual([POLL]);
    expect(idle()).toBe(1);
    expect(reader.stats).toEqual({ getRecordsCalls: 5, throttled: 0 });
    await reader.halt();
  });

  it('without children on the last page (DynamoDB Streams) lists the shards again to find them', async () => {
    const stream = new FakeStream();
    stream.shards = [shard('a', [], true)];
    stream.pages.set('a', [closedPage(['x:1'])]);
    const started = run(stream);
    stream.shards = [shard('a', [], true), shard('b', ['a']), shard('other', ['zzz'])];
    const { reader, records } = await started;
    expect(stream.calls.filter((c) => c === 'ListShards')).toHaveLength(2);
    expect(stream.iterators.map(([id]) => id)).toEqual(['a', 'b']);
    expect(records).toEqual(['a/x:1']);
    stream.listError = awsError('AccessDeniedException');
    await reader.halt();
  });

  it('reports a failed re-listing and goes on', async () => {
    const stream = new FakeStream();
    stream.shards = [shard('a', [], true)];
    stream.pages.set('a', [closedPage([])]);
    stream.listError = undefined;
    const reader = new ShardReader<string>({
      source: {
        ...stream,
        listShards: async () => Promise.reject(awsError('AccessDeniedException')),
        getIterator: stream.getIterator.bind(stream),
        getRecords: stream.getRecords.bind(stream),
        sequenceNumber: stream.sequenceNumber,
      },
      from: 'latest',
      startedAt: new Date(0),
      pollInterval: POLL,
      minPause: 200,
      backoff: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onRecords: () => undefined,
      onError: (shardId, what, error) => errors.push(`${shardId} ${what}: ${(error as Error).name}`),
    });
    const errors: string[] = [];
    await reader.start([shard('a')], undefined);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual(['a listing child shards: AccessDeniedException']);
    await reader.halt();
  });

  it('renews an expired iterator after the last record read (or at the start time from the tip)', async () => {
    const stream = new FakeStream();
    stream.shards = [shard('a'), shard('b')];
    stream.pages.set('a', [
      { records: ['x:7'], next: 'a#1', behind: true },
      awsError('ExpiredIteratorException'),
    ]);
    stream.pages.set('b', [awsError('ExpiredIteratorException')]);
    const { reader, records } = await run(stream, { from: 'latest', startedAt: new Date(42) });
    expect(records).toEqual(['a/x:7']);
    expect(stream.iterators.map(([id, p]) => [id, p])).toEqual([
      ['a', { type: 'LATEST' }],
      ['b', { type: 'LATEST' }],
      ['b', { type: 'AT_TIMESTAMP', timestamp: new Date(42) }],
      ['a', { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '7' }],
    ]);
    await reader.halt();
  });

  it('backs off on throttling (counted, not reported) and reports other errors; a gone shard ends', async () => {
    const stream = new FakeStream();
    stream.shards = [shard('a'), shard('b', [], true)];
    stream.pages.set('a', [
      awsError('ProvisionedThroughputExceededException'),
      awsError('InternalFailure', 500),
    ]);
    stream.pages.set('b', [awsError('AccessDeniedException'), awsError('ResourceNotFoundException')]);
    const { reader, errors, pauses } = await run(stream);
    expect(errors).toEqual([
      'b GetRecords: AccessDeniedException!',
      'b GetRecords: ResourceNotFoundException!',
    ]);
    expect(reader.stats.throttled).toBe(2);
    // minPause + full jitter (random 0.5) of base * 2^failures: failure 1 → 200 + 100, failure 2 → 200 + 200.
    expect(pauses.filter((p) => p !== POLL).sort()).toEqual([300, 300, 400]);
    await reader.halt();
  });

  it('retries GetShardIterator on throttling, and gives a child up when its iterator keeps failing', async () => {
    const stream = new FakeStream();
    stream.shards = [shard('a', [], true), shard('b', ['a'])];
    stream.iteratorErrors.set('a', [awsError('ThrottlingException')]);
    stream.pages.set('a', [closedPage([], [{ shardId: 'b', parents: ['a'] }])]);
    stream.iteratorErrors.set('b', [
      awsError('AccessDeniedException'),
      awsError('ResourceNotFoundException'),
    ]);
    const { reader, errors } = await run(stream);
    expect(reader.stats.throttled).toBe(1);
    expect(errors).toEqual([
      'b GetShardIterator: AccessDeniedException!',
      'b GetShardIterator: ResourceNotFoundException!',
    ]);
    expect(stream.calls.filter((c) => c.startsWith('GetRecords'))).toEqual(['GetRecords a']);
    await reader.halt();
  });

  it('start throws what GetShardIterator threw; halt stops every loop and cancels pauses', async () => {
    const stream = new FakeStream();
    stream.iteratorErrors.set('a', [awsError('AccessDeniedException')]);
    const reader = new ShardReader<string>({
      source: stream,
      from: new Date(5),
      startedAt: new Date(0),
      pollInterval: POLL,
      minPause: 200,
      backoff: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      onRecords: () => undefined,
      onError: () => undefined,
    });
    await expect(reader.start([shard('a')], undefined)).rejects.toThrow('AccessDeniedException!');
    stream.shards = [shard('a')];
    const { reader: running, idle } = await run(stream);
    expect(idle()).toBe(1);
    const calls = running.stats.getRecordsCalls;
    await running.halt();
    await running.halt();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(running.stats.getRecordsCalls).toBe(calls);
  });

  it('children of a shard read from a time start at that time', async () => {
    const stream = new FakeStream();
    stream.shards = [shard('a', [], true), shard('b', ['a'])];
    stream.pages.set('a', [closedPage([], [{ shardId: 'b', parents: ['a'] }])]);
    const { reader } = await run(stream, { from: new Date(9) });
    expect(stream.iterators.map(([id, p]) => [id, p])).toEqual([
      ['a', { type: 'AT_TIMESTAMP', timestamp: new Date(9) }],
      ['b', { type: 'AT_TIMESTAMP', timestamp: new Date(9) }],
    ]);
    await reader.halt();
  });
});
