import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { UnsubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueUrlCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs';
import type { ClientSet } from '../config.js';
import { CleanupError, EventProbeError } from '../errors.js';
import { parseQueueArn, parseRuleArn } from '../resources/arn.js';
import type { ListenerResources } from '../resources/listener-resources.js';
import { isManaged, MARKER_VALUE, TAG_MARKER, type Tags } from '../resources/tags.js';
import { describeError, isNotFound, type RetryPolicy, retry as retryCall } from '../wait/index.js';
import { type Limiter, unlimited } from './limit.js';

/** One resource eventprobe removed (or found already gone). */
export interface RemovedResource {
  readonly kind: 'queue' | 'rule' | 'subscription' | 'table' | 'stream' | 'topic' | 'event-bus' | 'bucket';
  /** Queue URL, rule ARN (or `bus/name`), subscription ARN; a fixture's name (a topic's ARN). */
  readonly resource: string;
  readonly listenerId: string | undefined;
}

/** One resource that could not be removed, and why. */
export interface RemovalFailure {
  readonly resource: string;
  readonly error: unknown;
}

/** Options of {@link removeListenerResources}. */
export interface RemoveListenerResourcesOptions {
  /** Cancels the removal; the caller's reason is rethrown. Default: none. */
  readonly signal?: AbortSignal;
}

/**
 * Cleanup's policy on top of the SDK's own retries. The SDK's standard mode retries throttling too,
 * but its retry quota drains under sustained throttling (many deletions at once), after which errors
 * surface on the first attempt; this layer keeps a sweep of hundreds of resources going.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 2_000 };

/** How removals run: per-service concurrency limits, our own retry policy, cancellation. */
export interface RemovalEnv {
  readonly clients: ClientSet;
  readonly signal: AbortSignal | undefined;
  readonly limits: {
    readonly sqs: Limiter;
    readonly eventBridge: Limiter;
    readonly sns: Limiter;
    /** Fixtures (tables, streams, topics, buses, buckets). Default: unlimited. */
    readonly fixtures?: Limiter;
  };
  readonly retry: RetryPolicy;
  /** How long removal waits for a deleted fixture (table, stream) to be gone. Default {@link DEFAULT_GONE_WAIT}. */
  readonly goneWait?: GoneWait;
}

/** Checks of a deleted resource until it is gone: at most `checks`, pauses doubling from `delayMs` up to `maxDelayMs`. */
export interface GoneWait {
  readonly checks: number;
  readonly delayMs: number;
  readonly maxDelayMs: number;
}

/** About 7 minutes: DynamoDB and Kinesis usually take seconds to a minute to delete a table or stream. */
export const DEFAULT_GONE_WAIT: GoneWait = { checks: 90, delayMs: 500, maxDelayMs: 5_000 };

export interface RemovalOutcome {
  readonly removed: RemovedResource[];
  readonly failures: RemovalFailure[];
}

/** Which of a listener's resources had their marker tag read already (by the caller, from the service itself). */
export interface Verified {
  readonly queue?: boolean;
  readonly rule?: boolean;
}

/** Tags as a record, from EventBridge's `[{ Key, Value }]` form. */
export const tagList = (
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Tags => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** The error recorded for a resource that lacks the marker tag: it is never deleted. */
export const unmanagedError = (resource: string): EventProbeError =>
  new EventProbeError(
    `${resource} does not carry the tag ${TAG_MARKER}=${MARKER_VALUE}, so it was not created by eventprobe ` +
      '(or its tags were changed). It was left in place; delete it yourself if it is yours to delete.',
  );

/** A removal environment without concurrency limits, with the default retry policy. */
export const simpleEnv = (clients: ClientSet, signal?: AbortSignal): RemovalEnv => ({
  clients,
  signal,
  limits: { sqs: unlimited, eventBridge: unlimited, sns: unlimited },
  retry: DEFAULT_RETRY,
});

/**
 * Removes one listener's resources: the rule's targets, then the rule (on its bus), the SNS
 * subscription, then the queue. Each is handled on its own: one failing does not stop the others;
 * not-found counts as success. The marker tag is read from the queue and the rule themselves before
 * anything is deleted (unless `verified` says the caller just did); an unmarked resource is a failure.
 * Never throws except for the caller's abort; failures are returned.
 */
export const removeListener = (
  env: RemovalEnv,
  resources: ListenerResources,
  verified: Verified = {},
): Promise<RemovalOutcome> => new ListenerRemoval(env, resources, verified).run();

/** A rule to remove: its name, bus, and the label messages use. */
interface RuleRef {
  readonly name: string;
  readonly bus: string;
  readonly label: string;
}

/** One listener's removal (see {@link removeListener}). */
class ListenerRemoval {
  readonly #env: RemovalEnv;
  readonly #resources: ListenerResources;
  readonly #verified: Verified;
  readonly #sendOpts: { abortSignal?: AbortSignal };
  readonly #outcome: RemovalOutcome = { removed: [], failures: [] };

  constructor(env: RemovalEnv, resources: ListenerResources, verified: Verified) {
    this.#env = env;
    this.#resources = resources;
    this.#verified = verified;
    this.#sendOpts = env.signal ? { abortSignal: env.signal } : {};
  }

  async run(): Promise<RemovalOutcome> {
    // The queue's marker is read while the rule goes; the queue itself goes last.
    const [queueUrl] = await Promise.all([this.#checkQueue(), this.#removeRule(), this.#unsubscribe()]);
    if (queueUrl !== undefined) await this.#deleteQueue(queueUrl);
    return this.#outcome;
  }

  #call<T>(limit: Limiter, task: () => Promise<T>): Promise<T> {
    return limit(() => retryCall(task, { ...this.#env.retry, signal: this.#env.signal }));
  }

  #removed(kind: RemovedResource['kind'], resource: string): void {
    this.#outcome.removed.push({ kind, resource, listenerId: this.#resources.listenerId });
  }

  #failed(resource: string, error: unknown): void {
    if (this.#env.signal?.aborted) throw this.#env.signal.reason;
    this.#outcome.failures.push({ resource, error });
  }

  /** The rule the record names (by name or ARN), if any. */
  #rule(): RuleRef | undefined {
    const resources = this.#resources;
    const parsed = resources.ruleArn ? parseRuleArn(resources.ruleArn) : undefined;
    const name = resources.ruleName ?? parsed?.name;
    if (name === undefined) return undefined;
    const bus = resources.eventBusName ?? parsed?.bus ?? 'default';
    return { name, bus, label: resources.ruleArn ?? `rule ${bus}/${name}` };
  }

  /** True when the rule carries the marker tag (false: recorded as a failure, or gone: recorded as removed). */
  async #ruleIsOurs(rule: RuleRef): Promise<boolean> {
    if (this.#verified.rule) return true;
    const events = this.#env.clients.get('eventBridge');
    try {
      const arn =
        this.#resources.ruleArn ??
        (
          await this.#call(this.#env.limits.eventBridge, () =>
            events.send(new DescribeRuleCommand({ Name: rule.name, EventBusName: rule.bus }), this.#sendOpts),
          )
        ).Arn;
      const { Tags } = await this.#call(this.#env.limits.eventBridge, () =>
        events.send(new ListTagsForResourceCommand({ ResourceARN: arn }), this.#sendOpts),
      );
      if (isManaged(tagList(Tags))) return true;
      this.#failed(rule.label, unmanagedError(rule.label));
    } catch (error) {
      if (isNotFound(error)) this.#removed('rule', rule.label);
      else this.#failed(rule.label, error);
    }
    return false;
  }

  async #listTargets(rule: RuleRef): Promise<string[]> {
    const events = this.#env.clients.get('eventBridge');
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call(this.#env.limits.eventBridge, () =>
        events.send(
          new ListTargetsByRuleCommand({
            Rule: rule.name,
            EventBusName: rule.bus,
            ...(token ? { NextToken: token } : {}),
          }),
          this.#sendOpts,
        ),
      );
      for (const t of page.Targets ?? []) if (t.Id) ids.push(t.Id);
      token = page.NextToken;
    } while (token);
    return ids;
  }

  async #removeTargets(rule: RuleRef, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const events = this.#env.clients.get('eventBridge');
    const out = await this.#call(this.#env.limits.eventBridge, () =>
      events.send(
        new RemoveTargetsCommand({ Rule: rule.name, EventBusName: rule.bus, Ids: ids }),
        this.#sendOpts,
      ),
    );
    if (out.FailedEntryCount) {
      const entries = (out.FailedEntries ?? []).map((e) => `${e.TargetId}: ${e.ErrorCode} ${e.ErrorMessage}`);
      throw new EventProbeError(
        `RemoveTargets on ${rule.label} failed for ${out.FailedEntryCount} target(s): ${entries.join('; ')}`,
      );
    }
  }

  #deleteRule(rule: RuleRef): Promise<unknown> {
    const events = this.#env.clients.get('eventBridge');
    return this.#call(this.#env.limits.eventBridge, () =>
      events.send(new DeleteRuleCommand({ Name: rule.name, EventBusName: rule.bus }), this.#sendOpts),
    );
  }

  /** The rule's targets, then the rule. */
  async #removeRule(): Promise<void> {
    const rule = this.#rule();
    if (rule === undefined || !(await this.#ruleIsOurs(rule))) return;
    const { targetId } = this.#resources;
    try {
      await this.#removeTargets(rule, targetId ? [targetId] : await this.#listTargets(rule));
    } catch (error) {
      if (isNotFound(error)) return this.#removed('rule', rule.label);
      // The rule cannot be deleted while it has targets: report the targets and leave it.
      return this.#failed(`${rule.label} (targets)`, error);
    }
    try {
      await this.#deleteRule(rule);
    } catch (error) {
      if (isNotFound(error)) return this.#removed('rule', rule.label);
      if (targetId === undefined) return this.#failed(rule.label, error);
      // Someone added targets besides the listener's own: the rule is ours, so remove them all and retry.
      try {
        await this.#removeTargets(rule, await this.#listTargets(rule));
        await this.#deleteRule(rule);
      } catch (retryError) {
        if (isNotFound(retryError)) return this.#removed('rule', rule.label);
        return this.#failed(rule.label, retryError);
      }
    }
    this.#removed('rule', rule.label);
  }

  async #unsubscribe(): Promise<void> {
    const arn = this.#resources.subscriptionArn;
    if (arn === undefined) return;
    const sns = this.#env.clients.get('sns');
    try {
      await this.#call(this.#env.limits.sns, () =>
        sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }), this.#sendOpts),
      );
    } catch (error) {
      if (!isNotFound(error)) return this.#failed(arn, error);
    }
    this.#removed('subscription', arn);
  }

  /** The queue's URL when it exists and carries the marker tag; else undefined (and why, recorded). */
  async #checkQueue(): Promise<string | undefined> {
    const resources = this.#resources;
    const parsed = resources.queueArn ? parseQueueArn(resources.queueArn) : undefined;
    const label = resources.queueUrl ?? resources.queueArn;
    if (label === undefined) return undefined;
    const sqs = this.#env.clients.get('sqs');
    try {
      const url =
        resources.queueUrl ??
        ((
          await this.#call(this.#env.limits.sqs, () =>
            sqs.send(
              new GetQueueUrlCommand({
                QueueName: parsed?.name ?? label,
                ...(parsed?.account ? { QueueOwnerAWSAccountId: parsed.account } : {}),
              }),
              this.#sendOpts,
            ),
          )
        ).QueueUrl as string);
      if (!this.#verified.queue) {
        const { Tags } = await this.#call(this.#env.limits.sqs, () =>
          sqs.send(new ListQueueTagsCommand({ QueueUrl: url }), this.#sendOpts),
        );
        if (!isManaged(Tags)) return void this.#failed(label, unmanagedError(label));
      }
      return url;
    } catch (error) {
      if (isNotFound(error)) this.#removed('queue', label);
      else this.#failed(label, error);
      return undefined;
    }
  }

  async #deleteQueue(queueUrl: string): Promise<void> {
    const sqs = this.#env.clients.get('sqs');
    try {
      await this.#call(this.#env.limits.sqs, () =>
        sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }), this.#sendOpts),
      );
    } catch (error) {
      if (!isNotFound(error)) return this.#failed(queueUrl, error);
    }
    this.#removed('queue', queueUrl);
  }
}

/** The CleanupError for a list of failures. */
export const cleanupError = (what: string, failures: readonly RemovalFailure[]): CleanupError =>
  new CleanupError(
    `Could not remove ${failures.length} resource(s) of ${what}: ` +
      failures.map((f) => `${f.resource} (${describeError(f.error)})`).join('; ') +
      '. Check the IAM permissions and the resources named here; `probe.sweep()` retries leftovers of earlier runs later.',
    failures,
    { cause: failures[0]?.error },
  );

/**
 * Removes what one listener created: RemoveTargets (FailedEntryCount checked), then DeleteRule on
 * the listener's bus, SNS Unsubscribe when there is a subscription, then DeleteQueue. Each step runs
 * on its own; a resource already gone counts as removed. Before deleting the queue or the rule, its
 * tags are read from SQS / EventBridge: a resource without the marker tag is never deleted and is
 * reported as a failure.
 *
 * IAM: sqs:ListQueueTags, sqs:DeleteQueue, sqs:GetQueueUrl (only without `queueUrl`),
 * events:ListTagsForResource, events:RemoveTargets, events:DeleteRule, events:DescribeRule (only
 * without `ruleArn`), events:ListTargetsByRule (only without `targetId`, or when others added
 * targets), sns:Unsubscribe (with `subscriptionArn`).
 *
 * @throws CleanupError listing every resource that could not be removed, with the reason.
 * @throws the caller's abort reason when `options.signal` aborts.
 */
export const removeListenerResources = async (
  clients: ClientSet,
  resources: ListenerResources,
  options: RemoveListenerResourcesOptions = {},
): Promise<void> => {
  options.signal?.throwIfAborted();
  const { failures } = await removeListener(simpleEnv(clients, options.signal), resources);
  options.signal?.throwIfAborted();
  if (failures.length > 0) throw cleanupError(`listener ${resources.listenerId}`, failures);
};
