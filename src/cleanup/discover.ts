import {
  type EventBus,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { GetResourcesCommand, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListSubscriptionsCommand, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs';
import { parseQueueArn, parseRuleArn } from '../resources/arn.js';
import { NAME_PREFIX } from '../resources/naming.js';
import type { Tags } from '../resources/tags.js';
import { describeError, isNotFound, retry as retryCall } from '../wait/index.js';
import type { Limiter } from './limit.js';
import { allPages as pages } from './pages.js';
import { type RemovalEnv, type RemovalFailure, tagList } from './remove.js';

/** A queue found by name or by tag, with the tags SQS itself reports. */
export interface FoundQueue {
  readonly url: string;
  readonly name: string;
  readonly tags: Tags;
}

/** A rule found by name or by tag, with the tags EventBridge itself reports. */
export interface FoundRule {
  readonly arn: string;
  readonly name: string;
  readonly bus: string;
  readonly tags: Tags;
}

export interface Discovery {
  readonly queues: FoundQueue[];
  readonly rules: FoundRule[];
  /** Listings or tag reads that failed: leftovers may have been missed. */
  readonly failures: RemovalFailure[];
  /** Cross-checks that could not run (the tagging API): discovery went on with name listings. */
  readonly warnings: string[];
}

/** The queue name in an SQS queue URL (its last path segment). */
export const queueNameOfUrl = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

/**
 * Finds eventprobe's queues and rules in the clients' region, two ways: listings by the name prefix
 * (ListQueues; ListEventBuses + ListRules), and the Resource Groups Tagging API with the marker tag
 * and `taggingFilters`. The union is kept (the tagging API is eventually consistent and not every
 * endpoint indexes every type; a resource renamed by hand is still found by its tags). Then each
 * resource's tags are read from SQS / EventBridge itself: those, never the tagging API's copy,
 * decide what may be deleted.
 */
export const discover = (
  env: RemovalEnv,
  taggingFilters: readonly { Key: string; Values: string[] }[],
  more: MoreTypes,
): Promise<Discovery> => new Discoverer(env, taggingFilters, more).run();

/** More resource types to ask the tagging API for in the same listing, and who gets its ARNs (all of them, once). */
export interface MoreTypes {
  readonly types: readonly string[];
  readonly tagged: (arns: readonly string[]) => void;
}

/** One discovery: listings and tag reads run concurrently; reads start as soon as a listing names a resource. */
class Discoverer {
  readonly #env: RemovalEnv;
  readonly #taggingFilters: readonly { Key: string; Values: string[] }[];
  readonly #more: MoreTypes;
  readonly #sendOpts: { abortSignal?: AbortSignal };
  readonly #discovery: Discovery = { queues: [], rules: [], failures: [], warnings: [] };
  /** Queue name -> URL (or undefined when known only by ARN). */
  readonly #queueUrls = new Map<string, string | undefined>();
  /** Queue name -> owner account, for queues known only by ARN. */
  readonly #queueAccounts = new Map<string, string>();
  readonly #rules = new Map<string, { name: string; bus: string }>();
  /** Tag reads, started as soon as a listing names a resource. */
  readonly #reads: Promise<void>[] = [];

  constructor(
    env: RemovalEnv,
    taggingFilters: readonly { Key: string; Values: string[] }[],
    more: MoreTypes,
  ) {
    this.#env = env;
    this.#taggingFilters = taggingFilters;
    this.#more = more;
    this.#sendOpts = env.signal ? { abortSignal: env.signal } : {};
  }

  async run(): Promise<Discovery> {
    const [, , tagged] = await Promise.all([this.#listQueues(), this.#listRules(), this.#listTagged()]);
    // Merged after the listings, so a queue both listed and tagged keeps its listed URL.
    for (const arn of tagged) {
      const queue = parseQueueArn(arn);
      const rule = parseRuleArn(arn);
      if (queue) {
        this.#queueAccounts.set(queue.name, queue.account);
        this.#addQueue(queue.name, undefined);
      } else if (rule) {
        this.#addRule(arn, rule);
      }
    }
    await Promise.all(this.#reads);
    return this.#discovery;
  }

  #call<T>(limit: Limiter, task: () => Promise<T>): Promise<T> {
    return limit(() => retryCall(task, { ...this.#env.retry, signal: this.#env.signal }));
  }

  #failed(resource: string, error: unknown): void {
    if (this.#env.signal?.aborted) throw this.#env.signal.reason;
    this.#discovery.failures.push({ resource, error });
  }

  #read(task: Promise<void>): void {
    // Awaited at the end; the no-op handler keeps an early abort from being an unhandled rejection.
    task.catch(() => undefined);
    this.#reads.push(task);
  }

  #addQueue(name: string, url: string | undefined): void {
    if (this.#queueUrls.has(name)) return;
    this.#queueUrls.set(name, url);
    this.#read(this.#readQueue(name, url));
  }

  #addRule(arn: string, rule: { name: string; bus: string }): void {
    if (this.#rules.has(arn)) return;
    this.#rules.set(arn, rule);
    this.#read(this.#readRule(arn, rule));
  }

  async #readQueue(name: string, knownUrl: string | undefined): Promise<void> {
    const sqs = this.#env.clients.get('sqs');
    const limit = this.#env.limits.sqs;
    try {
      const url =
        knownUrl ??
        ((
          await this.#call(limit, () =>
            sqs.send(
              new GetQueueUrlCommand({
                QueueName: name,
                QueueOwnerAWSAccountId: this.#queueAccounts.get(name),
              }),
              this.#sendOpts,
            ),
          )
        ).QueueUrl as string);
      const { Tags } = await this.#call(limit, () =>
        sqs.send(new ListQueueTagsCommand({ QueueUrl: url }), this.#sendOpts),
      );
      this.#discovery.queues.push({ url, name, tags: Tags ?? {} });
    } catch (error) {
      if (!isNotFound(error)) this.#failed(knownUrl ?? `queue ${name}`, error);
    }
  }

  async #readRule(arn: string, rule: { name: string; bus: string }): Promise<void> {
    try {
      const { Tags } = await this.#call(this.#env.limits.eventBridge, () =>
        this.#env.clients
          .get('eventBridge')
          .send(new ListTagsForResourceCommand({ ResourceARN: arn }), this.#sendOpts),
      );
      this.#discovery.rules.push({ arn, ...rule, tags: tagList(Tags) });
    } catch (error) {
      if (!isNotFound(error)) this.#failed(arn, error);
    }
  }

  async #listQueues(): Promise<void> {
    const sqs = this.#env.clients.get('sqs');
    try {
      const all = await pages(
        (token) =>
          this.#call(this.#env.limits.sqs, () =>
            sqs.send(
              new ListQueuesCommand({
                QueueNamePrefix: NAME_PREFIX,
                MaxResults: 1000,
                ...(token ? { NextToken: token } : {}),
              }),
              this.#sendOpts,
            ),
          ),
        (page) => page.NextToken,
      );
      for (const url of all.flatMap((p) => p.QueueUrls ?? [])) this.#addQueue(queueNameOfUrl(url), url);
    } catch (error) {
      this.#failed('sqs:ListQueues', error);
    }
  }

  async #listRules(): Promise<void> {
    const events = this.#env.clients.get('eventBridge');
    let buses: EventBus[];
    try {
      const all = await pages(
        (token) =>
          this.#call(this.#env.limits.eventBridge, () =>
            events.send(
              new ListEventBusesCommand({ Limit: 100, ...(token ? { NextToken: token } : {}) }),
              this.#sendOpts,
            ),
          ),
        (page) => page.NextToken,
      );
      buses = all.flatMap((p) => p.EventBuses ?? []);
    } catch (error) {
      return this.#failed('events:ListEventBuses', error);
    }
    await Promise.all(buses.map(({ Name: bus = 'default' }) => this.#listRulesOn(bus)));
  }

  async #listRulesOn(bus: string): Promise<void> {
    const events = this.#env.clients.get('eventBridge');
    try {
      await pages(
        (token) =>
          this.#call(this.#env.limits.eventBridge, () =>
            events.send(
              new ListRulesCommand({
                EventBusName: bus,
                NamePrefix: NAME_PREFIX,
                Limit: 100,
                ...(token ? { NextToken: token } : {}),
              }),
              this.#sendOpts,
            ),
          ),
        // Each page's rules get their tags read while the next page is fetched.
        (page) => {
          for (const rule of page.Rules ?? []) {
            if (rule.Arn && rule.Name) this.#addRule(rule.Arn, { name: rule.Name, bus });
          }
          return page.NextToken;
        },
      );
    } catch (error) {
      this.#failed(`events:ListRules on bus ${bus}`, error);
    }
  }

  /** ARNs the tagging API has for the marker and filters; a warning (not a failure) when it cannot be used. */
  async #listTagged(): Promise<string[]> {
    const tagging = this.#env.clients.get('tagging');
    const { signal } = this.#env;
    try {
      const all = await pages(
        (token) =>
          retryCall(
            () =>
              tagging.send(
                new GetResourcesCommand({
                  TagFilters: [...this.#taggingFilters],
                  ResourceTypeFilters: ['sqs', 'events:rule', ...this.#more.types],
                  ResourcesPerPage: 100,
                  ...(token ? { PaginationToken: token } : {}),
                }),
                this.#sendOpts,
              ),
            { ...this.#env.retry, signal },
          ),
        (page) => page.PaginationToken,
      );
      const arns = all
        .flatMap((p) => p.ResourceTagMappingList ?? [])
        .map((m: ResourceTagMapping) => m.ResourceARN ?? '');
      this.#more.tagged(arns);
      return arns;
    } catch (error) {
      this.#more.tagged([]);
      if (signal?.aborted) throw signal.reason;
      this.#discovery.warnings.push(
        `The Resource Groups Tagging API could not be used (${describeError(error)}); leftovers were found by name only. ` +
          'Allow tag:GetResources to also find resources renamed or listed late.',
      );
      return [];
    }
  }
}

/**
 * SNS subscriptions whose endpoint is one of `queues` (by owner account and name), by queue URL.
 * Lists the account's subscriptions, so it runs only when there are queues to delete; failures
 * become warnings (an endpoint without SNS has no subscriptions to leave behind).
 */
export const findSubscriptions = async (
  env: RemovalEnv,
  queueUrls: readonly string[],
  warnings: string[],
): Promise<Map<string, string[]>> => {
  const found = new Map<string, string[]>();
  if (queueUrls.length === 0) return found;
  const { clients, signal, limits, retry } = env;
  const sns = clients.get('sns');
  const byKey = new Map(
    queueUrls.map((url) => {
      const parts = new URL(url).pathname.split('/').filter(Boolean);
      return [`${parts[0]}:${parts[1]}`, url];
    }),
  );
  let subscriptions: Subscription[];
  try {
    const all = await pages(
      (token) =>
        limits.sns(() =>
          retryCall(
            () =>
              sns.send(
                new ListSubscriptionsCommand(token ? { NextToken: token } : {}),
                signal ? { abortSignal: signal } : {},
              ),
            { ...retry, signal },
          ),
        ),
      (page) => page.NextToken,
    );
    subscriptions = all.flatMap((p) => p.Subscriptions ?? []);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    warnings.push(
      `SNS subscriptions could not be listed (${describeError(error)}); subscriptions of removed queues may remain. ` +
        'Allow sns:ListSubscriptions to remove them too.',
    );
    return found;
  }
  for (const sub of subscriptions) {
    const queue = sub.Protocol === 'sqs' && sub.Endpoint ? parseQueueArn(sub.Endpoint) : undefined;
    const url = queue && byKey.get(`${queue.account}:${queue.name}`);
    if (url && sub.SubscriptionArn?.startsWith('arn:')) {
      found.set(url, [...(found.get(url) ?? []), sub.SubscriptionArn]);
    }
  }
  return found;
};
