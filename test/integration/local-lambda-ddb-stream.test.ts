import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { defineService } from '../../src/local/core/service.js';
import { LOCAL_CODE_BUCKET } from '../../src/local/index.js';
import { allServices } from '../../src/local/services/index.js';
import type { LogsState } from '../../src/local/services/logs/index.js';

// The DynamoDB Streams side of the stream reader, against a stand-in that answers
// DescribeStream / GetShardIterator / GetRecords in the DynamoDB Streams shapes (the real
// `dynamodb` service plugs into the same calls when it is registered).
const REGION = 'us-east-1';
const STREAM_ARN = `arn:aws:dynamodb:${REGION}:000000000000:table/orders/stream/2026-12-07T00:00:00.000`;
const record = (seq: number, id: string) => ({
  eventID: `e${seq}`,
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: REGION,
  dynamodb: {
    ApproximateCreationDateTime: Date.now() / 1000,
    Keys: { id: { S: id } },
    NewImage: { id: { S: id }, status: { S: id === 'skip' ? 'draft' : 'placed' } },
    SequenceNumber: String(100 + seq),
    SizeBytes: 26,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});
const records = [record(1, 'o-1'), record(2, 'skip'), record(3, 'o-2')];
const calls: string[] = [];
const fakeDynamo = defineService({
  signingName: 'dynamodb',
  createState: () => ({}),
  operations: {
    DescribeStream: (input) => {
      calls.push(`DescribeStream ${String(input.StreamArn)}`);
      return { StreamDescription: { StreamArn: STREAM_ARN, Shards: [{ ShardId: 'shardId-00000001' }] } };
    },
    GetShardIterator: (input) => {
      calls.push(`GetShardIterator ${String(input.ShardIteratorType)}`);
      return { ShardIterator: '0' };
    },
    GetRecords: (input) => {
      const at = Number(input.ShardIterator);
      const batch = records.slice(at, at + Number(input.Limit));
      return { Records: batch, NextShardIterator: String(at + batch.length) };
    },
  },
});

const emulator = new Emulator([...allServices, fakeDynamo]);
afterAll(() => emulator.close());

const call = (op: string, input: Record<string, unknown>) =>
  emulator.invoke('lambda', op, input, { region: REGION }) as Promise<Record<string, unknown>>;

describe('local Lambda: DynamoDB Streams event source', () => {
  it('reads the stream through the DynamoDB Streams API and hands the function its records with eventSourceARN', async () => {
    await call('CreateFunction', {
      FunctionName: 'ddb',
      Runtime: 'nodejs20.x',
      Role: 'arn:aws:iam::000000000000:role/r',
      Handler: 'sources.echo',
      Code: {
        S3Bucket: LOCAL_CODE_BUCKET,
        S3Key: fileURLToPath(new URL('../fixtures/lambda/cjs', import.meta.url)),
      },
    });
    await expect(
      call('CreateEventSourceMapping', { FunctionName: 'ddb', EventSourceArn: STREAM_ARN }),
    ).rejects.toThrow(/StartingPosition/);
    const mapping = await call('CreateEventSourceMapping', {
      FunctionName: 'ddb',
      EventSourceArn: STREAM_ARN,
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { status: { S: ['placed'] } } } }) }],
      },
    });
    expect(mapping).toMatchObject({
      BatchSize: 100,
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: -1,
    });
    const logs = emulator.state<LogsState>('logs', REGION);
    const events = async () => {
      for (;;) {
        const stream = [...(logs.groups.get('/aws/lambda/ddb')?.streams.values() ?? [])][0];
        const lines = stream?.events.filter((e) => e.message.includes('\tEVENT ')) ?? [];
        if (lines.length > 0) return lines.map((e) => JSON.parse(e.message.split('EVENT ')[1] ?? '{}'));
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const [event] = await events();
    expect(
      event.Records.map((r: { dynamodb: { Keys: { id: { S: string } } } }) => r.dynamodb.Keys.id.S),
    ).toEqual(['o-1', 'o-2']);
    expect(event.Records[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventName: 'INSERT',
      eventSourceARN: STREAM_ARN,
    });
    expect(calls).toContain(`DescribeStream ${STREAM_ARN}`);
    expect(calls).toContain('GetShardIterator TRIM_HORIZON');
    await call('DeleteEventSourceMapping', { UUID: mapping.UUID });
  });
});
