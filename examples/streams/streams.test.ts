/**
 * The stream flow: prove that every record of a batch was published with the expected partition
 * keys (a Kinesis listener), and that the processor stored every one of them (an EventBridge
 * listener on what the processor announces) — with bounded waits, no sleeps.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { createProbe, expectOrderedByKey, expectPartitionKeys } from 'eventprobe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type IngestRecord, produceBatch, startProcessor } from './app.js';

const STACK = 'eventprobe-example-streams';
const probe = createProbe({ tags: { suite: 'example-streams' } });
const kinesis = new KinesisClient({});
const eventBridge = new EventBridgeClient({});

let outputs: Record<string, string>;
let processor: Awaited<ReturnType<typeof startProcessor>>;

beforeAll(async () => {
  await probe.sweep();
  outputs = await probe.getStackOutputs(STACK, ['StreamName', 'EventBusName']);
  processor = await startProcessor({
    kinesis,
    eventBridge,
    streamName: outputs.StreamName as string,
    eventBusName: outputs.EventBusName as string,
  });
});

afterAll(async () => {
  await processor?.stop();
  await probe.cleanup();
  kinesis.destroy();
  eventBridge.destroy();
});

const makeBatch = (size: number): IngestRecord[] => {
  const batch = `batch-${Math.random().toString(36).slice(2, 8)}`;
  const customers = ['ada', 'grace', 'linus', 'margaret'];
  return Array.from({ length: size }, (_, i) => ({
    batch,
    id: `${batch}-${i}`,
    customer: customers[i % customers.length] as string,
    amount: 10 + i,
  }));
};

describe(`stream flow on ${inject('examplesTarget')}`, () => {
  it('publishes every record of a batch with the customer as partition key, in order per customer', async () => {
    await using records = await probe.addKinesisListener<IngestRecord>({
      streamName: outputs.StreamName as string,
    });
    const batch = makeBatch(24);
    await produceBatch(kinesis, outputs.StreamName as string, batch);

    const received = await records.waitForEvents((r) => r.data.batch === batch[0]?.batch, {
      count: batch.length,
      timeout: 15_000,
    });
    expect(received.map((r) => r.data.id).sort()).toEqual(batch.map((r) => r.id).sort());
    expectPartitionKeys(received, ['ada', 'grace', 'linus', 'margaret']);
    expectOrderedByKey(received);
    for (const record of received) expect(record.partitionKey).toBe(record.data.customer);
  });

  it('stores every record of a batch', async () => {
    await using stored = await probe.addListener<{ batch: string; id: string; shardId: string }>({
      eventBusName: outputs.EventBusName as string,
      eventPattern: { source: ['storage.processor'], 'detail-type': ['RecordStored'] },
    });
    const batch = makeBatch(12);
    await produceBatch(kinesis, outputs.StreamName as string, batch);

    const events = await stored.waitForEvents((e) => e.detail.batch === batch[0]?.batch, {
      count: batch.length,
      timeout: 20_000,
    });
    expect(new Set(events.map((e) => e.detail.id))).toEqual(new Set(batch.map((r) => r.id)));
    for (const record of batch) expect(processor.stored.get(record.id)).toEqual(record);
  });
});
