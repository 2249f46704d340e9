import { EventProbeError, type EventProbeErrorOptions, InvalidInputError, TimeoutError } from '../errors.js';

/** One event that did not match, and why (the assertion's error, when the match function threw). */
export interface Miss {
  readonly event: unknown;
  readonly error?: unknown;
}

const MAX_SHOWN = 600;

/** A short, readable rendering of an event for error messages. */
export const preview = (value: unknown): string => {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} chars)` : text;
};

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message.replace(/\n[\s\S]*$/, '') : String(error);

/** The "closest misses" part of a message: the last few non-matching events and their assertion errors. */
export const describeMisses = (misses: readonly Miss[]): string =>
  misses
    .map(
      (m, i) =>
        `  ${i + 1}. ${preview(m.event)}${m.error === undefined ? '' : `\n     rejected: ${errorText(m.error)}`}`,
    )
    .join('\n');

/** No event matched before the time was up. */
export class EventTimeoutError extends TimeoutError {
  constructor(
    message: string,
    timeoutMs: number,
    /** How many events the listener had received when the wait ended. */
    readonly receivedCount: number,
    /** The last events that did not match (most recent last), with the assertion error when there was one. */
    readonly misses: readonly Miss[],
    /** Matching events found before the time was up (for waits for several events). */
    readonly matched: readonly unknown[] = [],
    options: EventProbeErrorOptions = {},
  ) {
    super(message, timeoutMs, options);
  }
}

/** `expectNoEvent` saw an event it should not have. */
export class UnexpectedEventError extends EventProbeError {
  constructor(
    message: string,
    /** The offending event. */
    readonly event: unknown,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The listener was stopped (or its queue removed) while something was waiting on it. */
export class ListenerStoppedError extends EventProbeError {
  constructor(
    message: string,
    readonly listenerId: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The event bus does not exist in the region the probe uses. */
export class EventBusNotFoundError extends InvalidInputError {
  constructor(
    readonly eventBusName: string,
    readonly region: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `Event bus "${eventBusName}" does not exist in ${region}. Check eventBusName and the region (AWS_REGION or the probe's region option). Nothing was created.`,
      'eventBusName',
      options,
    );
  }
}

/** The rule does not exist on the bus. */
export class RuleNotFoundError extends InvalidInputError {
  constructor(
    readonly ruleName: string,
    readonly eventBusName: string,
    readonly region: string,
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `Rule "${ruleName}" does not exist on event bus "${eventBusName}" in ${region}. Check ruleName and eventBusName (a rule belongs to one bus). Nothing was created.`,
      'ruleName',
      options,
    );
  }
}

/** The rule has no target with that id. */
export class TargetNotFoundError extends InvalidInputError {
  constructor(
    readonly targetId: string,
    readonly ruleName: string,
    /** The ids the rule does have. */
    readonly availableTargetIds: readonly string[],
    options: EventProbeErrorOptions = {},
  ) {
    super(
      `Rule "${ruleName}" has no target with id "${targetId}". ${
        availableTargetIds.length === 0
          ? 'It has no targets at all; omit targetId to receive the events untransformed.'
          : `Its target ids are: ${availableTargetIds.map((t) => `"${t}"`).join(', ')}.`
      } Nothing was created.`,
      'targetId',
      options,
    );
  }
}

/** The rule cannot be copied: it is schedule-only (no event pattern) or disabled. */
export class RuleNotCopyableError extends InvalidInputError {
  constructor(
    readonly ruleName: string,
    readonly reason: 'schedule-only' | 'disabled',
    options: EventProbeErrorOptions = {},
  ) {
    super(
      reason === 'schedule-only'
        ? `Rule "${ruleName}" has no event pattern (it runs on a schedule), so there is nothing to listen for. Pass eventPattern instead of ruleName. Nothing was created.`
        : `Rule "${ruleName}" is disabled, so its targets receive nothing; a copy would not tell you what they receive. Enable the rule, or pass eventPattern instead of ruleName. Nothing was created.`,
      'ruleName',
      options,
    );
  }
}

/** An error's message, for messages of our own that wrap it. */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
