import { debuglog } from 'node:util';
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  type DescribeRuleCommandOutput,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { removeListenerResources } from '../cleanup/remove.js';
import { resolveRuleReference } from '../cloudformation/rule-id.js';
import { positiveNumber } from '../config.js';
import { CleanupError, EventProbeError, InvalidInputError, ListenerSetupError } from '../errors.js';
import { testEventPattern, validateEventPattern } from '../events/pattern.js';
import type { ProbeContext } from '../probe.js';
import type { ListenerResources } from '../resources/listener-resources.js';
import { LISTENER_TARGET_ID, newListenerId, randomId, resourceName } from '../resources/naming.js';
import { resourceTags, type Tags } from '../resources/tags.js';
import { isThrottling, sleep } from '../wait/index.js';
import {
  EventBusNotFoundError,
  errorMessage,
  errorName,
  RuleNotCopyableError,
  RuleNotFoundError,
  TargetNotFoundError,
} from './errors.js';
import { QueueListener } from './listener.js';
import type { ReceivedEvent } from './message.js';
import { listenerQueueAttributes, listenerQueuePolicy, listenerUserTags } from './queue.js';
import { autoReadiness } from './readiness.js';
import type { EventBridgeEvent } from './types.js';

/** `NODE_DEBUG=eventprobe` shows listener setup and undo. */
const debug = debuglog('eventprobe');

/**
 * A sample event for the readiness check. It must match the listener's pattern; eventprobe adds
 * `detail["eventprobe-readiness"]` (a unique marker) and drops the deliveries that carry it.
 */
export interface ReadinessEvent {
  readonly source: string;
  readonly detailType: string;
  /** Default `{}`. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Default `[]`. */
  readonly resources?: readonly string[];
}

/**
 * Readiness: make sure the new rule already delivers before `addListener` returns.
 *
 * On AWS a new rule can take a few seconds to start matching. eventprobe cannot invent an event
 * your pattern matches (it is copied from your rule), so you supply one: `event` is put on the bus
 * (again every `interval` ms) until one copy reaches the listener's queue; those copies are never
 * shown to you. Trade-off: **the event goes to every rule on the bus that matches it, including
 * your system's own rule**, so choose a sample your system ignores or tolerates (e.g. a test
 * tenant). Deliveries are recognised by the marker in `detail`, so the copied target's input
 * transformation must keep `detail` (or the marker) visible; with a constant `Input` readiness is
 * refused. The local emulator applies rules at once, so readiness is off by default.
 */
export interface ReadinessOptions {
  readonly event: ReadinessEvent;
  /** Longest wait for the first delivery, in ms. Default 60 000. */
  readonly timeout?: number;
  /** Pause between readiness events, in ms. Default 2 000. */
  readonly interval?: number;
}

/** Options of `probe.addListener`. Give `ruleName` (copy a rule) or `eventPattern` (ad hoc), not both. */
export interface AddListenerOptions {
  /** The bus to listen on: name or ARN. Required, unless `ruleName` is a `bus|rule` id or a rule ARN. */
  readonly eventBusName?: string;
  /**
   * A rule on that bus whose event pattern the listener copies: its name, the `bus|rule` physical id
   * CloudFormation gives a rule on a custom bus (`!Ref` of the rule), or its ARN.
   */
  readonly ruleName?: string;
  /**
   * A target of `ruleName` whose Input / InputPath / InputTransformer the listener copies, so its
   * queue receives exactly what that target receives (why IATK asks for a target id). Default: none
   * (events arrive untransformed, as EventBridge envelopes).
   */
  readonly targetId?: string;
  /** An event pattern (JSON string or object) to use instead of a rule's. */
  readonly eventPattern?: string | Readonly<Record<string, unknown>>;
  /** Tags for this listener's resources, on top of the probe's tags. Default `{}`. */
  readonly tags?: Tags;
  /**
   * Wait until the new rule delivers before returning. `'auto'`: eventprobe's own marker event,
   * matched only by the listener's rule (whose pattern becomes `{"$or": [pattern, marker]}`), so
   * your system sees nothing; skipped when the copied target's constant `Input` (or a transformation
   * showing no `$.detail` field) would hide the marker. An object: your sample event (see
   * {@link ReadinessOptions}). Default: `'auto'` when the environment has
   * `EVENTPROBE_READINESS=auto` (recommended against AWS, where a new rule takes seconds to match),
   * else `'off'`.
   */
  readonly readiness?: ReadinessOptions | 'auto' | 'off';
  /** Cancels the setup; what was created is removed and the signal's reason is thrown. */
  readonly signal?: AbortSignal;
}

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256}$/;

const checkName = (option: string, value: unknown, what: string): string => {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new InvalidInputError(
      `${option} must be 1 to 64 letters, digits, ".", "-" or "_" (an EventBridge ${what}); got ${JSON.stringify(value)}.`,
      option,
    );
  }
  return value;
};

interface Validated {
  readonly eventBusName: string;
  readonly ruleName: string | undefined;
  readonly targetId: string | undefined;
  readonly eventPattern: string | undefined;
  readonly tags: Tags;
  readonly readiness: ReadinessOptions | 'auto' | 'off';
}

const validate = (options: AddListenerOptions, probeTags: Tags): Validated => {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('addListener needs an options object with eventBusName.', 'options');
  }
  const { targetId, eventPattern, readiness } = options;
  let { eventBusName, ruleName } = options;
  // A rule id as CloudFormation gives it (`bus|rule`) or a rule ARN names the bus too.
  if (typeof ruleName === 'string' && (ruleName.includes('|') || ruleName.startsWith('arn:'))) {
    const ref = resolveRuleReference(ruleName, eventBusName);
    ruleName = ref.ruleName;
    eventBusName ??= ref.eventBusName;
  }
  if (typeof eventBusName !== 'string' || !(BUS_NAME.test(eventBusName) || BUS_ARN.test(eventBusName))) {
    throw new InvalidInputError(
      `eventBusName must be an event bus name (1 to 256 letters, digits, "/", ".", "-" or "_") or ARN; got ${JSON.stringify(eventBusName)}.`,
      'eventBusName',
    );
  }
  if (ruleName !== undefined) checkName('ruleName', ruleName, 'rule name');
  if (targetId !== undefined) checkName('targetId', targetId, 'target id');
  if ((ruleName === undefined) === (eventPattern === undefined)) {
    throw new InvalidInputError(
      ruleName === undefined
        ? 'Pass ruleName (a rule whose pattern to copy) or eventPattern. Nothing was created.'
        : 'Pass ruleName or eventPattern, not both. Nothing was created.',
      ruleName === undefined ? 'ruleName' : 'eventPattern',
    );
  }
  if (targetId !== undefined && ruleName === undefined) {
    throw new InvalidInputError('targetId needs ruleName (the rule the target belongs to).', 'targetId');
  }
  let pattern: string | undefined;
  if (eventPattern !== undefined) {
    if (typeof eventPattern !== 'string' && (typeof eventPattern !== 'object' || eventPattern === null)) {
      throw new InvalidInputError('eventPattern must be a JSON string or an object.', 'eventPattern');
    }
    validateEventPattern(eventPattern);
    pattern = typeof eventPattern === 'string' ? eventPattern : JSON.stringify(eventPattern);
  }
  const tags = listenerUserTags(probeTags, options.tags);
  if (readiness !== undefined && readiness !== 'auto' && readiness !== 'off') {
    const event = readiness?.event;
    if (
      typeof event !== 'object' ||
      event === null ||
      typeof event.source !== 'string' ||
      typeof event.detailType !== 'string'
    ) {
      throw new InvalidInputError(
        'readiness.event must be { source, detailType, detail? }: a sample event the listener pattern matches.',
        'readiness.event',
      );
    }
    if (readiness.timeout !== undefined) positiveNumber('readiness.timeout', readiness.timeout);
    if (readiness.interval !== undefined) positiveNumber('readiness.interval', readiness.interval);
  }
  const mode = readiness ?? (process.env.EVENTPROBE_READINESS === 'auto' ? 'auto' : 'off');
  return { eventBusName, ruleName, targetId, eventPattern: pattern, tags, readiness: mode };
};

/** Pause between automatic readiness events, in ms: short, as they reach no rule but the listener's. */
const AUTO_READINESS_INTERVAL = 250;

/** `arn:partition:events:region:account:event-bus/name` → its parts. */
const parseBusArn = (arn: string): { partition: string; region: string; account: string } => {
  const [, partition = 'aws', , region = '', account = ''] = arn.split(':');
  return { partition, region, account };
};

const readinessEnvelope = (
  event: ReadinessEvent,
  detail: Record<string, unknown>,
  region: string,
  account: string,
): EventBridgeEvent<Record<string, unknown>> => ({
  version: '0',
  id: '00000000-0000-0000-0000-000000000000',
  'detail-type': event.detailType,
  source: event.source,
  account,
  time: new Date().toISOString(),
  region,
  resources: [...(event.resources ?? [])],
  detail,
});

/**
 * Creates an EventBridge listener: a new rule on the bus (the copied or given pattern), a new SQS
 * queue as its only target. Three sequential round trips: (DescribeEventBus ∥ DescribeRule ∥
 * ListTargetsByRule) → (CreateQueue ∥ PutRule) → PutTargets.
 */
export const createEventBridgeListener = async <TDetail = unknown, TEvent = EventBridgeEvent<TDetail>>(
  ctx: ProbeContext,
  options: AddListenerOptions,
): Promise<QueueListener<TDetail, TEvent>> => {
  const v = validate(options, ctx.tags);
  const { signal } = options;
  signal?.throwIfAborted();
  const events = ctx.clients.get('eventBridge');
  const sqs = ctx.clients.get('sqs');
  const sendOpts = signal ? { abortSignal: signal } : {};

  // Round 1: where the bus is (account, region), the rule's pattern, the target's transformation.
  const [busOut, ruleOut, targetsOut] = await Promise.allSettled([
    events.send(new DescribeEventBusCommand({ Name: v.eventBusName }), sendOpts),
    v.ruleName === undefined
      ? undefined
      : events.send(new DescribeRuleCommand({ Name: v.ruleName, EventBusName: v.eventBusName }), sendOpts),
    v.targetId === undefined
      ? undefined
      : events.send(
          new ListTargetsByRuleCommand({ Rule: v.ruleName, EventBusName: v.eventBusName, Limit: 100 }),
          sendOpts,
        ),
  ]);
  signal?.throwIfAborted();
  const region = async (): Promise<string> => await events.config.region();
  if (busOut.status === 'rejected') {
    if (errorName(busOut.reason) === 'ResourceNotFoundException') {
      throw new EventBusNotFoundError(v.eventBusName, await region(), { cause: busOut.reason });
    }
    throw new ListenerSetupError(
      `Could not read event bus "${v.eventBusName}" (DescribeEventBus): ${errorMessage(busOut.reason)}. Nothing was created.`,
      [],
      { cause: busOut.reason },
    );
  }
  const busArn = busOut.value.Arn ?? '';
  const { partition, region: busRegion, account } = parseBusArn(busArn);
  const busName = busOut.value.Name ?? v.eventBusName;
  let pattern = v.eventPattern;
  let copied: Pick<Target, 'Input' | 'InputPath' | 'InputTransformer'> = {};
  if (v.ruleName !== undefined) {
    const rule = ruleOut as PromiseSettledResult<DescribeRuleCommandOutput>;
    if (rule.status === 'rejected') {
      if (errorName(rule.reason) === 'ResourceNotFoundException') {
        throw new RuleNotFoundError(v.ruleName, busName, busRegion, { cause: rule.reason });
      }
      throw new ListenerSetupError(
        `Could not read rule "${v.ruleName}" (DescribeRule): ${errorMessage(rule.reason)}. Nothing was created.`,
        [],
        { cause: rule.reason },
      );
    }
    if (!rule.value.EventPattern) throw new RuleNotCopyableError(v.ruleName, 'schedule-only');
    if (rule.value.State === 'DISABLED') throw new RuleNotCopyableError(v.ruleName, 'disabled');
    pattern = rule.value.EventPattern;
    if (v.targetId !== undefined) {
      const targets = targetsOut as PromiseSettledResult<{ Targets?: Target[] } | undefined>;
      if (targets.status === 'rejected') {
        throw new ListenerSetupError(
          `Could not list the targets of rule "${v.ruleName}" (ListTargetsByRule): ${errorMessage(targets.reason)}. Nothing was created.`,
          [],
          { cause: targets.reason },
        );
      }
      const list = targets.value?.Targets ?? [];
      const target = list.find((t) => t.Id === v.targetId);
      if (!target) {
        throw new TargetNotFoundError(
          v.targetId,
          v.ruleName,
          list.map((t) => t.Id ?? ''),
        );
      }
      copied = {
        ...(target.Input === undefined ? {} : { Input: target.Input }),
        ...(target.InputPath === undefined ? {} : { InputPath: target.InputPath }),
        ...(target.InputTransformer === undefined ? {} : { InputTransformer: target.InputTransformer }),
      };
    }
  }
  const eventPattern = pattern as string;

  // Readiness needs an event the pattern matches and a transformation that keeps the marker visible.
  const id = newListenerId();
  const token = `eventprobe-readiness-${id}-${randomId(8)}`;
  let readinessDetail: Record<string, unknown> | undefined;
  let readiness: ReadinessOptions | undefined;
  let rulePattern = eventPattern;
  if (v.readiness === 'auto') {
    const auto = autoReadiness(eventPattern, token, copied);
    if (auto) {
      readiness = { event: auto.event, interval: AUTO_READINESS_INTERVAL };
      readinessDetail = auto.event.detail;
      rulePattern = auto.eventPattern;
    }
  } else if (v.readiness !== 'off') {
    readiness = v.readiness;
    if (copied.Input !== undefined) {
      throw new InvalidInputError(
        `readiness cannot be checked through target "${v.targetId}": its constant Input hides the readiness marker. Omit readiness (or targetId). Nothing was created.`,
        'readiness',
      );
    }
    readinessDetail = { ...(readiness.event.detail ?? {}), 'eventprobe-readiness': token };
    const sample = readinessEnvelope(readiness.event, readinessDetail, busRegion, account);
    if (!testEventPattern(eventPattern, sample)) {
      throw new InvalidInputError(
        `readiness.event does not match the listener's event pattern ${eventPattern}, so it would never arrive. Give a sample event the pattern matches. Nothing was created.`,
        'readiness.event',
      );
    }
  }

  const name = resourceName(id);
  const ruleArn = `arn:${partition}:events:${busRegion}:${account}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
  const queueArn = `arn:${partition}:sqs:${busRegion}:${account}:${name}`;
  const tags = resourceTags({
    listenerId: id,
    runId: ctx.runId,
    createdAt: new Date(ctx.clock.now()),
    userTags: v.tags,
  });
  // Recorded before anything exists, so a failure (or a crash) half-way leaves a complete record.
  let resources: ListenerResources = {
    listenerId: id,
    kind: 'eventbridge',
    region: busRegion,
    queueArn,
    ruleName: name,
    ruleArn,
    eventBusName: busName,
    targetId: LISTENER_TARGET_ID,
  };
  ctx.created.set(id, resources);
  let step = 'CreateQueue/PutRule';
  try {
    // Round 2: the queue and the rule, concurrently (the rule ARN is known in advance).
    const [queueOut, putRuleOut] = await Promise.allSettled([
      sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: listenerQueueAttributes('events.amazonaws.com', queueArn, ruleArn),
          tags,
        }),
        sendOpts,
      ),
      events.send(
        new PutRuleCommand({
          Name: name,
          EventBusName: v.eventBusName,
          EventPattern: rulePattern,
          State: 'ENABLED',
          Description: `eventprobe listener ${id} (run ${ctx.runId})${v.ruleName ? `, copy of rule ${v.ruleName}` : ''}`,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
        sendOpts,
      ),
    ]);
    if (queueOut.status === 'fulfilled') {
      resources = { ...resources, queueUrl: queueOut.value.QueueUrl as string };
      ctx.created.set(id, resources);
    }
    if (queueOut.status === 'rejected') {
      step = 'CreateQueue';
      throw queueOut.reason;
    }
    if (putRuleOut.status === 'rejected') {
      step = 'PutRule';
      throw putRuleOut.reason;
    }
    const actualRuleArn = putRuleOut.value.RuleArn ?? ruleArn;
    // Round 3: the queue becomes the rule's only target (and, only when the computed rule ARN was
    // off, the policy is corrected at the same time).
    step = 'PutTargets';
    const [targetOut, policyOut] = await Promise.allSettled([
      events.send(
        new PutTargetsCommand({
          Rule: name,
          EventBusName: v.eventBusName,
          Targets: [{ Id: LISTENER_TARGET_ID, Arn: queueArn, ...copied }],
        }),
        sendOpts,
      ),
      actualRuleArn === ruleArn
        ? undefined
        : sqs.send(
            new SetQueueAttributesCommand({
              QueueUrl: resources.queueUrl,
              Attributes: { Policy: listenerQueuePolicy('events.amazonaws.com', queueArn, actualRuleArn) },
            }),
            sendOpts,
          ),
    ]);
    if (targetOut.status === 'rejected') throw targetOut.reason;
    if (targetOut.value.FailedEntryCount) {
      const failed = targetOut.value.FailedEntries?.[0];
      throw new EventProbeError(
        `PutTargets rejected the listener's queue as a target: ${failed?.ErrorCode ?? 'unknown error'}: ${failed?.ErrorMessage ?? ''}`,
      );
    }
    if (policyOut.status === 'rejected') {
      step = 'SetQueueAttributes';
      throw policyOut.reason;
    }
  } catch (error) {
    throw await undo(ctx, resources, error, step, signal);
  }

  debug('listener %s: queue %s, rule %s on bus %s', id, resources.queueUrl, name, busName);
  const listener = new QueueListener<TDetail, TEvent>({
    id,
    resources,
    sqs,
    queueUrl: resources.queueUrl as string,
    clock: ctx.clock,
    remove: async () => {
      await removeListenerResources(ctx.clients, resources);
      ctx.created.delete(id);
    },
    // Only a listener that put readiness events has any to drop: no scan of every body otherwise.
    ...(readinessDetail === undefined
      ? {}
      : { isControl: (entry: ReceivedEvent) => entry.raw.body.includes(token) }),
  });

  if (readiness && readinessDetail) {
    const detail = JSON.stringify(readinessDetail);
    const sending = new AbortController();
    // Puts the readiness event every `interval` until aborted (the sleep then throws).
    const put = async (): Promise<never> => {
      for (;;) {
        // A throttled put (after the SDK's own retries) is tried again at the next interval.
        const out = await events
          .send(
            new PutEventsCommand({
              Entries: [
                {
                  EventBusName: v.eventBusName,
                  Source: readiness.event.source,
                  DetailType: readiness.event.detailType,
                  Detail: detail,
                  Resources: [...(readiness.event.resources ?? [])],
                },
              ],
            }),
            { abortSignal: sending.signal },
          )
          .catch((error: unknown) => {
            if (isThrottling(error) && !sending.signal.aborted) return undefined;
            throw error;
          });
        if (out?.FailedEntryCount) {
          const entry = out?.Entries?.[0];
          throw new EventProbeError(
            `PutEvents rejected the readiness event: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? ''}`,
          );
        }
        await sleep(readiness.interval ?? 2_000, sending.signal);
      }
    };
    const putting = put().catch((error: unknown): Promise<never> => {
      if (sending.signal.aborted) return new Promise<never>(() => {});
      throw error;
    });
    try {
      await Promise.race([listener.awaitControl(readiness.timeout ?? 60_000, signal), putting]);
    } catch (error) {
      sending.abort();
      await listener.halt();
      throw await undo(ctx, resources, error, 'readiness', signal);
    } finally {
      sending.abort();
    }
  }
  return listener;
};

/** Removes what a failed setup created and builds the error to throw (the caller's reason on abort). */
const undo = async (
  ctx: ProbeContext,
  resources: ListenerResources,
  error: unknown,
  step: string,
  signal: AbortSignal | undefined,
): Promise<unknown> => {
  debug('listener %s: setup failed at %s, undoing', resources.listenerId, step);
  let leftovers: string[] = [];
  try {
    await removeListenerResources(ctx.clients, resources);
    ctx.created.delete(resources.listenerId);
  } catch (cleanupError) {
    leftovers =
      cleanupError instanceof CleanupError
        ? cleanupError.failures.map((f) => f.resource)
        : /* v8 ignore next -- removeListenerResources only throws CleanupError without a signal */ [
            resources.queueUrl ?? resources.queueArn ?? resources.listenerId,
          ];
  }
  if (signal?.aborted) return signal.reason;
  return new ListenerSetupError(
    `Creating listener ${resources.listenerId} on event bus "${resources.eventBusName}" failed at ${step}: ${errorMessage(error)}. ` +
      (leftovers.length === 0
        ? 'Everything it had created was removed.'
        : `These could not be removed (probe.cleanup() or probe.sweep() will retry): ${leftovers.join(', ')}.`),
    leftovers,
    { cause: error },
  );
};
