/**
 * The same core scenario against real AWS: opt-in with EVENTPROBE_E2E=1 and the usual AWS
 * credentials and region (it creates a temporary event bus, a listener, and removes both).
 * Skipped, with the reason, everywhere else. The example suites have their own real-AWS run:
 * `EVENTPROBE_E2E=1 npm run demo`.
 */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe, type Probe } from '../../src/index.js';

const enabled = process.env.EVENTPROBE_E2E === '1';
const reason = 'real-AWS tier: set EVENTPROBE_E2E=1 with AWS credentials and AWS_REGION to run it';
if (!enabled) console.info(`[e2e] skipped: ${reason}`);

describe.skipIf(!enabled)(enabled ? 'against real AWS' : `skipped: ${reason}`, () => {
  const busName = `eventprobe-e2e-${Date.now().toString(36)}`;
  let probe: Probe;
  let events: EventBridgeClient;

  beforeAll(async () => {
    probe = createProbe({ tags: { suite: 'eventprobe-e2e' } });
    events = new EventBridgeClient({});
    await events.send(new CreateEventBusCommand({ Name: busName }));
  });
  afterAll(async () => {
    await probe?.[Symbol.asyncDispose]();
    await events?.send(new DeleteEventBusCommand({ Name: busName }));
    events?.destroy();
  });

  it('attaches a listener, receives the matching event, and leaves nothing behind', async () => {
    await using listener = await probe.addListener<{ id: string }>({
      eventBusName: busName,
      eventPattern: { source: ['eventprobe.e2e'] },
      // A new rule takes a moment to match on AWS: wait until it delivers.
      readiness: { event: { source: 'eventprobe.e2e', detailType: 'Readiness' } },
    });
    const id = Math.random().toString(36).slice(2);
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: 'eventprobe.e2e',
            DetailType: 'Probe',
            Detail: JSON.stringify({ id }),
          },
        ],
      }),
    );
    const event = await listener.waitForEvent((e) => e.detail.id === id, { timeout: 60_000 });
    expect(event['detail-type']).toBe('Probe');
  });
});
