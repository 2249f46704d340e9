import { randomUUID } from 'node:crypto';
import type { OpContext, Operation } from '../../core/context.js';
import type { Emulator } from '../../core/emulator.js';
import { AwsError } from '../../core/errors.js';
import { invokeAsEventTarget } from '../lambda/event-target.js';
import { deliverToQueue, type InboundMessage } from '../sqs/delivery.js';
import { type EventEnvelope, targetBody } from './input.js';
import { liveRule } from './propagation.js';
import { busNameOf, type EventRule, type EventsState } from './state.js';
import { isoSeconds } from './validate.js';

type Op = Operation<EventsState>;

/** AWS's limit on the summed size of a PutEvents request's entries. */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

const utf8 = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** An entry's size as AWS counts it (Time counts 14 bytes). */
const entrySize = (e: Record<string, unknown>): number =>
  (e.Time !== undefined && e.Time !== null ? 14 : 0) +
  utf8(e.Source) +
  utf8(e.DetailType) +
  utf8(e.Detail) +
  (Array.isArray(e.Resources) ? e.Resources.reduce((n: number, r: unknown) => n + utf8(r), 0) : 0);

const javaValue = (value: unknown): string => {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(javaValue).join(', ')}]`;
  return String(value);
};

/** The entry as AWS's request validation prints it. */
const describeEntry = (e: Record<string, unknown>): string =>
  `PutEventsRequestEntry(time=${javaValue(e.Time)}, source=${javaValue(e.Source)}, resources=${javaValue(e.Resources)}, detailType=${javaValue(e.DetailType)}, detail=${javaValue(e.Detail)}, eventBusName=${javaValue(e.EventBusName)}, traceHeader=${javaValue(e.TraceHeader)}, kmsKeyIdentifier=null, internalMetadata=null)`;

const eventTimeMs = (time: unknown, now: number): number => {
  if (typeof time === 'number' && Number.isFinite(time)) return time * 1000;
  if (typeof time === 'string') {
    const ms = /^\d+(?:\.\d+)?$/.test(time) ? Number(time) * 1000 : Date.parse(time);
    if (Number.isFinite(ms)) return ms;
  }
  return now;
};

const missing = (name: string) => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${name} is not valid. Reason: ${name} is a required argument.`,
});

/**
 * Sends one event to every target of every enabled rule on its bus whose pattern matches. SQS
 * queues, Lambda functions and Step Functions state machines receive it; other target kinds (SNS,
 * Kinesis, ...) are accepted by PutTargets but delivery to them is a no-op in the emulator.
 */
const deliver = (
  emulator: Emulator,
  rules: readonly EventRule[],
  event: EventEnvelope,
  traceHeader: string | undefined,
  ingestionTime: string,
): void => {
  const now = emulator.now();
  for (const rule of rules) {
    // What matching sees of the rule: with a rule delay, its configuration of a moment ago.
    const live = liveRule(rule, now);
    if (!live?.enabled || !live.matcher) continue;
    let matched = false;
    try {
      matched = live.matcher(event);
    } catch {
      matched = false;
    }
    if (!matched) continue;
    for (const target of live.targets) {
      const lambda = /^arn:aws[\w-]*:lambda:([a-z0-9-]+):/.exec(target.Arn);
      const states = /^arn:aws[\w-]*:states:([a-z0-9-]+):\d{12}:stateMachine:/.exec(target.Arn);
      if (!lambda && !states && !/^arn:aws[\w-]*:sqs:/.test(target.Arn)) continue; // other targets: no-op
      const body = targetBody(target, event, { ruleName: rule.name, ruleArn: rule.arn, ingestionTime });
      if (body === undefined) continue;
      if (lambda) {
        void invokeAsEventTarget(emulator, target.Arn, body, { traceHeader });
        continue;
      }
      if (states) {
        startExecution(emulator, target.Arn, body, states[1] as string, traceHeader);
        continue;
      }
      const message: InboundMessage = {
        body,
        ...(traceHeader !== undefined ? { traceHeader } : {}),
        ...(target.SqsParameters?.MessageGroupId !== undefined
          ? { messageGroupId: target.SqsParameters.MessageGroupId }
          : {}),
        ...(target.Arn.endsWith('.fifo') ? { messageDeduplicationId: event.id } : {}),
      };
      // As on AWS, a queue that does not exist or whose policy refuses the rule just receives nothing.
      deliverToQueue(emulator, target.Arn, message, {
        principal: 'events.amazonaws.com',
        sourceArn: rule.arn,
      });
    }
  }
};

/**
 * A state machine target: a StartExecution with the target's input, when the emulator serves Step
 * Functions. As on AWS, a state machine that does not exist just receives nothing.
 */
const startExecution = (
  emulator: Emulator,
  stateMachineArn: string,
  input: string,
  region: string,
  traceHeader: string | undefined,
): void => {
  if (!emulator.service('states')) return;
  emulator
    .invoke(
      'states',
      'StartExecution',
      { stateMachineArn, input },
      { region, ...(traceHeader !== undefined ? { traceHeader } : {}) },
    )
    .catch(() => undefined);
};

export const putEvents: Op = (input, ctx: OpContext<EventsState>) => {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
    const list = Array.isArray(entries) ? entries : [];
    const printed = `[${list.map((e) => describeEntry(e as Record<string, unknown>)).join(', ')}]`;
    throw new AwsError(
      'ValidationException',
      Array.isArray(entries)
        ? `1 validation error detected: Value '${printed}' at 'entries' failed to satisfy constraint: Member must have length ${list.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10'}`
        : "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  const records = entries.map((e: unknown) =>
    e !== null && typeof e === 'object' ? (e as Record<string, unknown>) : {},
  );
  if (records.reduce((n, e) => n + entrySize(e), 0) > MAX_PUT_EVENTS_BYTES) {
    throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  const now = ctx.emulator.now();
  const ingestionTime = isoSeconds(now);
  const pending: { event: EventEnvelope; busName: string; traceHeader: string | undefined }[] = [];
  const results = records.map((e) => {
    if (typeof e.Source !== 'string' || e.Source === '') return missing('Source');
    if (typeof e.DetailType !== 'string' || e.DetailType === '') return missing('DetailType');
    if (typeof e.Detail !== 'string' || e.Detail === '') return missing('Detail');
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const id = randomUUID();
    const event: EventEnvelope = {
      version: '0',
      id,
      'detail-type': e.DetailType,
      source: e.Source,
      account: ctx.accountId,
      time: isoSeconds(eventTimeMs(e.Time, now)),
      region: ctx.region,
      resources: Array.isArray(e.Resources) ? e.Resources.map(String) : [],
      detail,
    };
    const traceHeader = typeof e.TraceHeader === 'string' ? e.TraceHeader : ctx.traceHeader;
    // An entry for a bus that does not exist is accepted and dropped, as AWS does.
    pending.push({ event, busName: busNameOf(e.EventBusName), traceHeader });
    return { EventId: id };
  });
  if (pending.length > 0) {
    const { emulator, state } = ctx;
    // Delivered right after the response is computed (asynchronous, as on AWS, but within a tick).
    setImmediate(() => {
      if (emulator.closing.aborted) return;
      for (const { event, busName, traceHeader } of pending) {
        const bus = state.buses.get(busName);
        if (bus) deliver(emulator, [...bus.rules.values()], event, traceHeader, ingestionTime);
      }
    });
  }
  return {
    FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
    Entries: results,
  };
};
