import type { Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import type { TaggedResource, TaggingHooks } from '../../core/service.js';
import { busNotFound, type EventsState, ruleNotFound } from './state.js';
import { tagList, tagsOut } from './validate.js';

type Op = Operation<EventsState>;

type Located = { kind: 'bus'; bus: string } | { kind: 'rule'; bus: string; rule: string };

/** Reads an EventBridge bus or rule ARN of this account and region; undefined when it is not one. */
const locate = (state: EventsState, arn: unknown): Located | undefined => {
  if (typeof arn !== 'string') return undefined;
  const m = /^arn:aws[\w-]*:events:([^:]*):(\d*):(event-bus|rule)\/(.+)$/.exec(arn);
  if (!m || m[1] !== state.region || m[2] !== state.accountId) return undefined;
  const path = m[4] as string;
  if (m[3] === 'event-bus') return { kind: 'bus', bus: path };
  const slash = path.lastIndexOf('/');
  return slash < 0
    ? { kind: 'rule', bus: 'default', rule: path }
    : { kind: 'rule', bus: path.slice(0, slash), rule: path.slice(slash + 1) };
};

/** The tag map of the resource an ARN names, or undefined. */
const tagsOf = (state: EventsState, located: Located): Map<string, string> | undefined => {
  const bus = state.buses.get(located.bus);
  if (located.kind === 'bus') return bus?.tags;
  return bus?.rules.get(located.rule)?.tags;
};

const resolve = (state: EventsState, arn: unknown): Map<string, string> => {
  const located = locate(state, arn);
  if (!located)
    throw new AwsError('ValidationException', `Parameter ResourceARN is not valid: ${String(arn)}`);
  const tags = tagsOf(state, located);
  if (tags) return tags;
  if (located.kind === 'bus' || !state.buses.has(located.bus)) throw busNotFound(located.bus);
  throw ruleNotFound(located.rule, located.bus);
};

export const tagResource: Op = (input, ctx) => {
  const tags = resolve(ctx.state, input.ResourceARN);
  for (const [k, v] of tagList(input.Tags)) tags.set(k, v);
  return {};
};

export const untagResource: Op = (input, ctx) => {
  const tags = resolve(ctx.state, input.ResourceARN);
  const keys = Array.isArray(input.TagKeys) ? input.TagKeys : [];
  for (const key of keys) tags.delete(String(key));
  return {};
};

export const listTagsForResource: Op = (input, ctx) => ({
  Tags: tagsOut(resolve(ctx.state, input.ResourceARN)),
});

/** Buses (`events:event-bus`) and rules (`events:rule`) for the Resource Groups Tagging API. */
export const eventsTagging: TaggingHooks<EventsState> = {
  list(state) {
    const out: TaggedResource[] = [];
    for (const bus of state.buses.values()) {
      out.push({ arn: bus.arn, resourceType: 'events:event-bus', tags: Object.fromEntries(bus.tags) });
      for (const rule of bus.rules.values()) {
        out.push({ arn: rule.arn, resourceType: 'events:rule', tags: Object.fromEntries(rule.tags) });
      }
    }
    return out;
  },
  tag(state, arn, tags) {
    const located = locate(state, arn);
    const target = located && tagsOf(state, located);
    if (!target) return false;
    for (const [k, v] of Object.entries(tags)) target.set(k, v);
    return true;
  },
  untag(state, arn, keys) {
    const located = locate(state, arn);
    const target = located && tagsOf(state, located);
    if (!target) return false;
    for (const key of keys) target.delete(key);
    return true;
  },
};
