import { InvalidInputError } from '../errors.js';
import { busNameOf, DEFAULT_BUS, RULE_ARN_PATH, type RuleReference, ruleOfArn } from './arn.js';

export type { RuleReference } from './arn.js';

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
  if (RULE_ARN_PATH.test(id)) {
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
  const explicitIdForm = ruleId.includes('|') || RULE_ARN_PATH.test(ruleId);
  if (explicitIdForm && busNameOf(eventBusName) !== busNameOf(parsed.eventBusName)) {
    throw new InvalidInputError(
      `${busOption} is "${eventBusName}" but the rule id "${ruleId}" names bus "${parsed.eventBusName}"; give one or make them agree`,
      busOption,
    );
  }
  return { eventBusName, ruleName: parsed.ruleName };
};
