import {
  CreateEventBusCommand,
  EventBridgeClient,
  ListTagsForResourceCommand,
  PutRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetResourcesCommand,
  type GetResourcesCommandInput,
  GetTagKeysCommand,
  GetTagValuesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  UntagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueueTagsCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const uid = () => Math.random().toString(36).slice(2, 10);

const expectError = async (promise: Promise<unknown>, name: string): Promise<void> => {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string } | undefined;
  expect(err?.name).toBe(name);
};

describe('local Resource Groups Tagging API', () => {
  let aws: TestAws;
  let tagging: ResourceGroupsTaggingAPIClient;
  let eb: EventBridgeClient;
  let sqs: SQSClient;
  const run = uid();
  let queueArn: string;
  let queueUrl: string;
  let ruleArn: string;
  let busArn: string;

  beforeAll(async () => {
    aws = await startTestAws();
    tagging = new ResourceGroupsTaggingAPIClient({ ...aws.clientConfig, maxAttempts: 1 });
    eb = new EventBridgeClient({ ...aws.clientConfig, maxAttempts: 1 });
    sqs = new SQSClient({ ...aws.clientConfig, maxAttempts: 1 });
    const q = await sqs.send(
      new CreateQueueCommand({ QueueName: `q-${run}`, tags: { run, kind: 'queue', team: 'a' } }),
    );
    queueUrl = q.QueueUrl as string;
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    queueArn = attrs.Attributes?.QueueArn as string;
    ruleArn = (
      await eb.send(
        new PutRuleCommand({
          Name: `r-${run}`,
          EventPattern: '{"source":["x"]}',
          Tags: [
            { Key: 'run', Value: run },
            { Key: 'kind', Value: 'rule' },
            { Key: 'team', Value: 'b' },
          ],
        }),
      )
    ).RuleArn as string;
    busArn = (
      await eb.send(
        new CreateEventBusCommand({
          Name: `b-${run}`,
          Tags: [
            { Key: 'run', Value: run },
            { Key: 'kind', Value: 'bus' },
          ],
        }),
      )
    ).EventBusArn as string;
    // Untagged resources are not listed.
    await eb.send(new PutRuleCommand({ Name: `untagged-${run}`, EventPattern: '{"source":["x"]}' }));
  });
  afterAll(async () => {
    tagging.destroy();
    eb.destroy();
    sqs.destroy();
    await aws.close();
  });

  const arnsOf = async (input: GetResourcesCommandInput): Promise<string[]> => {
    const res = await tagging.send(new GetResourcesCommand(input));
    return (res.ResourceTagMappingList ?? []).map((m) => m.ResourceARN as string).sort();
  };

  it('finds resources of every service by tag filters', async () => {
    const res = await tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: 'run', Values: [run] }] }));
    expect(res.PaginationToken).toBe('');
    expect(res.ResourceTagMappingList?.map((m) => m.ResourceARN).sort()).toEqual(
      [busArn, queueArn, ruleArn].sort(),
    );
    const rule = res.ResourceTagMappingList?.find((m) => m.ResourceARN === ruleArn);
    expect(rule?.Tags).toEqual([
      { Key: 'run', Value: run },
      { Key: 'kind', Value: 'rule' },
      { Key: 'team', Value: 'b' },
    ]);
    // Every filter must match; a filter without Values matches any value of the key.
    expect(await arnsOf({ TagFilters: [{ Key: 'run', Values: [run] }, { Key: 'team' }] })).toEqual(
      [queueArn, ruleArn].sort(),
    );
    expect(
      await arnsOf({
        TagFilters: [
          { Key: 'run', Values: [run] },
          { Key: 'kind', Values: ['queue', 'bus'] },
        ],
      }),
    ).toEqual([busArn, queueArn].sort());
    expect(await arnsOf({ TagFilters: [{ Key: 'run', Values: ['other'] }] })).toEqual([]);
  });

  it('filters by resource type', async () => {
    const filters = [{ Key: 'run', Values: [run] }];
    expect(await arnsOf({ TagFilters: filters, ResourceTypeFilters: ['sqs'] })).toEqual([queueArn]);
    expect(await arnsOf({ TagFilters: filters, ResourceTypeFilters: ['events:rule'] })).toEqual([ruleArn]);
    expect(await arnsOf({ TagFilters: filters, ResourceTypeFilters: ['events:event-bus'] })).toEqual([
      busArn,
    ]);
    expect(await arnsOf({ TagFilters: filters, ResourceTypeFilters: ['events'] })).toEqual(
      [busArn, ruleArn].sort(),
    );
    expect(await arnsOf({ TagFilters: filters, ResourceTypeFilters: ['sqs:queue', 'events:rule'] })).toEqual(
      [queueArn, ruleArn].sort(),
    );
    expect(await arnsOf({ TagFilters: filters, ResourceTypeFilters: ['sns', 'kinesis:stream'] })).toEqual([]);
    expect(await arnsOf({ ResourceARNList: [ruleArn, 'arn:aws:sqs:us-east-1:000000000000:nope'] })).toEqual([
      ruleArn,
    ]);
  });

  it('pages with ResourcesPerPage and PaginationToken', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await tagging.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: 'run', Values: [run] }],
          ResourcesPerPage: 2,
          ...(token ? { PaginationToken: token } : {}),
        }),
      );
      pages++;
      expect(res.ResourceTagMappingList?.length).toBeLessThanOrEqual(2);
      seen.push(...(res.ResourceTagMappingList ?? []).map((m) => m.ResourceARN as string));
      token = res.PaginationToken || undefined;
    } while (token);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual([busArn, queueArn, ruleArn].sort());
  });

  it('rejects invalid parameters', async () => {
    await expectError(
      tagging.send(new GetResourcesCommand({ ResourcesPerPage: 0 })),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(new GetResourcesCommand({ PaginationToken: 'bad' })),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(new GetResourcesCommand({ ResourceARNList: [ruleArn], TagFilters: [{ Key: 'run' }] })),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(
        new GetResourcesCommand({ TagFilters: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}` })) }),
      ),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: 'k', Values: Array.from({ length: 21 }, (_, i) => `v${i}`) }],
        }),
      ),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(new GetResourcesCommand({ TagFilters: [{ Key: '' }] })),
      'InvalidParameterException',
    );
    await expectError(tagging.send(new GetTagValuesCommand({ Key: '' })), 'InvalidParameterException');
    await expectError(
      tagging.send(new TagResourcesCommand({ ResourceARNList: [ruleArn], Tags: {} })),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(new TagResourcesCommand({ ResourceARNList: [], Tags: { a: 'b' } })),
      'InvalidParameterException',
    );
    await expectError(
      tagging.send(new UntagResourcesCommand({ ResourceARNList: [ruleArn], TagKeys: [] })),
      'InvalidParameterException',
    );
  });

  it('lists tag keys and values', async () => {
    const keys = await tagging.send(new GetTagKeysCommand({}));
    expect(keys.TagKeys).toEqual(expect.arrayContaining(['run', 'kind', 'team']));
    expect(keys.PaginationToken).toBe('');
    const values = await tagging.send(new GetTagValuesCommand({ Key: 'kind' }));
    expect(values.TagValues).toEqual(['bus', 'queue', 'rule']);
  });

  it('tags and untags across services, reporting ARNs nobody owns', async () => {
    const unknown = 'arn:aws:events:us-east-1:000000000000:rule/does-not-exist';
    const tagged = await tagging.send(
      new TagResourcesCommand({
        ResourceARNList: [ruleArn, queueArn, busArn, unknown],
        Tags: { added: 'yes' },
      }),
    );
    expect(Object.keys(tagged.FailedResourcesMap ?? {})).toEqual([unknown]);
    expect(tagged.FailedResourcesMap?.[unknown]?.ErrorCode).toBe('InvalidParameterException');
    const ruleTags = await eb.send(new ListTagsForResourceCommand({ ResourceARN: ruleArn }));
    expect(ruleTags.Tags).toContainEqual({ Key: 'added', Value: 'yes' });
    const queueTags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
    expect(queueTags.Tags?.added).toBe('yes');
    expect(await arnsOf({ TagFilters: [{ Key: 'added', Values: ['yes'] }] })).toEqual(
      [busArn, queueArn, ruleArn].sort(),
    );

    const untagged = await tagging.send(
      new UntagResourcesCommand({
        ResourceARNList: [ruleArn, queueArn, busArn, unknown],
        TagKeys: ['added'],
      }),
    );
    expect(Object.keys(untagged.FailedResourcesMap ?? {})).toEqual([unknown]);
    expect(await arnsOf({ TagFilters: [{ Key: 'added' }] })).toEqual([]);
  });
});
