import { debuglog } from 'node:util';
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  type DescribeRuleCommandOutput,
  ListTargetsByRuleCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import type { ListenerContext } from '../context.js';
import { InvalidInputError, ListenerSetupError } from '../errors.js';
import { testEventPattern, validateEventPattern } from '../events/pattern.js';
import { parseBusArn } from '../resources/arn.js';
import { newListenerId, randomId } from '../resources/naming.js';
import { resolveRuleReference } from '../resources/rule-id.js';
import type { Tags } from '../resources/tags.js';
import { runSetup } from '../setup/engine.js';
import { positiveNumber } from '../validate.js';
import { errorName, sendOptions } from '../wait/index.js';
import {
  EventBusNotFoundError,
  errorMessage,
  RuleNotCopyableError,
  RuleNotFoundError,
  TargetNotFoundError,
} from './errors.js';
import { type EventBridgeSource, planEventBridgeSetup, readinessStep } from './eventbridge-setup.js';
import { QueueListener } from './listener.js';
import type { ReceivedEvent } from './message.js';
import { listenerUserTags } from './queue.js';
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

type Settled<T> = PromiseSettledResult<T>;

/** Reads the bus (where it is), the rule's pattern and the target's transformation, in parallel. */
const readSource = async (
  ctx: ListenerContext,
  v: Validated,
  signal: AbortSignal | undefined,
): Promise<EventBridgeSource> => {
  const events = ctx.clients.get('eventBridge');
  const sendOpts = sendOptions(signal);
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
  if (busOut.status === 'rejected') {
    if (errorName(busOut.reason) === 'ResourceNotFoundException') {
      throw new EventBusNotFoundError(v.eventBusName, await events.config.region(), { cause: busOut.reason });
    }
    throw new ListenerSetupError(
      `Could not read event bus "${v.eventBusName}" (DescribeEventBus): ${errorMessage(busOut.reason)}. Nothing was created.`,
      [],
      { cause: busOut.reason },
    );
  }
  const { partition, region, account } = parseBusArn(busOut.value.Arn ?? '');
  const busName = busOut.value.Name ?? v.eventBusName;
  const base = { partition, region, account, busName };
  if (v.ruleName === undefined) return { ...base, eventPattern: v.eventPattern as string, copied: {} };
  const eventPattern = copiedPattern(
    v.ruleName,
    busName,
    region,
    ruleOut as Settled<DescribeRuleCommandOutput>,
  );
  if (v.targetId === undefined) return { ...base, eventPattern, copied: {} };
  const targets = targetsOut as Settled<{ Targets?: Target[] } | undefined>;
  return { ...base, eventPattern, copied: copiedTransformation(v.ruleName, v.targetId, targets) };
};

/** The rule's pattern, or the typed error that says why it cannot be copied. */
const copiedPattern = (
  ruleName: string,
  busName: string,
  region: string,
  rule: Settled<DescribeRuleCommandOutput>,
): string => {
  if (rule.status === 'rejected') {
    if (errorName(rule.reason) === 'ResourceNotFoundException') {
      throw new RuleNotFoundError(ruleName, busName, region, { cause: rule.reason });
    }
    throw new ListenerSetupError(
      `Could not read rule "${ruleName}" (DescribeRule): ${errorMessage(rule.reason)}. Nothing was created.`,
      [],
      { cause: rule.reason },
    );
  }
  if (!rule.value.EventPattern) throw new RuleNotCopyableError(ruleName, 'schedule-only');
  if (rule.value.State === 'DISABLED') throw new RuleNotCopyableError(ruleName, 'disabled');
  return rule.value.EventPattern;
};

/** The target's Input / InputPath / InputTransformer, so the queue receives what the target receives. */
const copiedTransformation = (
  ruleName: string,
  targetId: string,
  targets: Settled<{ Targets?: Target[] } | undefined>,
): EventBridgeSource['copied'] => {
  if (targets.status === 'rejected') {
    throw new ListenerSetupError(
      `Could not list the targets of rule "${ruleName}" (ListTargetsByRule): ${errorMessage(targets.reason)}. Nothing was created.`,
      [],
      { cause: targets.reason },
    );
  }
  const list = targets.value?.Targets ?? [];
  const target = list.find((t) => t.Id === targetId);
  if (!target) {
    throw new TargetNotFoundError(
      targetId,
      ruleName,
      list.map((t) => t.Id ?? ''),
    );
  }
  return {
    ...(target.Input === undefined ? {} : { Input: target.Input }),
    ...(target.InputPath === undefined ? {} : { InputPath: target.InputPath }),
    ...(target.InputTransformer === undefined ? {} : { InputTransformer: target.InputTransformer }),
  };
};

/** Pause between automatic readiness events, in ms: short, as they reach no rule but the listener's. */
const AUTO_READINESS_INTERVAL = 250;

/** How the listener checks that its rule delivers: the marker event, its detail, the rule's pattern. */
interface ReadinessPlan {
  readonly readiness?: ReadinessOptions;
  readonly detail?: Record<string, unknown>;
  readonly eventPattern: string;
}

/** The readiness plan, after checking that the marker can reach the queue at all. */
const readinessPlanOf = (v: Validated, source: EventBridgeSource, token: string): ReadinessPlan => {
  if (v.readiness === 'off') return { eventPattern: source.eventPattern };
  if (v.readiness === 'auto') {
    const auto = autoReadiness(source.eventPattern, token, source.copied);
    if (!auto) return { eventPattern: source.eventPattern };
    return {
      readiness: { event: auto.event, interval: AUTO_READINESS_INTERVAL },
      detail: auto.event.detail,
      eventPattern: auto.eventPattern,
    };
  }
  if (source.copied.Input !== undefined) {
    throw new InvalidInputError(
      `readiness cannot be checked through target "${v.targetId}": its constant Input hides the readiness marker. Omit readiness (or targetId). Nothing was created.`,
      'readiness',
    );
  }
  const detail = { ...(v.readiness.event.detail ?? {}), 'eventprobe-readiness': token };
  const sample = readinessEnvelope(v.readiness.event, detail, source.region, source.account);
  if (!testEventPattern(source.eventPattern, sample)) {
    throw new InvalidInputError(
      `readiness.event does not match the listener's event pattern ${source.eventPattern}, so it would never arrive. Give a sample event the pattern matches. Nothing was created.`,
      'readiness.event',
    );
  }
  return { readiness: v.readiness, detail, eventPattern: source.eventPattern };
};

/**
 * Creates an EventBridge listener: a new rule on the bus (the copied or given pattern), a new SQS
 * queue as its only target. Three sequential round trips: (DescribeEventBus ∥ DescribeRule ∥
 * ListTargetsByRule) → (CreateQueue ∥ PutRule) → PutTargets; then readiness, when asked for.
 */
export const createEventBridgeListener = async <TDetail = unknown, TEvent = EventBridgeEvent<TDetail>>(
  ctx: ListenerContext,
  options: AddListenerOptions,
): Promise<QueueListener<TDetail, TEvent>> => {
  const v = validate(options, ctx.tags);
  const { signal } = options;
  signal?.throwIfAborted();
  const source = await readSource(ctx, v, signal);
  const id = newListenerId();
  const token = `eventprobe-readiness-${id}-${randomId(8)}`;
  const plan = readinessPlanOf(v, source, token);
  const readinessDetail = plan.detail;
  const setup = planEventBridgeSetup(ctx, {
    id,
    eventBusName: v.eventBusName,
    ruleName: v.ruleName,
    tags: v.tags,
    ...source,
    eventPattern: plan.eventPattern,
  });
  let listener: QueueListener<TDetail, TEvent> | undefined;
  const build = (): QueueListener<TDetail, TEvent> => {
    const resources = setup.record.current;
    debug(
      'listener %s: queue %s, rule %s on bus %s',
      id,
      resources.queueUrl,
      resources.ruleName,
      source.busName,
    );
    listener = new QueueListener<TDetail, TEvent>({
      id,
      resources,
      sqs: ctx.clients.get('sqs'),
      queueUrl: resources.queueUrl as string,
      clock: ctx.clock,
      remove: () => setup.record.remove(),
      onStop: () => ctx.listenerStopped(id),
      // Only a listener that put readiness events has any to drop: no scan of every body otherwise.
      ...(readinessDetail === undefined
        ? {}
        : { isControl: (entry: ReceivedEvent) => entry.raw.body.includes(token) }),
    });
    return listener;
  };
  const readiness = plan.readiness;
  const steps =
    readiness && readinessDetail
      ? [
          ...setup.steps,
          readinessStep(
            ctx,
            { eventBusName: v.eventBusName, readiness, detail: readinessDetail },
            build,
            () => listener?.halt(),
          ),
        ]
      : setup.steps;
  await runSetup({
    what: `listener ${id} on event bus "${source.busName}"`,
    steps,
    signal,
    undone: () => setup.record.forget(),
  });
  return listener ?? build();
};
