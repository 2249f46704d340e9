import { InvalidEventPatternError } from '../../../errors.js';
import { type CompiledEventPattern, compileEventPattern } from '../../../events/pattern.js';
import type { Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { ruleChanged } from './propagation.js';
import { DEFAULT_BUS, type EventRule, type EventsState, getBus, getRule, ruleArn } from './state.js';
import { checkName, paginate, tagList, violationsError } from './validate.js';

type Op = Operation<EventsState>;

const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];
const SCHEDULE =
  /^(?:rate\(\s*[1-9]\d*\s+(?:minute|minutes|hour|hours|day|days)\s*\)|cron\(\s*\S+(?:\s+\S+){5}\s*\))$/;

/** Compiles a pattern, turning the matcher's error into AWS's InvalidEventPatternException. */
export const compilePattern = (pattern: string): CompiledEventPattern => {
  try {
    return compileEventPattern(pattern);
  } catch (err) {
    if (err instanceof InvalidEventPatternError) {
      throw new AwsError('InvalidEventPatternException', err.message);
    }
    throw err;
  }
};

const ruleOut = (rule: EventRule): Record<string, unknown> => ({
  Name: rule.name,
  Arn: rule.arn,
  ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
  ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
  State: rule.state,
  ...(rule.description !== undefined ? { Description: rule.description } : {}),
  ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
  EventBusName: rule.busName,
});

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

export const putRule: Op = (input, ctx) => {
  const name = checkName(input.Name, 'name');
  const bus = getBus(ctx.state, input.EventBusName, ctx.emulator.now());
  const state = input.State === undefined ? 'ENABLED' : input.State;
  if (typeof state !== 'string' || !RULE_STATES.includes(state)) {
    throw violationsError([
      {
        value: state,
        at: 'state',
        constraint: `Member must satisfy enum value set: [${RULE_STATES.join(', ')}]`,
      },
    ]);
  }
  const eventPattern = optionalString(input.EventPattern);
  const scheduleExpression = optionalString(input.ScheduleExpression);
  if (eventPattern === undefined && scheduleExpression === undefined) {
    throw new AwsError(
      'ValidationException',
      'Parameter(s) EventPattern or ScheduleExpression must be specified.',
    );
  }
  if (scheduleExpression !== undefined) {
    if (bus.name !== DEFAULT_BUS) {
      throw new AwsError(
        'ValidationException',
        'ScheduleExpression is supported only on the default event bus.',
      );
    }
    if (!SCHEDULE.test(scheduleExpression)) {
      throw new AwsError('ValidationException', 'Parameter ScheduleExpression is not valid.');
    }
  }
  const matcher = eventPattern !== undefined ? compilePattern(eventPattern) : undefined;
  const tags = tagList(input.Tags);
  let rule = bus.rules.get(name);
  if (!rule) {
    rule = {
      name,
      busName: bus.name,
      arn: ruleArn(ctx.state, bus.name, name),
      eventPattern,
      matcher,
      scheduleExpression,
      state,
      description: undefined,
      roleArn: undefined,
      tags: new Map(),
      targets: new Map(),
    };
    bus.rules.set(name, rule);
  }
  rule.eventPattern = eventPattern;
  rule.matcher = matcher;
  rule.scheduleExpression = scheduleExpression;
  rule.state = state;
  rule.description = typeof input.Description === 'string' ? input.Description : undefined;
  rule.roleArn = optionalString(input.RoleArn);
  for (const [k, v] of tags) rule.tags.set(k, v);
  ruleChanged(rule, ctx);
  return { RuleArn: rule.arn };
};

export const describeRule: Op = (input, ctx) => {
  const rule = getRule(ctx.state, input, ctx.emulator.now());
  return { ...ruleOut(rule), CreatedBy: ctx.accountId };
};

export const listRules: Op = (input, ctx) => {
  const bus = getBus(ctx.state, input.EventBusName, ctx.emulator.now());
  const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
  const rules = [...bus.rules.values()]
    .filter((r) => r.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, nextToken } = paginate(rules, input.Limit, input.NextToken);
  return { Rules: page.map(ruleOut), ...(nextToken ? { NextToken: nextToken } : {}) };
};

export const deleteRule: Op = (input, ctx) => {
  const name = checkName(input.Name, 'name');
  const bus = getBus(ctx.state, input.EventBusName, ctx.emulator.now());
  const rule = bus.rules.get(name);
  if (!rule) return {};
  if (rule.targets.size > 0) {
    throw new AwsError('ValidationException', "Rule can't be deleted since it has targets.");
  }
  bus.rules.delete(name);
  return {};
};

const setState =
  (state: string): Op =>
  (input, ctx) => {
    const rule = getRule(ctx.state, input, ctx.emulator.now());
    rule.state = state;
    ruleChanged(rule, ctx);
    return {};
  };

export const enableRule = setState('ENABLED');
export const disableRule = setState('DISABLED');

export const listRuleNamesByTarget: Op = (input, ctx) => {
  const bus = getBus(ctx.state, input.EventBusName, ctx.emulator.now());
  const arn = input.TargetArn;
  if (typeof arn !== 'string' || arn === '') {
    throw violationsError([{ value: null, at: 'targetArn', constraint: 'Member must not be null' }]);
  }
  const names = [...bus.rules.values()]
    .filter((r) => [...r.targets.values()].some((t) => t.Arn === arn))
    .map((r) => r.name)
    .sort();
  const { page, nextToken } = paginate(names, input.Limit, input.NextToken);
  return { RuleNames: page, ...(nextToken ? { NextToken: nextToken } : {}) };
};

const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

export const testEventPattern: Op = (input) => {
  const pattern = typeof input.EventPattern === 'string' ? input.EventPattern : '';
  let event: unknown;
  try {
    event = JSON.parse(typeof input.Event === 'string' ? input.Event : '');
  } catch {
    throw new AwsError('ValidationException', 'Parameter Event is not valid.');
  }
  if (
    event === null ||
    typeof event !== 'object' ||
    Array.isArray(event) ||
    REQUIRED_EVENT_FIELDS.some((f) => !Object.hasOwn(event as object, f))
  ) {
    throw new AwsError('ValidationException', 'Parameter Event is not valid.');
  }
  return { Result: compilePattern(pattern)(event) };
};
