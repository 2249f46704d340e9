import type { CompiledEventPattern } from '../../../events/pattern.js';
import { arn } from '../../core/arn.js';
import { AwsError } from '../../core/errors.js';
import type { InputTransformerSpec } from './input.js';

export const DEFAULT_BUS = 'default';

/** A target as stored: what the client sent (echoed by ListTargetsByRule). */
export interface EventTarget {
  readonly Id: string;
  readonly Arn: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformerSpec;
  readonly SqsParameters?: { readonly MessageGroupId?: string };
  /** Every field the client sent, as sent. */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface EventRule {
  readonly name: string;
  readonly busName: string;
  readonly arn: string;
  eventPattern: string | undefined;
  /** The pattern compiled once (cached per rule, replaced when the pattern changes). */
  matcher: CompiledEventPattern | undefined;
  scheduleExpression: string | undefined;
  state: string;
  description: string | undefined;
  roleArn: string | undefined;
  readonly tags: Map<string, string>;
  /** By id, in the order they were added. */
  readonly targets: Map<string, EventTarget>;
}

export interface EventBus {
  readonly name: string;
  readonly arn: string;
  readonly description: string | undefined;
  /** Epoch ms; 0 until first seen for the default bus. */
  creationTime: number;
  lastModifiedTime: number;
  readonly tags: Map<string, string>;
  readonly rules: Map<string, EventRule>;
}

export interface EventsState {
  readonly accountId: string;
  readonly region: string;
  readonly buses: Map<string, EventBus>;
}

export const busArn = (state: EventsState, name: string): string =>
  arn('events', state.region, state.accountId, `event-bus/${name}`);

export const ruleArn = (state: EventsState, busName: string, name: string): string =>
  arn('events', state.region, state.accountId, `rule/${busName === DEFAULT_BUS ? '' : `${busName}/`}${name}`);

export const newBus = (state: EventsState, name: string, now: number, description?: string): EventBus => ({
  name,
  arn: busArn(state, name),
  description,
  creationTime: now,
  lastModifiedTime: now,
  tags: new Map(),
  rules: new Map(),
});

export const createEventsState = (scope: { accountId: string; region: string }): EventsState => {
  const state: EventsState = { accountId: scope.accountId, region: scope.region, buses: new Map() };
  state.buses.set(DEFAULT_BUS, newBus(state, DEFAULT_BUS, 0));
  return state;
};

/** `name` or `arn:aws:events:...:event-bus/name` → name. */
export const busNameOf = (value: unknown): string => {
  if (typeof value !== 'string' || value === '') return DEFAULT_BUS;
  const m = /^arn:aws[\w-]*:events:[^:]*:\d*:event-bus\/(.+)$/.exec(value);
  return m ? (m[1] as string) : value;
};

export const busNotFound = (name: string): AwsError =>
  new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);

export const ruleNotFound = (name: string, busName: string): AwsError =>
  new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${busName}.`);

/** The bus, or ResourceNotFoundException. Fills the default bus's creation time on first use. */
export const getBus = (state: EventsState, nameOrArn: unknown, now: number): EventBus => {
  const name = busNameOf(nameOrArn);
  const bus = state.buses.get(name);
  if (!bus) throw busNotFound(name);
  if (bus.creationTime === 0) {
    bus.creationTime = now;
    bus.lastModifiedTime = now;
  }
  return bus;
};

export const getRule = (state: EventsState, input: Record<string, unknown>, now: number): EventRule => {
  const bus = getBus(state, input.EventBusName, now);
  const name = String(input.Name ?? input.Rule ?? '');
  const rule = bus.rules.get(name);
  if (!rule) throw ruleNotFound(name, bus.name);
  return rule;
};
