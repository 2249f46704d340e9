/**
 * The setup of an EventBridge listener, as steps with their undo (run by `setup/engine.ts`):
 * (CreateQueue ∥ PutRule) → (PutTargets ∥ SetQueueAttributes) → readiness (when asked for).
 */
import {
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ListenerContext } from '../context.js';
import { EventProbeError } from '../errors.js';
import { LISTENER_TARGET_ID, resourceName } from '../resources/naming.js';
import { resourceTags, type Tags } from '../resources/tags.js';
import type { SetupStep } from '../setup/engine.js';
import { isThrottling, sendOptions, sleep } from '../wait/index.js';
import type { QueueListener } from './listener.js';
import { listenerQueueAttributes, listenerQueuePolicy } from './queue.js';
import { ResourceRecord } from './record.js';

/** What the listener copies from the bus and the rule (round 1: reads only, nothing is created). */
export interface EventBridgeSource {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The bus's name (as DescribeEventBus says). */
  readonly busName: string;
  readonly eventPattern: string;
  readonly copied: Pick<Target, 'Input' | 'InputPath' | 'InputTransformer'>;
}

/** What the listener's resources are made from: what was read, and the user's names and tags. */
export interface EventBridgeSetupInput extends EventBridgeSource {
  readonly id: string;
  /** The bus as the user gave it (name or ARN): what the API calls take. */
  readonly eventBusName: string;
  /** The rule copied, for the description. */
  readonly ruleName: string | undefined;
  readonly tags: Tags;
}

/** What the steps share: names and ARNs computed up front, and the rule ARN PutRule returned. */
interface Planned {
  readonly ctx: ListenerContext;
  readonly input: EventBridgeSetupInput;
  readonly record: ResourceRecord;
  readonly name: string;
  readonly ruleArn: string;
  readonly queueArn: string;
  readonly tags: Record<string, string>;
  actualRuleArn: string;
}

const createQueue = (p: Planned): SetupStep => ({
  name: 'CreateQueue',
  run: async (signal) => {
    const out = await p.ctx.clients.get('sqs').send(
      new CreateQueueCommand({
        QueueName: p.name,
        Attributes: listenerQueueAttributes('events.amazonaws.com', p.queueArn, p.ruleArn),
        tags: p.tags,
      }),
      sendOptions(signal),
    );
    p.record.update({ queueUrl: out.QueueUrl as string });
  },
  undo: p.record.undo('queueUrl', 'queueArn'),
});

const putRule = (p: Planned): SetupStep => ({
  name: 'PutRule',
  run: async (signal) => {
    const { input, ctx } = p;
    const out = await ctx.clients.get('eventBridge').send(
      new PutRuleCommand({
        Name: p.name,
        EventBusName: input.eventBusName,
        EventPattern: input.eventPattern,
        State: 'ENABLED',
        Description: `eventprobe listener ${input.id} (run ${ctx.runId})${input.ruleName ? `, copy of rule ${input.ruleName}` : ''}`,
        Tags: Object.entries(p.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
      sendOptions(signal),
    );
    p.actualRuleArn = out.RuleArn ?? p.ruleArn;
  },
  undo: p.record.undo('ruleName', 'ruleArn', 'eventBusName', 'targetId'),
});

/** The queue becomes the rule's only target (removing the rule removes it: no undo of its own). */
const putTargets = (p: Planned): SetupStep => ({
  name: 'PutTargets',
  after: ['CreateQueue', 'PutRule'],
  run: async (signal) => {
    const out = await p.ctx.clients.get('eventBridge').send(
      new PutTargetsCommand({
        Rule: p.name,
        EventBusName: p.input.eventBusName,
        Targets: [{ Id: LISTENER_TARGET_ID, Arn: p.queueArn, ...p.input.copied }],
      }),
      sendOptions(signal),
    );
    if (out.FailedEntryCount) {
      const failed = out.FailedEntries?.[0];
      throw new EventProbeError(
        `PutTargets rejected the listener's queue as a target: ${failed?.ErrorCode ?? 'unknown error'}: ${failed?.ErrorMessage ?? ''}`,
      );
    }
  },
});

/** Only when the computed rule ARN was off: the policy is corrected in the same round trip as PutTargets. */
const correctPolicy = (p: Planned): SetupStep => ({
  name: 'SetQueueAttributes',
  after: ['CreateQueue', 'PutRule'],
  run: async (signal) => {
    if (p.actualRuleArn === p.ruleArn) return;
    await p.ctx.clients.get('sqs').send(
      new SetQueueAttributesCommand({
        QueueUrl: p.record.current.queueUrl,
        Attributes: { Policy: listenerQueuePolicy('events.amazonaws.com', p.queueArn, p.actualRuleArn) },
      }),
      sendOptions(signal),
    );
  },
});

/**
 * The record (every name and ARN known in advance, recorded before anything exists) and the steps
 * that create the queue, the rule and the target.
 */
export const planEventBridgeSetup = (
  ctx: ListenerContext,
  input: EventBridgeSetupInput,
): { record: ResourceRecord; steps: SetupStep[] } => {
  const { id, partition, region, account, busName } = input;
  const name = resourceName(id);
  const ruleArn = `arn:${partition}:events:${region}:${account}:rule/${busName === 'default' ? '' : `${busName}/`}${name}`;
  const queueArn = `arn:${partition}:sqs:${region}:${account}:${name}`;
  const tags = resourceTags({
    listenerId: id,
    runId: ctx.runId,
    createdAt: new Date(ctx.clock.now()),
    userTags: input.tags,
  });
  const record = new ResourceRecord(ctx, {
    listenerId: id,
    kind: 'eventbridge',
    region,
    queueArn,
    ruleName: name,
    ruleArn,
    eventBusName: busName,
    targetId: LISTENER_TARGET_ID,
  });
  const plan: Planned = { ctx, input, record, name, ruleArn, queueArn, tags, actualRuleArn: ruleArn };
  const steps = [createQueue(plan), putRule(plan), putTargets(plan), correctPolicy(plan)];
  return { record, steps };
};

/** What the readiness check puts on the bus, and how long it waits. */
export interface ReadinessInput {
  readonly eventBusName: string;
  readonly readiness: {
    readonly event: {
      readonly source: string;
      readonly detailType: string;
      readonly resources?: readonly string[];
    };
    readonly timeout?: number;
    readonly interval?: number;
  };
  /** The event's detail, with the listener's marker in it. */
  readonly detail: Record<string, unknown>;
}

/**
 * The last step: builds the listener, then puts a marked event every `interval` until the listener
 * receives one (the new rule delivers) or `timeout`. Its undo stops the listener.
 */
export const readinessStep = (
  ctx: ListenerContext,
  input: ReadinessInput,
  /** Builds the listener (it must exist to receive the marked event). */
  build: () => Pick<QueueListener, 'awaitControl'>,
  halt: () => Promise<void> | undefined,
): SetupStep => ({
  name: 'readiness',
  after: ['PutTargets', 'SetQueueAttributes'],
  run: async (signal) => {
    const listener = build();
    const sending = new AbortController();
    const putting = putUntilAborted(ctx, input, sending.signal).catch((error: unknown): Promise<never> => {
      if (sending.signal.aborted) return new Promise<never>(() => {});
      throw error;
    });
    try {
      await Promise.race([listener.awaitControl(input.readiness.timeout ?? 60_000, signal), putting]);
    } finally {
      sending.abort();
    }
  },
  undo: async () => {
    await halt();
  },
});

/** Puts the readiness event every `interval` until aborted (the sleep then throws). */
const putUntilAborted = async (
  ctx: ListenerContext,
  input: ReadinessInput,
  signal: AbortSignal,
): Promise<never> => {
  const events = ctx.clients.get('eventBridge');
  const { event, interval } = input.readiness;
  const detail = JSON.stringify(input.detail);
  for (;;) {
    // A throttled put (after the SDK's own retries) is tried again at the next interval.
    const out = await events
      .send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: input.eventBusName,
              Source: event.source,
              DetailType: event.detailType,
              Detail: detail,
              Resources: [...(event.resources ?? [])],
            },
          ],
        }),
        { abortSignal: signal },
      )
      .catch((error: unknown) => {
        if (isThrottling(error) && !signal.aborted) return undefined;
        throw error;
      });
    if (out?.FailedEntryCount) {
      const entry = out.Entries?.[0];
      throw new EventProbeError(
        `PutEvents rejected the readiness event: ${entry?.ErrorCode ?? 'unknown'}: ${entry?.ErrorMessage ?? ''}`,
      );
    }
    await sleep(interval ?? 2_000, signal);
  }
};
