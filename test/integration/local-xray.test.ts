import { createSocket } from 'node:dgram';
import {
  BatchGetTracesCommand,
  GetTraceSummariesCommand,
  InvalidRequestException,
  PutTraceSegmentsCommand,
  XRayClient,
} from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  getXRayVisibility,
  setXRayVisibility,
  startXRayDaemon,
} from '../../src/local/services/xray/index.js';
import { emulatorOnly, startTestAws, type TestAws } from '../support/aws.js';

let aws: TestAws;
let xray: XRayClient;
let now = Date.UTC(2026, 0, 1, 12, 0, 0);
const tick = (ms: number): void => {
  now += ms;
};

const secs = (): number => now / 1000;
let counter = 0;
const newTrace = (): string => {
  counter++;
  return `1-${Math.floor(now / 1000).toString(16)}-${counter.toString(16).padStart(24, '0')}`;
};
const sid = (id: string): string => id.padEnd(16, '0');
const segment = (traceId: string, id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: sid(id),
    trace_id: traceId,
    name: id,
    start_time: secs(),
    end_time: secs() + 0.5,
    ...extra,
  });

beforeAll(async () => {
  aws = await startTestAws({ clock: () => now });
  xray = new XRayClient(aws.clientConfig);
});
afterAll(async () => {
  xray.destroy();
  await aws.close();
});

describe('PutTraceSegments', () => {
  it('stores valid documents and reports invalid ones in UnprocessedTraceSegments', async () => {
    const t = newTrace();
    const out = await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [
          segment(t, 'a1'),
          JSON.stringify([
            JSON.parse(segment(t, 'a2', { parent_id: sid('a1') })),
            {
              id: sid('a3'),
              trace_id: t,
              name: 'sub',
              type: 'subsegment',
              parent_id: sid('a2'),
              start_time: secs(),
              in_progress: true,
            },
          ]),
          '{not json',
          segment(t, 'a4', { id: 'short' }),
          segment(t, 'a5', { trace_id: '1-abc' }),
          segment(t, 'a6', { name: '' }),
          segment(t, 'a7', { start_time: 'noon' }),
          segment(t, 'a8', { end_time: undefined }),
          segment(t, 'a9', { parent_id: 'xyz' }),
          segment(t, 'b1', { type: 'subsegment' }),
          '[1]',
          'x'.repeat(70_000),
        ],
      }),
    );
    expect(out.UnprocessedTraceSegments?.map((u) => u.ErrorCode)).toEqual([
      'ParseError',
      'InvalidSegmentId',
      'InvalidTraceId',
      'InvalidName',
      'MissingStartTime',
      'MissingEndTime',
      'InvalidParentId',
      'MissingParentId',
      'InvalidSegment',
      'SegmentTooLarge',
    ]);
    expect(out.UnprocessedTraceSegments?.[2]).toMatchObject({
      Id: sid('a5'),
      Message: expect.stringContaining('trace_id'),
    });
    const got = await xray.send(new BatchGetTracesCommand({ TraceIds: [t] }));
    expect(got.Traces?.[0]?.Segments?.map((s) => s.Id).sort()).toEqual([sid('a1'), sid('a2'), sid('a3')]);
    expect(got.Traces?.[0]).toMatchObject({ Id: t, Duration: 0.5, LimitExceeded: false });
  });

  it('rejects a request without documents, and non-string entries', async () => {
    await expect(
      xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [] })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    const out = await xray.send(
      new PutTraceSegmentsCommand({ TraceSegmentDocuments: [42 as unknown as string] }),
    );
    expect(out.UnprocessedTraceSegments?.[0]?.ErrorCode).toBe('InvalidSegment');
  });

  it('replaces an in-progress segment with the complete one', async () => {
    const t = newTrace();
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [segment(t, 'a1', { end_time: undefined, in_progress: true })],
      }),
    );
    await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [segment(t, 'a1')] }));
    const got = await xray.send(new BatchGetTracesCommand({ TraceIds: [t] }));
    expect(got.Traces?.[0]?.Segments).toHaveLength(1);
    expect(JSON.parse(got.Traces?.[0]?.Segments?.[0]?.Document ?? '{}').in_progress).toBeUndefined();
  });
});

describe('BatchGetTraces', () => {
  it('allows at most 5 ids and lists unknown ones as unprocessed', async () => {
    const ids = [1, 2, 3, 4, 5, 6].map(() => newTrace());
    const err = await xray.send(new BatchGetTracesCommand({ TraceIds: ids })).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidRequestException);
    expect(err.message).toContain('less than or equal to 5');
    const out = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(0, 2) }));
    expect(out.Traces).toEqual([]);
    expect(out.UnprocessedTraceIds).toEqual(ids.slice(0, 2));
    await expect(
      xray.send(new BatchGetTracesCommand({ TraceIds: undefined as unknown as string[] })),
    ).rejects.toThrow(/TraceIds is required/);
  });
});

describe('visibility delays', () => {
  it.skipIf(emulatorOnly)(
    'shows each segment after its delay, children before parents if asked',
    async () => {
      const emulator = aws.local!.emulator;
      onTestFinished(() => setXRayVisibility(emulator, {}));
      setXRayVisibility(emulator, {
        delayMs: 100,
        rules: [
          { hasParent: false, delayMs: 1_000 },
          { name: /^slow/, delayMs: 5_000 },
          { origin: 'AWS::Lambda', parentId: sid('zz'), traceId: 'none', delayMs: 0 },
        ],
      });
      expect(getXRayVisibility(emulator).delayMs).toBe(100);
      const t = newTrace();
      await xray.send(
        new PutTraceSegmentsCommand({
          TraceSegmentDocuments: [
            segment(t, 'a1'),
            segment(t, 'c1', { parent_id: sid('a1'), origin: 'AWS::Lambda' }),
            segment(t, 'f1', { name: 'slow1', parent_id: sid('a1') }),
          ],
        }),
      );
      const visible = async (): Promise<string[]> => {
        const out = await xray.send(new BatchGetTracesCommand({ TraceIds: [t] }));
        return (out.Traces?.[0]?.Segments ?? []).map((s) => s.Id as string).sort();
      };
      expect(await visible()).toEqual([]);
      tick(100);
      expect(await visible()).toEqual([sid('c1')]);
      tick(900);
      expect(await visible()).toEqual([sid('a1'), sid('c1')]);
      tick(4_000);
      expect(await visible()).toEqual([sid('a1'), sid('c1'), sid('f1')]);

      // Changed at run time: a function decides, rules are ignored when it returns a number.
      setXRayVisibility(emulator, {
        rules: [{ hasParent: true, delayMs: 50 }],
        delay: (s) => (s.subsegment ? 10 : undefined),
      });
      const t2 = newTrace();
      await xray.send(
        new PutTraceSegmentsCommand({
          TraceSegmentDocuments: [
            segment(t2, 'a1'),
            segment(t2, 'c1', { parent_id: sid('a1') }),
            segment(t2, 'd1', { parent_id: sid('a1'), type: 'subsegment' }),
          ],
        }),
      );
      const got = async () =>
        ((await xray.send(new BatchGetTracesCommand({ TraceIds: [t2] }))).Traces?.[0]?.Segments ?? []).length;
      expect(await got()).toBe(1);
      tick(10);
      expect(await got()).toBe(2);
      tick(40);
      expect(await got()).toBe(3);
      expect(() => setXRayVisibility(emulator, { delayMs: -1 })).toThrow(RangeError);
      expect(() => setXRayVisibility(emulator, { rules: [{ delayMs: Number.NaN }] })).toThrow(
        /rules\[0\]\.delayMs/,
      );
      setXRayVisibility(emulator, {});
    },
  );
});

describe('GetTraceSummaries', () => {
  const summaries = async (filter?: string, extra: Record<string, unknown> = {}) => {
    const out = await xray.send(
      new GetTraceSummariesCommand({
        StartTime: new Date(now - 60_000),
        EndTime: new Date(now + 60_000),
        ...(filter ? { FilterExpression: filter } : {}),
        ...extra,
      }),
    );
    return out;
  };

  it('summarises traces in the time range and filters them', async () => {
    tick(3_600_000); // a fresh hour: earlier tests' traces fall out of range
    const ok = newTrace();
    const bad = newTrace();
    const partial = newTrace();
    await xray.send(
      new PutTraceSegmentsCommand({
        TraceSegmentDocuments: [
          segment(ok, 'a1', {
            name: 'orders-api',
            origin: 'AWS::ApiGateway::Stage',
            user: 'alice',
            aws: { account_id: '000000000000' },
            http: {
              request: {
                method: 'POST',
                url: 'https://api.example.com/orders',
                user_agent: 'curl',
                client_ip: '10.0.0.1',
              },
              response: { status: 200 },
            },
            annotations: { orderId: 'o-1', amount: 12, vip: true, skip: null },
            subsegments: [{ id: sid('b1'), name: 'call', start_time: secs(), end_time: secs() + 0.1 }],
          }),
          segment(ok, 'c1', {
            name: 'charge',
            origin: 'AWS::Lambda',
            parent_id: sid('b1'),
            end_time: secs() + 0.2,
          }),
          segment(bad, 'a1', {
            name: 'orders-api',
            end_time: secs() + 3,
            fault: true,
            http: { response: { status: 502 } },
            subsegments: [
              {
                id: sid('b2'),
                name: 'x',
                start_time: secs(),
                end_time: secs() + 1,
                error: true,
                throttle: true,
              },
            ],
          }),
          segment(partial, 'c1', { name: 'late', parent_id: sid('ff') }),
          segment(partial, 'd1', { name: 'late', type: 'subsegment', parent_id: sid('c1') }),
        ],
      }),
    );
    const all = await summaries();
    expect(all.TraceSummaries?.map((s) => s.Id)).toEqual([ok, bad, partial]);
    expect(all.TracesProcessedCount).toBe(3);
    expect(all.ApproximateTime).toBeInstanceOf(Date);
    const first = all.TraceSummaries?.[0];
    expect(first).toMatchObject({
      Id: ok,
      Duration: 0.5,
      ResponseTime: 0.5,
      HasFault: false,
      HasError: false,
      HasThrottle: false,
      IsPartial: false,
      Http: {
        HttpURL: 'https://api.example.com/orders',
        HttpStatus: 200,
        HttpMethod: 'POST',
        UserAgent: 'curl',
        ClientIp: '10.0.0.1',
      },
      EntryPoint: { Name: 'orders-api', Type: 'AWS::ApiGateway::Stage', AccountId: '000000000000' },
      Users: [{ UserName: 'alice' }],
    });
    expect(first?.StartTime).toBeInstanceOf(Date);
    expect(first?.ServiceIds?.map((s) => s.Name).sort()).toEqual(['charge', 'orders-api']);
    expect(first?.Annotations?.orderId?.[0]?.AnnotationValue).toEqual({ StringValue: 'o-1' });
    expect(first?.Annotations?.amount?.[0]?.AnnotationValue).toEqual({ NumberValue: 12 });
    expect(first?.Annotations?.vip?.[0]?.AnnotationValue).toEqual({ BooleanValue: true });
    expect(all.TraceSummaries?.[2]?.IsPartial).toBe(true);

    const ids = async (filter: string) => (await summaries(filter)).TraceSummaries?.map((s) => s.Id);
    expect(await ids('service("charge")')).toEqual([ok]);
    expect(await ids('fault')).toEqual([bad]);
    expect(await ids('error AND throttle')).toEqual([bad]);
    expect(await ids('ok')).toEqual([ok, partial]);
    expect(await ids('!ok')).toEqual([bad]);
    expect(await ids('NOT fault && partial = false')).toEqual([ok]);
    expect(await ids('partial != true')).toEqual([ok, bad]);
    expect(await ids('responsetime > 2')).toEqual([bad]);
    expect(await ids('duration <= 0.5 AND duration >= 0.5 AND duration < 1')).toEqual([ok, partial]);
    expect(await ids('responsetime = 3 || http.status = 200')).toEqual([ok, bad]);
    expect(await ids('http.status != 200')).toEqual([bad, partial]);
    expect(await ids('annotation.orderId = "o-1"')).toEqual([ok]);
    expect(await ids("annotation[orderId] BEGINSWITH 'o-'")).toEqual([ok]);
    expect(await ids('annotation["amount"] > 10 and annotation.vip = true')).toEqual([ok]);
    expect(await ids('annotation.orderId')).toEqual([ok]);
    expect(await ids('http.url CONTAINS "orders" OR (http.method = "GET")')).toEqual([ok]);
    expect(
      await ids('http.url ENDSWITH "/orders" and http.useragent = "curl" and http.clientip = "10.0.0.1"'),
    ).toEqual([ok]);
    expect(await ids('user = "alice"')).toEqual([ok]);
    expect(await ids('  ')).toEqual([ok, bad, partial]);
    expect(await ids('service("nope") or annotation.x = "a\\"b"')).toEqual([]);
  });

  it('explains unsupported filter expressions', async () => {
    for (const expr of [
      'edge("a", "b")',
      'service("a") {fault}',
      'fault = 1',
      'fault > true',
      'responsetime',
      'responsetime > "x"',
      'http.url > 3',
      'http.url = 3',
      'annotation.a CONTAINS 3',
      'responsetime > ',
      '(fault',
      'fault fault',
      'service(a)',
      'annotation[1]',
      'http.url = "unterminated',
      '>',
    ]) {
      const err = await summaries(expr).catch((e) => e);
      expect(err, expr).toBeInstanceOf(InvalidRequestException);
      expect(err.message, expr).toContain('supports');
    }
  });

  it('validates the time range and type, filters by event time, and pages', async () => {
    await expect(
      xray.send(new GetTraceSummariesCommand({ StartTime: new Date(now), EndTime: new Date(now - 1_000) })),
    ).rejects.toThrow(/EndTime must not be before StartTime/);
    await expect(
      xray.send(
        new GetTraceSummariesCommand({ StartTime: new Date(now - 25 * 3_600_000), EndTime: new Date(now) }),
      ),
    ).rejects.toThrow(/24 hours/);
    await expect(summaries(undefined, { TimeRangeType: 'Bogus' })).rejects.toThrow(/TimeRangeType/);
    await expect(
      xray.send(
        new GetTraceSummariesCommand({ StartTime: undefined as unknown as Date, EndTime: new Date(now) }),
      ),
    ).rejects.toThrow(/StartTime is required/);

    tick(3_600_000);
    // A trace id from long ago with a segment now: found by Event time, not by TraceId time.
    const old = `1-${Math.floor((now - 7_200_000) / 1000).toString(16)}-${'e'.repeat(24)}`;
    await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [segment(old, 'a1')] }));
    expect((await summaries()).TraceSummaries).toEqual([]);
    expect((await summaries(undefined, { TimeRangeType: 'Event' })).TraceSummaries?.map((s) => s.Id)).toEqual(
      [old],
    );
    expect((await summaries(undefined, { TimeRangeType: 'Service' })).TraceSummaries).toHaveLength(1);

    tick(3_600_000);
    const docs: string[] = [];
    for (let i = 0; i < 120; i++) docs.push(segment(newTrace(), 'a1'));
    await xray.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: docs }));
    const page1 = await summaries();
    expect(page1.TraceSummaries).toHaveLength(100);
    expect(page1.NextToken).toBe('100');
    const page2 = await summaries(undefined, { NextToken: page1.NextToken });
    expect(page2.TraceSummaries).toHaveLength(20);
    expect(page2.NextToken).toBeUndefined();
  });
});

describe('X-Ray daemon (UDP)', () => {
  it.skipIf(emulatorOnly)('stores segments sent over UDP with the daemon header line', async () => {
    await using daemon = await startXRayDaemon(aws.local!.emulator, { port: 0 });
    expect(daemon.address).toBe(`127.0.0.1:${daemon.port}`);
    const client = createSocket('udp4');
    onTestFinished(() => {
      client.close();
    });
    const send = (text: string) =>
      new Promise<void>((resolve, reject) =>
        client.send(text, daemon.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    const t = newTrace();
    await send(`{"format":"json","version":1}\n${segment(t, 'a1')}`);
    await send(segment(t, 'a2')); // no header: dropped
    await send(`{"format": "json", "version": 1}\n{"id":"bad"}`); // rejected by validation
    await vi.waitFor(() => expect(daemon.received).toBe(3), { interval: 5 });
    await daemon.flush();
    const got = await xray.send(new BatchGetTracesCommand({ TraceIds: [t] }));
    expect(got.Traces?.[0]?.Segments?.map((s) => s.Id)).toEqual([sid('a1')]);
    await daemon.close();
    await daemon.close();
  });
});
