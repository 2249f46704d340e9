import { BatchGetTracesCommand } from '@aws-sdk/client-xray';
import { describe, expect, it } from 'vitest';
import { fetchTraceSegments, type XRayLike } from '../../src/tracing/fetch.js';
import { type TraceableClient, withTracing } from '../../src/tracing/middleware.js';

type Handler = (args: { request?: unknown }) => Promise<{ response?: unknown }>;

/** A client whose middleware stack keeps what was added, so the middleware can be driven directly. */
const fakeClient = () => {
  let added: ((next: Handler) => Handler) | undefined;
  const client = {
    middlewareStack: {
      add: (mw: (next: Handler) => Handler) => {
        added = mw;
      },
      remove: () => true,
    },
  };
  return {
    client: client as unknown as TraceableClient,
    run: (args: { request?: unknown }, response?: unknown) => added!(async () => ({ response }))(args),
  };
};

describe('withTracing middleware', () => {
  it('passes requests and responses without headers through untouched', async () => {
    const { client, run } = fakeClient();
    const tracing = withTracing(client, { clock: () => 0 });
    await run({ request: undefined }, undefined);
    await run({ request: { headers: null } }, { headers: 'nope' });
    expect(tracing.lastTraceHeader).toBeUndefined();
    const request = { headers: {} as Record<string, string> };
    await run({ request }, { headers: { other: 'x' } });
    expect(request.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-00000000-[0-9a-f]{24};Sampled=1$/);
    expect(tracing.lastResponseTraceHeader).toBeUndefined();
    expect(tracing.mintRoot()).toMatch(/^1-00000000-/);
  });
});

describe('fetchTraceSegments edge cases', () => {
  it('tolerates sparse responses and sleeps with the signal between retries', async () => {
    let calls = 0;
    const xray: XRayLike = {
      send: async (command: BatchGetTracesCommand) => {
        calls++;
        expect(command).toBeInstanceOf(BatchGetTracesCommand);
        if (calls === 1)
          return {
            Traces: [{}, { Id: '1-5f000000-000000000000000000000001' }],
            UnprocessedTraceIds: ['1-5f000000-000000000000000000000002'],
          };
        return {};
      },
    };
    const found = await fetchTraceSegments(
      xray,
      ['1-5f000000-000000000000000000000001', '1-5f000000-000000000000000000000002'],
      { backoffMs: 1, unprocessedRetries: 2, signal: new AbortController().signal },
    );
    expect(found.get('1-5f000000-000000000000000000000001')).toEqual([]);
    expect(found.has('1-5f000000-000000000000000000000002')).toBe(false);
    expect(calls).toBe(2);
  });
});
