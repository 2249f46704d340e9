/**
 * ARN parsing for the resources eventprobe creates and reads: event buses, rules, SQS queues.
 * Pure functions, no imports: cleanup, listeners and cloudformation all use these.
 */

/** A rule and the event bus it belongs to. */
export interface RuleReference {
  /** The bus name (`default` for the account's default bus), or the bus ARN when one was given. */
  readonly eventBusName: string;
  /** The rule's name. */
  readonly ruleName: string;
}

export const DEFAULT_BUS = 'default';
/** A rule ARN; group 1 is its path (`name`, or `bus/name` on a custom or partner bus). */
export const RULE_ARN_PATH = /^arn:[a-z0-9-]+:events:[a-z0-9-]*:\d{12}:rule\/(.+)$/;
/** An event bus ARN; group 1 is the bus name. */
export const BUS_ARN_PATH = /^arn:[a-z0-9-]+:events:[a-z0-9-]*:\d{12}:event-bus\/(.+)$/;

/** The name part of an event bus name or event bus ARN. */
export const busNameOf = (bus: string): string => BUS_ARN_PATH.exec(bus)?.[1] ?? bus;

/**
 * The bus and name of a rule ARN (`...:rule/<name>` on the default bus, `...:rule/<bus>/<name>`,
 * partner bus names with `/` included), or undefined when `arn` is not a well-formed rule ARN.
 */
export const ruleOfArn = (arn: string): RuleReference | undefined => {
  const path = RULE_ARN_PATH.exec(arn)?.[1];
  if (path === undefined) return undefined;
  const slash = path.lastIndexOf('/');
  const ruleName = path.slice(slash + 1);
  const eventBusName = slash < 0 ? DEFAULT_BUS : path.slice(0, slash);
  return ruleName === '' || eventBusName === '' ? undefined : { eventBusName, ruleName };
};

/** `{ bus, name }` of a rule ARN (see {@link ruleOfArn}), or undefined. */
export const parseRuleArn = (arn: string): { readonly bus: string; readonly name: string } | undefined => {
  const rule = ruleOfArn(arn);
  return rule && { bus: rule.eventBusName, name: rule.ruleName };
};

/** `{ account, name }` of an SQS queue ARN, or undefined. */
export const parseQueueArn = (
  arn: string,
): { readonly account: string; readonly name: string } | undefined => {
  const match = /^arn:[^:]+:sqs:[^:]*:([^:]*):([^:]+)$/.exec(arn);
  return match ? { account: match[1] as string, name: match[2] as string } : undefined;
};

/** `arn:partition:events:region:account:event-bus/name` → its parts (lenient: missing parts are empty). */
export const parseBusArn = (arn: string): { partition: string; region: string; account: string } => {
  const [, partition = 'aws', , region = '', account = ''] = arn.split(':');
  return { partition, region, account };
};
