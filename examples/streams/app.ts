/**
 * The stream-flow example app: a producer that writes batches of records to Kinesis, and a
 * processor that reads every shard, stores each record, and publishes RecordStored.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';

export interface IngestRecord {
  readonly batch: string;
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
}

/** Writes a batch; the partition key is the customer, so one customer's records stay in order. */
export const produceBatch = async (
  kinesis: KinesisClient,
  streamName: string,
  records: readonly IngestRecord[],
): Promise<void> => {
  const result = await kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: records.map((r) => ({
        PartitionKey: r.customer,
        Data: new TextEncoder().encode(JSON.stringify(r)),
      })),
    }),
  );
  if (result.FailedRecordCount) throw new Error(`PutRecords failed for ${result.FailedRecordCount} records`);
};

/** The processor: reads every shard from "now", stores records in memory and publishes RecordStored. */
export const startProcessor = async (options: {
  readonly kinesis: KinesisClient;
  readonly eventBridge: EventBridgeClient;
  readonly streamName: string;
  readonly eventBusName: string;
}): Promise<{ readonly stored: Map<string, IngestRecord>; stop(): Promise<void> }> => {
  const stored = new Map<string, IngestRecord>();
  const aborter = new AbortController();
  const { Shards } = await options.kinesis.send(new ListShardsCommand({ StreamName: options.streamName }));
  const readers = (Shards ?? []).map(async (shard) => {
    let { ShardIterator: iterator } = await options.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: options.streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'LATEST',
      }),
    );
    while (iterator && !aborter.signal.aborted) {
      const page = await options.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }), {
        abortSignal: aborter.signal,
      });
      for (const record of page.Records ?? []) {
        const data = JSON.parse(new TextDecoder().decode(record.Data)) as IngestRecord;
        stored.set(data.id, data);
        await options.eventBridge.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: options.eventBusName,
                Source: 'storage.processor',
                DetailType: 'RecordStored',
                Detail: JSON.stringify({ batch: data.batch, id: data.id, shardId: shard.ShardId }),
              },
            ],
          }),
        );
      }
      iterator = page.NextShardIterator;
      await sleep(250, undefined, { signal: aborter.signal });
    }
  });
  const done = Promise.allSettled(readers);
  return {
    stored,
    stop: async () => {
      aborter.abort();
      await done;
    },
  };
};
