import { InvalidInputError } from '../errors.js';

/** A rule and the event bus it belongs to. */
export interface RuleReference {
  /** The bus name (`default` for the account's default bus), or the bus ARN when one was given. */
  readonly eventBusName: string;
  /** The rule's name. */
  readonly ruleName: string;
}

const DEFAULT_BUS = 'default';
const RULE_ARN = /^arn:[a-z0-9-]+:events:[a-z0-9-]*:\d{12}:rule\/(.+)$/;
const BUS_ARN = /^arn:[a-z0-9-]+:events:[a-z0-9-]*:\d{12}:event-bus\/(.+)$/;

/** The name part of an event bus name or event bus ARN. */
const busNameOf = (bus: string): string => BUS_ARN.exec(bus)?.[1] ?? bus;

/**
 * The bus and name of a rule ARN (`...:rule/<name>` on the default bus, `...:rule/<bus>/<name>`,
 * partner bus names with `/` included), or undefined when `arn` is not a well-formed rule ARN.
 */
export const ruleOfArn = (arn: string): RuleReference | undefined => {
  const path = RULE_ARN.exec(arn)?.[1];
  if (path === undefined) return undefined;
  const slash = path.lastIndexOf('/');
  const ruleName = path.slice(slash + 1);
  const eventBusName = slash < 0 ? DEFAULT_BUS : path.slice(0, slash);
  return ruleName === '' || eventBusName === '' ? undefined : { eventBusName, ruleName };
};

/**
 * Understands every way a rule is identified and returns its bus and name:
 * - a rule name (`my-rule`): a rule on the default bus;
 * - CloudFormation's physical id of a rule on a custom bus (`my-bus|my-rule`, what `Ref` of an
 *   `AWS::Events::Rule` gives and what DescribeStackResource returns);
 * - a rule ARN, `arn:aws:events:<region>:<account>:rule/<name>` (default bus) or
 *   `arn:aws:events:<region>:<account>:rule/<bus>/<name>` (partner bus names with `/` included).
 *
 * @param id The rule id, in any of the forms above.
 * @param option The option name reported when `id` is not valid. Default `ruleName`.
 * @throws InvalidInputError when `id` is empty or malformed (names `option`).
 */
export const parseRuleId = (id: string, option = 'ruleName'): RuleReference => {
  const invalid = (why: string) =>
    new InvalidInputError(
      `${option} must be a rule name, "bus|rule" (a CloudFormation physical id) or a rule ARN; ${why}`,
      option,
    );
  if (typeof id !== 'string' || id.trim() === '') throw invalid(`got ${JSON.stringify(id)}`);
  if (RULE_ARN.test(id)) {
    const rule = ruleOfArn(id);
    if (!rule) throw invalid(`the ARN "${id}" has an empty bus or rule name`);
    return rule;
  }
  if (id.startsWith('arn:')) throw invalid(`"${id}" is not an EventBridge rule ARN`);
  const parts = id.split('|');
  if (parts.length === 1) return { eventBusName: DEFAULT_BUS, ruleName: id };
  const [bus, rule] = parts as [string, string];
  if (parts.length > 2 || bus === '' || rule === '') throw invalid(`"${id}" is not of the form "bus|rule"`);
  return { eventBusName: bus, ruleName: rule };
};

/**
 * The CloudFormation physical id of a rule: its name on the default bus, `bus|rule` on any other
 * bus (the inverse of {@link parseRuleId}).
 *
 * @param rule The rule; `eventBusName` may be a bus name or a bus ARN.
 */
export const ruleIdOf = (rule: RuleReference): string => {
  const bus = busNameOf(rule.eventBusName);
  return bus === DEFAULT_BUS ? rule.ruleName : `${bus}|${rule.ruleName}`;
};

/**
 * Combines a rule id (any form {@link parseRuleId} accepts) with an explicit event bus option,
 * as a function that takes `ruleName` and `eventBusName` options does.
 *
 * @param ruleId The rule name, `bus|rule` id or rule ARN.
 * @param eventBusName The bus option, if the caller gave one (name or ARN). Default: the bus of
 *   the id (`default` for a bare name).
 * @param options.ruleOption Option name reported for a bad `ruleId`. Default `ruleName`.
 * @param options.busOption Option name reported when the bus option contradicts the id. Default `eventBusName`.
 * @throws InvalidInputError when the id is malformed, or names a different bus than `eventBusName`.
 */
export const resolveRuleReference = (
  ruleId: string,
  eventBusName?: string,
  options: { readonly ruleOption?: string; readonly busOption?: string } = {},
): RuleReference => {
  const busOption = options.busOption ?? 'eventBusName';
  const parsed = parseRuleId(ruleId, options.ruleOption ?? 'ruleName');
  if (eventBusName === undefined) return parsed;
  if (typeof eventBusName !== 'string' || eventBusName.trim() === '') {
    throw new InvalidInputError(
      `${busOption} must be a non-empty bus name or ARN, got ${JSON.stringify(eventBusName)}`,
      busOption,
    );
  }
  const explicitIdForm = ruleId.includes('|') || RULE_ARN.test(ruleId);
  if (explicitIdForm && busNameOf(eventBusName) !== busNameOf(parsed.eventBusName)) {
    throw new InvalidInputError(
      `${busOption} is "${eventBusName}" but the rule id "${ruleId}" names bus "${parsed.eventBusName}"; give one or make them agree`,
      busOption,
    );
  }
  return { eventBusName, ruleName: parsed.ruleName };
};
