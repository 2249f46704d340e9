/**
 * The stream flow, tested the way a user tests their app: put batches on the stream (1, 10, 100
 * and 1,000 records: batch sizes vary with load), then prove with bounded waits, no sleeps, that
 * every record of every batch was put with its partition key, in order per key (a Kinesis
 * listener), and stored by the function (the table, queried per batch with waitForItems, and its
 * stream of changes, with a DynamoDB stream listener). A second test puts one
 * malformed record and shows what the suite then reports: the bisected batch in the function's
 * log, the on-failure destination's description of the failed record, and the missing id.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { expectOrderedByKey, expectPartitionKeys } from 'eventprobe';
import { useProbe } from 'eventprobe/vitest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordFunctionLogsOnFailure } from '../function-logs.js';

const STACK = 'eventprobe-example-streams';
const skipped = inject('examplesMissing').includes(STACK);
// beforeAll: sweep leftovers of earlier (crashed) runs; afterAll: remove what this run created;
// on a failed test: the listeners' events and the last trace tree as failure artifacts.
const probe = useProbe({ tags: { suite: 'example-streams' } });
const kinesis = new KinesisClient({});
const logs = new CloudWatchLogsClient({});

interface IngestRecord {
  readonly batch: string;
  readonly id: string;
  readonly customer: string;
  readonly amount: number | string;
}

type Outputs = Record<'StreamName' | 'TableName' | 'FailedBatchesQueueUrl' | 'FunctionName', string>;
let out: Outputs;

beforeAll(async () => {
  if (skipped) return;
  out = await probe.getStackOutputs(STACK, [
    'StreamName',
    'TableName',
    'FailedBatchesQueueUrl',
    'FunctionName',
  ]);
});

recordFunctionLogsOnFailure(() => (out ? [out.FunctionName] : []));

afterAll(() => {
  for (const client of [kinesis, logs]) client.destroy();
});

const CUSTOMERS = ['ada', 'grace', 'linus', 'margaret'];
const makeBatch = (size: number): IngestRecord[] => {
  const batch = `b${size}-${Math.random().toString(36).slice(2, 8)}`;
  return Array.from({ length: size }, (_, i) => ({
    batch,
    id: String(i).padStart(4, '0'),
    customer: CUSTOMERS[i % CUSTOMERS.length] as string,
    amount: 10 + i,
  }));
};

/** Puts records with the customer as partition key (PutRecords takes 500 at most); returns their sequence numbers. */
const put = async (records: readonly IngestRecord[]): Promise<string[]> => {
  const sequenceNumbers: string[] = [];
  for (let i = 0; i < records.length; i += 500) {
    const chunk = records.slice(i, i + 500);
    const result = await kinesis.send(
      new PutRecordsCommand({
        StreamName: out.StreamName,
        Records: chunk.map((r) => ({ PartitionKey: r.customer, Data: Buffer.from(JSON.stringify(r)) })),
      }),
    );
    expect(result.FailedRecordCount ?? 0).toBe(0);
    sequenceNumbers.push(...(result.Records ?? []).map((r) => r.SequenceNumber as string));
  }
  return sequenceNumbers;
};

/**
 * Waits until the table holds every expected id of the batch (a Query on its partition key, every
 * page, strongly consistent); returns the stored ids. Its timeout error says how many of N arrived
 * and lists the missing ids.
 */
const waitForStored = async (batch: string, expected: readonly string[]): Promise<string[]> => {
  const items = await probe.waitForItems<{ batch: string; id: string }>({
    tableName: out.TableName,
    partitionKey: { name: 'batch', value: batch },
    expect: expected,
    idAttribute: 'id',
    consistentRead: true,
    timeout: 30_000,
  });
  return items.map((item) => item.id);
};

/** The function's log lines since `since` (CloudWatch Logs). */
const functionLog = async (since: number): Promise<string[]> => {
  const { events = [] } = await logs.send(
    new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${out.FunctionName}`, startTime: since }),
  );
  return events.map((e) => (e.message ?? '').trim());
};

describe.skipIf(skipped)(
  `stream flow on ${inject('examplesTarget')}${skipped ? ` (skipped: ${STACK} is not deployed)` : ''}`,
  () => {
    it('stores every record of batches of 1, 10, 100 and 1,000, put with the customer as partition key and in order per key', async () => {
      await using stream = await probe.addKinesisListener<IngestRecord>({ streamName: out.StreamName });
      // The table's own stream: what the function wrote, change by change.
      await using changes = await probe.addDynamoDbStreamListener<IngestRecord>({
        tableName: out.TableName,
        images: 'new',
      });
      const batches = [1, 10, 100, 1000].map(makeBatch);
      for (const batch of batches) await put(batch);

      for (const batch of batches) {
        const name = (batch[0] as IngestRecord).batch;
        const ids = await waitForStored(
          name,
          batch.map((r) => r.id),
        );
        expect(ids.sort()).toEqual(batch.map((r) => r.id).sort());

        const received = await stream.waitForEvents((r) => r.data.batch === name, {
          count: batch.length,
          timeout: 30_000,
        });
        expect(received.map((r) => r.data.id).sort()).toEqual(batch.map((r) => r.id).sort());
        expectPartitionKeys(received, CUSTOMERS.slice(0, Math.min(batch.length, CUSTOMERS.length)));
        for (const record of received) expect(record.partitionKey).toBe(record.data.customer);
        // Per key, the stream hands the records out in the order they were put.
        expectOrderedByKey(received);
        for (const customer of CUSTOMERS) {
          const ofKey = received.filter((r) => r.partitionKey === customer);
          const bySequence = [...ofKey].sort((a, b) =>
            BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1,
          );
          expect(bySequence.map((r) => r.data.id)).toEqual(ofKey.map((r) => r.data.id).sort());
        }
      }

      // The table's stream has one INSERT per record of a batch, keyed and imaged as put.
      const hundred = batches[2] as IngestRecord[];
      const name = (hundred[0] as IngestRecord).batch;
      const inserts = await changes.waitForEvents((e) => e.keys.batch === name, {
        count: hundred.length,
        timeout: 30_000,
      });
      expect(inserts.map((e) => e.eventName)).toEqual(hundred.map(() => 'INSERT'));
      expect(inserts.map((e) => e.keys.id).sort()).toEqual(hundred.map((r) => r.id).sort());
      for (const e of inserts) {
        const sent = hundred.find((r) => r.id === e.keys.id);
        expect(e.newImage).toMatchObject({ batch: name, customer: sent?.customer, amount: sent?.amount });
      }
    });

    it('a malformed record: the batch is bisected down to it, it goes to the on-failure queue, and only its id is missing', async () => {
      const since = Date.now() - 1000;
      // The on-failure destination, watched from now on (reading leaves its messages there).
      const failures = await probe.watchDeadLetters({ deadLetterQueueUrl: out.FailedBatchesQueueUrl });
      // One partition key: the whole batch lands on one shard, and reaches the function as one batch.
      const batch = makeBatch(10).map((r) => ({ ...r, customer: 'ada' }));
      const bad = 6;
      const records = batch.map((r, i) => (i === bad ? { ...r, amount: 'ten' } : r));
      const sequenceNumbers = await put(records);
      const good = batch.filter((_, i) => i !== bad).map((r) => r.id);
      const name = (batch[0] as IngestRecord).batch;

      // The on-failure destination describes the batch that still failed: only the malformed record.
      interface FailureRecord {
        KinesisBatchInfo: { batchSize: number; startSequenceNumber: string; endSequenceNumber: string };
        requestContext: { condition: string };
      }
      const [message] = await failures.waitForMessages({
        match: (m) =>
          (m.json as FailureRecord | undefined)?.KinesisBatchInfo?.startSequenceNumber ===
          sequenceNumbers[bad],
        timeout: 30_000,
        interval: 200,
      });
      const failure = message?.json as FailureRecord | undefined;
      expect(failure?.KinesisBatchInfo).toMatchObject({
        batchSize: 1,
        startSequenceNumber: sequenceNumbers[bad],
        endSequenceNumber: sequenceNumbers[bad],
      });
      expect(failure?.requestContext.condition).toBe('RetryAttemptsExhausted');

      // Every other record was stored: the missing id is exactly the malformed record's.
      const ids = await waitForStored(name, good);
      const missing = batch.map((r) => r.id).filter((id) => !ids.includes(id));
      expect(missing).toEqual([(batch[bad] as IngestRecord).id]);

      // The function's log shows the bisection: 10 records, then halves, down to the bad one alone.
      const lines = await functionLog(since);
      const sizes = lines.flatMap((l) => /batch of (\d+) records/.exec(l)?.[1] ?? []).map(Number);
      expect(sizes).toContain(1);
      expect(lines.some((l) => l.includes(`malformed record ${sequenceNumbers[bad]}`))).toBe(true);
    });
  },
);
