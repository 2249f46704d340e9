import type { ProbeContext } from '../context.js';
import { InvalidInputError } from '../errors.js';
import type { ListenerResources } from '../resources/listener-resources.js';
import { LISTENER_TARGET_ID, listenerIdFromName, resourceName } from '../resources/naming.js';
import { isManaged, TAG_LISTENER_ID, type Tags } from '../resources/tags.js';
import { positiveNumber } from '../validate.js';
import type { RetryPolicy } from '../wait/index.js';
import { type Discovery, discover, type FoundQueue, type FoundRule, findSubscriptions } from './discover.js';
import {
  filtersOfTags,
  graceMs,
  matchesFilters,
  type NormalizedFilters,
  normalizeFilters,
  sweepRefusal,
  type TagFilters,
  taggingFilters,
} from './filters.js';
import {
  discoverFixtures,
  FIXTURE_TAGGING_TYPES,
  type FixtureDiscovery,
  type FoundFixture,
  isFixture,
  removeFoundFixtures,
  removeRecorded,
} from './fixtures/index.js';
import { createLimiter } from './limit.js';
import {
  cleanupError,
  DEFAULT_RETRY,
  type RemovalEnv,
  type RemovalFailure,
  type RemovedResource,
  removeListener,
  unmanagedError,
} from './remove.js';

export type { TagFilters } from './filters.js';
export { DEFAULT_GRACE_MS } from './filters.js';
export type { RemovalFailure, RemovedResource } from './remove.js';
export { removeListenerResources } from './remove.js';

/** Default number of requests in flight per service (SQS, EventBridge, SNS) during cleanup. */
export const DEFAULT_CONCURRENCY = 20;

/** A resource that was found but deliberately left alone, and why. */
export interface SkippedResource {
  readonly resource: string;
  readonly reason: string;
}

/** What a cleanup, sweep or removal did. */
export interface CleanupReport {
  /** Resources removed (including those already gone when eventprobe came to delete them). */
  readonly removed: readonly RemovedResource[];
  /** Resources that could not be removed, or listings that failed. Non-empty only on the error's `failures`: the functions throw then. */
  readonly failed: readonly RemovalFailure[];
  /** Resources found but left alone: no marker tag, another filter, within the grace period, this run's. */
  readonly skipped: readonly SkippedResource[];
  /** `removeListeners({ ids })`: ids for which nothing exists (already removed, or never created). */
  readonly notFound: readonly string[];
  /** Things that limited discovery without failing it (e.g. the tagging API is not available). */
  readonly warnings: readonly string[];
}

/** Options shared by every cleanup function. */
export interface CleanupOptions {
  /** Cancels the work; the caller's reason is rethrown. Default: none. */
  readonly signal?: AbortSignal;
  /** Requests in flight per service. Default 20 ({@link DEFAULT_CONCURRENCY}). */
  readonly concurrency?: number;
  /** @internal Our retry on top of the SDK's, for tests. */
  readonly retry?: RetryPolicy;
}

/** Options of {@link sweep}. */
export interface SweepOptions extends CleanupOptions {
  /**
   * Sweep only resources carrying every one of these tags (`{ suite: 'orders' }`; a list of values
   * means any of them). Default: the probe's own tags. An empty filter is refused unless `all` is set.
   */
  readonly tagFilters?: TagFilters;
  /**
   * Sweep every eventprobe leftover of other runs in this account and region, whatever its tags.
   * Required when there is no tag filter (no `tagFilters` and a probe without tags). Default false.
   */
  readonly all?: boolean;
  /**
   * Grace period in ms: only resources created longer ago are swept, so a run still going on in
   * parallel (another CI job, a colleague) keeps its listeners. Default 3 600 000 (1 hour: longer
   * than a test suite runs, and the listener queues' message retention). `0` sweeps every
   * finished-or-not run but this one.
   */
  readonly olderThan?: number;
}

/** Options of {@link removeListeners}. */
export type RemoveListenersOptions = CleanupOptions &
  (
    | {
        /** Listener ids (`listener.id`). Duplicates are ignored; an empty list does nothing. */
        readonly ids: readonly string[];
        readonly tagFilters?: never;
      }
    | {
        /** Remove every eventprobe listener carrying all these tags, of any run and any age. Must not be empty. */
        readonly tagFilters: TagFilters;
        readonly ids?: never;
      }
  );

const envOf = async (ctx: ProbeContext, options: CleanupOptions): Promise<RemovalEnv> => {
  const concurrency =
    options.concurrency === undefined
      ? DEFAULT_CONCURRENCY
      : positiveNumber('concurrency', options.concurrency, true);
  options.signal?.throwIfAborted();
  return {
    clients: ctx.clients,
    signal: options.signal,
    limits: {
      sqs: createLimiter(concurrency),
      eventBridge: createLimiter(concurrency),
      sns: createLimiter(concurrency),
      fixtures: createLimiter(concurrency),
    },
    retry: options.retry ?? DEFAULT_RETRY,
  };
};

const emptyReport = (): {
  removed: RemovedResource[];
  failed: RemovalFailure[];
  skipped: SkippedResource[];
  notFound: string[];
  warnings: string[];
} => ({ removed: [], failed: [], skipped: [], notFound: [], warnings: [] });

type MutableReport = ReturnType<typeof emptyReport>;

const finish = (report: MutableReport, what: string, signal: AbortSignal | undefined): CleanupReport => {
  signal?.throwIfAborted();
  if (report.failed.length > 0) throw cleanupError(what, report.failed);
  return report;
};

/**
 * Removes recorded resources, listeners before fixtures (a bus or a topic goes once the listeners'
 * rules and subscriptions on it are gone), adding to `report`; `removed` hears of each record whose
 * resources are all gone.
 */
const removeRecordedAll = async (
  env: RemovalEnv,
  report: MutableReport,
  entries: readonly (readonly [string, ListenerResources])[],
  removed: (id: string, resources: ListenerResources) => void,
): Promise<void> => {
  for (const group of [entries.filter(([, r]) => !isFixture(r)), entries.filter(([, r]) => isFixture(r))]) {
    await Promise.all(
      group.map(async ([id, resources]) => {
        const outcome = await removeRecorded(env, resources);
        report.removed.push(...outcome.removed);
        report.failed.push(...outcome.failures);
        if (outcome.failures.length === 0) removed(id, resources);
      }),
    );
  }
};

/**
 * Removes everything the probe created (every listener in `ctx.created`), listeners concurrently
 * with at most `concurrency` requests in flight per service, each entry dropped from `ctx.created`
 * once all its resources are gone (a failed entry stays, so calling again retries it).
 *
 * IAM: sqs:ListQueueTags, sqs:DeleteQueue, sqs:GetQueueUrl (when a queue URL was not recorded yet),
 * events:ListTagsForResource, events:RemoveTargets, events:DeleteRule, events:ListTargetsByRule
 * (only when the rule has targets besides the listener's own), events:DescribeRule (when the rule
 * ARN was not recorded), sns:Unsubscribe (SNS listeners).
 *
 * @throws CleanupError listing what could not be removed.
 */
export const cleanupProbe = async (
  ctx: ProbeContext,
  options: CleanupOptions = {},
): Promise<CleanupReport> => {
  const env = await envOf(ctx, options);
  const report = emptyReport();
  await removeRecordedAll(env, report, [...ctx.created], (id, resources) => {
    if (ctx.created.get(id) === resources) ctx.created.delete(id);
  });
  return finish(report, 'this probe', options.signal);
};

/** One listener's resources as found by discovery: at most one queue and one rule per listener id. */
interface Group {
  readonly listenerId: string;
  queue?: FoundQueue;
  rule?: FoundRule;
}

const listenerIdOf = (tags: Tags, name: string, fallback: string): string =>
  tags[TAG_LISTENER_ID] ?? listenerIdFromName(name) ?? fallback;

/** Removes the chosen resources of a discovery, grouped by listener so the rule goes before the queue. */
const removeFound = async (
  ctx: ProbeContext,
  env: RemovalEnv,
  report: MutableReport,
  queues: readonly FoundQueue[],
  rules: readonly FoundRule[],
): Promise<Set<string>> => {
  const groups = new Map<string, Group>();
  const group = (id: string): Group => {
    const existing = groups.get(id);
    if (existing) return existing;
    const created: Group = { listenerId: id };
    groups.set(id, created);
    return created;
  };
  for (const queue of queues) {
    const g = group(listenerIdOf(queue.tags, queue.name, queue.url));
    if (g.queue) group(queue.url).queue = queue;
    else g.queue = queue;
  }
  for (const rule of rules) {
    const g = group(listenerIdOf(rule.tags, rule.name, rule.arn));
    if (g.rule) group(rule.arn).rule = rule;
    else g.rule = rule;
  }
  const subscriptions = await findSubscriptions(
    env,
    queues.map((q) => q.url),
    report.warnings,
  );
  const region = await ctx.clients.region();
  const done = new Set<string>();
  await Promise.all(
    [...groups.values()].map(async ({ listenerId, queue, rule }) => {
      const subs = queue ? (subscriptions.get(queue.url) ?? []) : [];
      // Extra subscriptions of the same queue (rare) go first, on their own.
      const extra = await Promise.all(
        subs
          .slice(1)
          .map((subscriptionArn) =>
            removeListener(env, { listenerId, kind: 'sns', region, subscriptionArn }),
          ),
      );
      const resources: ListenerResources = {
        listenerId,
        kind: rule ? 'eventbridge' : subs.length > 0 ? 'sns' : 'eventbridge',
        region,
        ...(queue ? { queueUrl: queue.url } : {}),
        ...(rule
          ? { ruleArn: rule.arn, ruleName: rule.name, eventBusName: rule.bus, targetId: LISTENER_TARGET_ID }
          : {}),
        ...(subs[0] ? { subscriptionArn: subs[0] } : {}),
      };
      const outcome = await removeListener(env, resources, { queue: true, rule: true });
      for (const o of [...extra, outcome]) {
        report.removed.push(...o.removed);
        report.failed.push(...o.failures);
      }
      if (outcome.failures.length === 0) done.add(listenerId);
    }),
  );
  return done;
};

type Found = FoundQueue | FoundRule | FoundFixture;

const labelOf = (r: Found): string => ('key' in r ? r.key : 'url' in r ? r.url : r.arn);

/** Both discoveries (listeners' queues and rules; fixtures), their failures and warnings in the report. */
const discoverAll = async (
  env: RemovalEnv,
  report: MutableReport,
  filters: NormalizedFilters,
): Promise<[Discovery, FixtureDiscovery]> => {
  // The tagging API is asked once for every type; its ARNs go to the fixtures' discovery too.
  let tagged: (arns: readonly string[]) => void;
  const taggedArns = new Promise<readonly string[]>((resolve) => {
    tagged = resolve;
  });
  const found = await Promise.all([
    discover(env, taggingFilters(filters), { types: FIXTURE_TAGGING_TYPES, tagged: (arns) => tagged(arns) }),
    discoverFixtures(env, taggedArns),
  ]);
  report.failed.push(...found[0].failures, ...found[1].failures);
  report.warnings.push(...found[0].warnings, ...found[1].warnings);
  return found;
};

/**
 * Removes leftovers of earlier runs: eventprobe's queues and rules (and SNS subscriptions of those
 * queues), then its fixtures (tables, streams, topics, buses, buckets), that carry the marker tag,
 * match every tag filter, belong to another run, and were created longer ago than the grace period.
 * Discovery lists by name prefix and by the tagging API, and reads each resource's tags from the
 * service itself before deciding. Nothing without the marker tag is ever deleted, whatever the filter.
 *
 * IAM: what `cleanup` needs, plus sqs:ListQueues, sqs:GetQueueUrl, events:ListEventBuses,
 * events:ListRules, events:ListTargetsByRule; optional (a warning in the report when denied):
 * tag:GetResources, sns:ListSubscriptions, and the fixtures' listings (dynamodb:ListTables,
 * kinesis:ListStreams, sns:ListTopics, s3:ListAllMyBuckets; each `create*` says what its removal
 * needs). Deleting can be limited to eventprobe's resources by name
 * (`arn:aws:sqs:*:*:eventprobe-*`, `arn:aws:events:*:*:rule/eventprobe-*`, `rule/<bus>/eventprobe-*`) and
 * by the condition `aws:ResourceTag/eventprobe:managed = "true"`.
 *
 * @throws InvalidInputError when there is no tag filter and `all` is not set.
 * @throws CleanupError when something could not be removed or listed (`failures`); skipped resources are not failures.
 */
export const sweep = async (ctx: ProbeContext, options: SweepOptions = {}): Promise<CleanupReport> => {
  const filters =
    options.tagFilters === undefined ? filtersOfTags(ctx.tags) : normalizeFilters(options.tagFilters);
  if (filters.size === 0 && options.all !== true) {
    throw new InvalidInputError(
      'sweep needs a tag filter so that it removes only your leftovers: pass tagFilters, create the probe with tags ' +
        '(createProbe({ tags: { suite: "orders" } })), or pass { all: true } to remove every eventprobe leftover of ' +
        'other runs older than the grace period in this account and region.',
      'tagFilters',
    );
  }
  const olderThanMs = graceMs(options.olderThan);
  const env = await envOf(ctx, options);
  const report = emptyReport();
  const [found, fixtures] = await discoverAll(env, report, filters);
  const now = ctx.clock.now();
  const pick = <R extends Found>(resources: readonly R[]): R[] =>
    resources.filter((r) => {
      const reason = sweepRefusal({ tags: r.tags, filters, runId: ctx.runId, now, olderThanMs });
      if (reason !== undefined) report.skipped.push({ resource: labelOf(r), reason });
      return reason === undefined;
    });
  await removeFound(ctx, env, report, pick(found.queues), pick(found.rules));
  // After the listeners: a bus fixture goes once the listeners' rules on it are gone.
  await removeFoundFixtures(env, await ctx.clients.region(), pick(fixtures.found), report);
  return finish(report, 'leftovers of earlier runs', options.signal);
};

const validateIds = (ids: unknown): string[] => {
  if (!Array.isArray(ids)) {
    throw new InvalidInputError('ids must be an array of listener ids (listener.id).', 'ids');
  }
  for (const id of ids) {
    if (typeof id !== 'string' || listenerIdFromName(resourceName(id)) !== id) {
      throw new InvalidInputError(
        `ids contains ${JSON.stringify(id)}, which is not an eventprobe listener id (like "l3k9x0a8b7c6d5e4", from listener.id).`,
        'ids',
      );
    }
  }
  return [...new Set(ids as string[])];
};

/**
 * Removes listeners by id or by tags (IATK's `remove_listeners`), of this run or any other, at any
 * age. Only resources with the marker tag are deleted.
 *
 * - `{ ids }`: duplicates are ignored, an empty list does nothing. Ids this probe created are removed
 *   from what it recorded; other ids are looked up by name and tag in the clients' region. Ids with
 *   nothing left are reported in `notFound` (removal is idempotent, so that is not an error); a
 *   resource named after an id but without the marker tag is a failure.
 * - `{ tagFilters }`: every listener carrying all the tags; an empty filter is refused.
 *
 * IAM: as `sweep` (an empty `ids` list makes no calls; ids all created by this probe need only what
 * `cleanup` needs).
 *
 * @throws CleanupError when something could not be removed.
 */
export const removeListeners = async (
  ctx: ProbeContext,
  options: RemoveListenersOptions,
): Promise<CleanupReport> => {
  const byIds = options.ids !== undefined;
  const ids = byIds ? validateIds(options.ids) : [];
  const filters = byIds ? new Map<string, readonly string[]>() : normalizeFilters(options.tagFilters);
  if (!byIds && filters.size === 0) {
    throw new InvalidInputError(
      'removeListeners needs at least one tag in tagFilters (an empty filter would match every listener). ' +
        'Pass { ids } to remove specific listeners.',
      'tagFilters',
    );
  }
  const env = await envOf(ctx, options);
  const report = emptyReport();
  if (byIds && ids.length === 0) return report;

  // This probe's own listeners: their resources are known exactly.
  const own = ids.filter((id) => ctx.created.has(id));
  await removeRecordedAll(
    env,
    report,
    own.map((id) => [id, ctx.created.get(id) as ListenerResources]),
    (id) => ctx.created.delete(id),
  );
  const others = new Set(byIds ? ids.filter((id) => !own.includes(id)) : []);
  if (byIds && others.size === 0) return finish(report, 'the listeners asked for', options.signal);

  const tagged: NormalizedFilters = byIds
    ? new Map(others.size <= 20 ? [[TAG_LISTENER_ID, [...others]]] : [])
    : filters;
  const [found, fixtures] = await discoverAll(env, report, tagged);
  const seen = new Set<string>();
  const pick = <R extends Found>(resources: readonly R[]): R[] =>
    resources.filter((r) => {
      const label = labelOf(r);
      if (byIds) {
        // By the id in its tags or in its name: a decoy named after an id is reported, not ignored.
        const id = [r.tags[TAG_LISTENER_ID], listenerIdFromName(r.name)].find(
          (x) => x !== undefined && others.has(x),
        );
        if (id === undefined) return false;
        seen.add(id);
        if (!isManaged(r.tags)) {
          report.failed.push({ resource: label, error: unmanagedError(label) });
          return false;
        }
        return true;
      }
      if (!isManaged(r.tags)) return false;
      if (!matchesFilters(r.tags, filters)) return false;
      return true;
    });
  const done = await removeFound(ctx, env, report, pick(found.queues), pick(found.rules));
  const region = await ctx.clients.region();
  for (const id of await removeFoundFixtures(env, region, pick(fixtures.found), report)) done.add(id);
  for (const id of done) ctx.created.delete(id);
  report.notFound.push(...[...others].filter((id) => !seen.has(id)));
  return finish(
    report,
    byIds ? 'the listeners asked for' : 'the listeners matching the tags',
    options.signal,
  );
};
