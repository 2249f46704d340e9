/** Evaluation of an SQS queue policy for a request, as IAM does for resource-based policies. */
import { parseArn } from '../../core/arn.js';

export interface PolicyRequest {
  /** `events.amazonaws.com`, or an account/ARN for AWS principals. */
  readonly principal: { readonly service?: string; readonly aws?: string };
  /** e.g. `sqs:SendMessage`. */
  readonly action: string;
  readonly resource: string;
  /** Condition keys, lower-cased (`aws:sourcearn`, `aws:sourceaccount`). */
  readonly context: Readonly<Record<string, string>>;
}

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

const asList = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

const strings = (value: unknown): string[] => asList(value).filter((v): v is string => typeof v === 'string');

/** IAM wildcard match: `*` any run, `?` one character. */
export const wildcardMatch = (pattern: string, value: string, ignoreCase = false): boolean => {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
};

const principalMatches = (principal: unknown, request: PolicyRequest['principal']): boolean => {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const p = principal as Record<string, unknown>;
  if (strings(p.AWS).includes('*')) return true;
  if (request.service !== undefined && strings(p.Service).includes(request.service)) return true;
  if (request.aws !== undefined) {
    const account = request.aws;
    return strings(p.AWS).some((a) => {
      if (a === account) return true;
      const parsed = parseArn(a);
      return parsed?.service === 'iam' && parsed.accountId === account && parsed.resource === 'root';
    });
  }
  return false;
};

const conditionOperator = (
  operator: string,
): { test: (pattern: string, value: string) => boolean; negated: boolean; ifExists: boolean } | undefined => {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const ops: Record<string, [(p: string, v: string) => boolean, boolean]> = {
    StringEquals: [(p, v) => p === v, false],
    StringNotEquals: [(p, v) => p === v, true],
    StringEqualsIgnoreCase: [(p, v) => p.toLowerCase() === v.toLowerCase(), false],
    StringNotEqualsIgnoreCase: [(p, v) => p.toLowerCase() === v.toLowerCase(), true],
    StringLike: [(p, v) => wildcardMatch(p, v), false],
    StringNotLike: [(p, v) => wildcardMatch(p, v), true],
    ArnEquals: [(p, v) => p === v, false],
    ArnNotEquals: [(p, v) => p === v, true],
    ArnLike: [(p, v) => wildcardMatch(p, v), false],
    ArnNotLike: [(p, v) => wildcardMatch(p, v), true],
  };
  const op = ops[base];
  return op ? { test: op[0], negated: op[1], ifExists } : undefined;
};

/** Every operator/key block must hold; within a key, any of the values may match. */
const conditionsHold = (condition: unknown, context: PolicyRequest['context']): boolean => {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    const op = conditionOperator(operator);
    if (!op || typeof block !== 'object' || block === null) return false;
    for (const [key, expected] of Object.entries(block as Record<string, unknown>)) {
      const actual = context[key.toLowerCase()];
      if (actual === undefined) {
        if (op.ifExists || op.negated) continue;
        return false;
      }
      const any = strings(expected).some((pattern) => op.test(pattern, actual));
      if (op.negated ? any : !any) return false;
    }
  }
  return true;
};

const statementMatches = (statement: Record<string, unknown>, request: PolicyRequest): boolean => {
  if (!principalMatches(statement.Principal, request.principal)) return false;
  if (!strings(statement.Action).some((a) => wildcardMatch(a, request.action, true))) return false;
  const resources = statement.Resource === undefined ? ['*'] : strings(statement.Resource);
  if (!resources.some((r) => wildcardMatch(r, request.resource))) return false;
  return conditionsHold(statement.Condition, request.context);
};

/** Evaluates a policy document (JSON text): an explicit Deny wins, then an Allow, else implicit deny. */
export const evaluatePolicy = (policy: string | undefined, request: PolicyRequest): PolicyDecision => {
  if (policy === undefined || policy === '') return 'implicit-deny';
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    return 'implicit-deny';
  }
  const statements = asList((doc as Record<string, unknown> | null)?.Statement).filter(
    (s): s is Record<string, unknown> => typeof s === 'object' && s !== null,
  );
  let allowed = false;
  for (const statement of statements) {
    if (!statementMatches(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
};
