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
  readonly kind: 'queue' | 'rule' | 'subscription';
  /** Queue URL, rule ARN (or `bus/name`), or subscription ARN. */
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
  readonly limits: { readonly sqs: Limiter; readonly eventBridge: Limiter; readonly sns: Limiter };
  readonly retry: RetryPolicy;
}

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
export const removeListener = async (
  env: RemovalEnv,
  resources: ListenerResources,
  verified: Verified = {},
): Promise<RemovalOutcome> => {
  const { clients, signal, limits, retry } = env;
  const { listenerId } = resources;
  const outcome: RemovalOutcome = { removed: [], failures: [] };
  const sendOpts = signal ? { abortSignal: signal } : {};
  const call = <T>(limit: Limiter, task: () => Promise<T>): Promise<T> =>
    limit(() => retryCall(task, { ...retry, signal }));
  const events = clients.get('eventBridge');
  const sqs = clients.get('sqs');
  const removed = (kind: RemovedResource['kind'], resource: string): void => {
    outcome.removed.push({ kind, resource, listenerId });
  };
  const failed = (resource: string, error: unknown): void => {
    if (signal?.aborted) throw signal.reason;
    outcome.failures.push({ resource, error });
  };

  const removeRule = async (): Promise<void> => {
    const parsed = resources.ruleArn ? parseRuleArn(resources.ruleArn) : undefined;
    const name = resources.ruleName ?? parsed?.name;
    if (name === undefined) return;
    const bus = resources.eventBusName ?? parsed?.bus ?? 'default';
    const label = resources.ruleArn ?? `rule ${bus}/${name}`;
    if (!verified.rule) {
      try {
        const arn =
          resources.ruleArn ??
          (
            await call(limits.eventBridge, () =>
              events.send(new DescribeRuleCommand({ Name: name, EventBusName: bus }), sendOpts),
            )
          ).Arn;
        const { Tags } = await call(limits.eventBridge, () =>
          events.send(new ListTagsForResourceCommand({ ResourceARN: arn }), sendOpts),
        );
        if (!isManaged(tagList(Tags))) return failed(label, unmanagedError(label));
      } catch (error) {
        if (isNotFound(error)) return removed('rule', label);
        return failed(label, error);
      }
    }
    const listTargets = async (): Promise<string[]> => {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const page = await call(limits.eventBridge, () =>
          events.send(
            new ListTargetsByRuleCommand({
              Rule: name,
              EventBusName: bus,
              ...(token ? { NextToken: token } : {}),
            }),
            sendOpts,
          ),
        );
        for (const t of page.Targets ?? []) if (t.Id) ids.push(t.Id);
        token = page.NextToken;
      } while (token);
      return ids;
    };
    const removeTargets = async (ids: string[]): Promise<void> => {
      if (ids.length === 0) return;
      const out = await call(limits.eventBridge, () =>
        events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: bus, Ids: ids }), sendOpts),
      );
      if (out.FailedEntryCount) {
        const entries = (out.FailedEntries ?? []).map(
          (e) => `${e.TargetId}: ${e.ErrorCode} ${e.ErrorMessage}`,
        );
        throw new EventProbeError(
          `RemoveTargets on ${label} failed for ${out.FailedEntryCount} target(s): ${entries.join('; ')}`,
        );
      }
    };
    const deleteRule = (): Promise<unknown> =>
      call(limits.eventBridge, () =>
        events.send(new DeleteRuleCommand({ Name: name, EventBusName: bus }), sendOpts),
      );
    try {
      await removeTargets(resources.targetId ? [resources.targetId] : await listTargets());
    } catch (error) {
      if (isNotFound(error)) return removed('rule', label);
      // The rule cannot be deleted while it has targets: report the targets and leave it.
      return failed(`${label} (targets)`, error);
    }
    try {
      await deleteRule();
    } catch (error) {
      if (isNotFound(error)) return removed('rule', label);
      if (resources.targetId === undefined) return failed(label, error);
      // Someone added targets besides the listener's own: the rule is ours, so remove them all and retry.
      try {
        await removeTargets(await listTargets());
        await deleteRule();
      } catch (retryError) {
        if (isNotFound(retryError)) return removed('rule', label);
        return failed(label, retryError);
      }
    }
    removed('rule', label);
  };

  const unsubscribe = async (): Promise<void> => {
    const arn = resources.subscriptionArn;
    if (arn === undefined) return;
    const sns = clients.get('sns');
    try {
      await call(limits.sns, () => sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }), sendOpts));
    } catch (error) {
      if (!isNotFound(error)) return failed(arn, error);
    }
    removed('subscription', arn);
  };

  // The queue's marker is read while the rule goes; the queue itself goes last.
  const checkQueue = async (): Promise<string | undefined> => {
    const parsed = resources.queueArn ? parseQueueArn(resources.queueArn) : undefined;
    const label = resources.queueUrl ?? resources.queueArn;
    if (label === undefined) return undefined;
    try {
      const url =
        resources.queueUrl ??
        ((
          await call(limits.sqs, () =>
            sqs.send(
              new GetQueueUrlCommand({
                QueueName: parsed?.name ?? label,
                ...(parsed?.account ? { QueueOwnerAWSAccountId: parsed.account } : {}),
              }),
              sendOpts,
            ),
          )
        ).QueueUrl as string);
      if (!verified.queue) {
        const { Tags } = await call(limits.sqs, () =>
          sqs.send(new ListQueueTagsCommand({ QueueUrl: url }), sendOpts),
        );
        if (!isManaged(Tags)) return void failed(label, unmanagedError(label));
      }
      return url;
    } catch (error) {
      if (isNotFound(error)) removed('queue', label);
      else failed(label, error);
      return undefined;
    }
  };

  const [queueUrl] = await Promise.all([checkQueue(), removeRule(), unsubscribe()]);
  if (queueUrl !== undefined) {
    try {
      await call(limits.sqs, () => sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }), sendOpts));
    } catch (error) {
      if (!isNotFound(error)) {
        failed(queueUrl, error);
        return outcome;
      }
    }
    removed('queue', queueUrl);
  }
  return outcome;
};

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
