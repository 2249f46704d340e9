import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  UntagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../src/local/index.js';
import { compileFilter } from '../../src/local/services/logs/filter.js';

let aws: LocalAws;
let logs: CloudWatchLogsClient;
let n = 0;
const unique = (p: string): string => `/test/${p}-${Date.now().toString(36)}-${n++}`;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0 });
  logs = new CloudWatchLogsClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});

afterAll(async () => {
  await aws.close();
});

describe('local CloudWatch Logs', () => {
  it('creates, lists (by prefix, in pages), tags, sets retention on and deletes log groups', async () => {
    const prefix = unique('groups');
    for (const suffix of ['a', 'b', 'c'])
      await logs.send(new CreateLogGroupCommand({ logGroupName: `${prefix}/${suffix}` }));
    await expect(
      logs.send(new CreateLogGroupCommand({ logGroupName: `${prefix}/a` })),
    ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    const first = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, limit: 2 }));
    expect(first.logGroups?.map((g) => g.logGroupName)).toEqual([`${prefix}/a`, `${prefix}/b`]);
    const second = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, limit: 2, nextToken: first.nextToken }),
    );
    expect(second.logGroups?.map((g) => g.logGroupName)).toEqual([`${prefix}/c`]);
    expect(second.nextToken).toBeUndefined();

    await logs.send(new PutRetentionPolicyCommand({ logGroupName: `${prefix}/a`, retentionInDays: 7 }));
    await expect(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: `${prefix}/a`, retentionInDays: 8 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const withRetention = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `${prefix}/a` }),
    );
    expect(withRetention.logGroups?.[0]?.retentionInDays).toBe(7);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: `${prefix}/a` }));
    const without = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${prefix}/a` }));
    expect(without.logGroups?.[0]?.retentionInDays).toBeUndefined();

    const arn = without.logGroups?.[0]?.logGroupArn as string;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { team: 'x', env: 'y' } }));
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env'] }));
    expect((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({
      team: 'x',
    });

    await logs.send(new DeleteLogGroupCommand({ logGroupName: `${prefix}/a` }));
    await expect(
      logs.send(new DeleteLogGroupCommand({ logGroupName: `${prefix}/a` })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('puts events and reads them back with GetLogEvents tokens and FilterLogEvents across streams', async () => {
    const group = unique('events');
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's1' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's2' }));
    const t = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's1',
        logEvents: [
          { timestamp: t, message: 'ERROR disk full' },
          { timestamp: t + 1, message: '{"level":"ERROR","latency":120,"user":{"id":"u1"}}' },
          { timestamp: t + 2, message: '{"level":"INFO","latency":5,"user":null}' },
        ],
      }),
    );
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's2',
        logEvents: [
          { timestamp: t + 3, message: 'WARN slow "checkout" call' },
          { timestamp: t + 4, message: 'INFO done' },
        ],
      }),
    );
    await expect(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: group,
          logStreamName: 'missing',
          logEvents: [{ timestamp: t, message: 'x' }],
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    const page1 = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: 's1', startFromHead: true, limit: 2 }),
    );
    expect(page1.events?.map((e) => e.timestamp)).toEqual([t, t + 1]);
    const page2 = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: 's1',
        nextToken: page1.nextForwardToken,
        limit: 2,
      }),
    );
    expect(page2.events?.map((e) => e.timestamp)).toEqual([t + 2]);
    const last = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: 's1', limit: 1 }),
    );
    expect(last.events?.map((e) => e.timestamp)).toEqual([t + 2]);

    const filter = async (filterPattern: string, extra: Record<string, unknown> = {}) =>
      (
        await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern, ...extra }))
      ).events?.map((e) => e.message);
    expect(await filter('ERROR')).toEqual([
      'ERROR disk full',
      '{"level":"ERROR","latency":120,"user":{"id":"u1"}}',
    ]);
    expect(await filter('"checkout" call')).toEqual(['WARN slow "checkout" call']);
    expect(await filter('?WARN ?disk')).toEqual(['ERROR disk full', 'WARN slow "checkout" call']);
    expect(await filter('INFO -done')).toEqual(['{"level":"INFO","latency":5,"user":null}']);
    expect(await filter('{ $.latency > 100 || $.level = "INFO" }')).toHaveLength(2);
    expect(await filter('{ $.user.id = "u*" }')).toEqual([
      '{"level":"ERROR","latency":120,"user":{"id":"u1"}}',
    ]);
    expect(await filter('{ $.user IS NULL }')).toEqual(['{"level":"INFO","latency":5,"user":null}']);
    expect(await filter('{ $.user.id NOT EXISTS && $.level != "ERROR" }')).toHaveLength(1);
    expect(await filter('', { startTime: t + 3, logStreamNames: ['s2'] })).toEqual([
      'WARN slow "checkout" call',
      'INFO done',
    ]);
    await expect(filter('[ip, user]')).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(filter('{ $.a = }')).rejects.toBeInstanceOf(InvalidParameterException);

    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(streams.logStreams?.map((s) => [s.logStreamName, s.firstEventTimestamp])).toEqual([
      ['s1', t],
      ['s2', t + 3],
    ]);
  });
});

describe('log filter patterns (unit)', () => {
  it('compares numbers with <, >=, <= and refuses < on strings', () => {
    expect(compileFilter('{ $.n >= 2 }')('{"n":2}')).toBe(true);
    expect(compileFilter('{ $.n <= 1 }')('{"n":2}')).toBe(false);
    expect(compileFilter('{ $.n < 3 }')('{"n":2}')).toBe(true);
    expect(compileFilter('{ $.n = 2 }')('{"n":"2"}')).toBe(false);
    expect(compileFilter('{ $.n != 2 }')('{"n":3}')).toBe(true);
    expect(compileFilter('{ $.a[0] = "x" }')('{"a":["x"]}')).toBe(true);
    expect(compileFilter('{ $.ok = true }')('{"ok":true}')).toBe(true);
    expect(compileFilter('{ ($.a = 1 || $.b = 2) && $.c EXISTS }')('{"b":2,"c":0}')).toBe(true);
    expect(compileFilter('{ $.a = 1 }')('not json')).toBe(false);
    expect(() => compileFilter('{ $.s < "x" }')).toThrow(/Invalid filter pattern/);
    expect(() => compileFilter('?a b')).toThrow(/Invalid filter pattern/);
    expect(() => compileFilter('{ ($.a = 1 }')).toThrow(/Invalid filter pattern/);
  });
});

describe('local CloudWatch Logs: legacy tag operations and streams', () => {
  it('tags log groups by name, lists them through the tagging API, and deletes streams', async () => {
    const group = unique('legacy');
    await logs.send(new CreateLogGroupCommand({ logGroupName: group, tags: { a: '1' } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: group, tags: { b: '2' } }));
    await logs.send(new UntagLogGroupCommand({ logGroupName: group, tags: ['a'] }));
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: group }))).tags).toEqual({ b: '2' });
    const tagging = new ResourceGroupsTaggingAPIClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const arn = `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;
    await tagging.send(new TagResourcesCommand({ ResourceARNList: [arn], Tags: { c: '3' } }));
    await tagging.send(new UntagResourcesCommand({ ResourceARNList: [arn], TagKeys: ['b'] }));
    const found = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['logs:log-group'] }));
    const mine = found.ResourceTagMappingList?.find((r) => r.ResourceARN === arn);
    expect(mine?.Tags).toEqual([{ Key: 'c', Value: '3' }]);

    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'x' }));
    await expect(
      logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'x' })),
    ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    await logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: 'x' }));
    await expect(
      logs.send(new DeleteLogStreamCommand({ logGroupName: group, logStreamName: 'x' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: `${group}-missing` })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
