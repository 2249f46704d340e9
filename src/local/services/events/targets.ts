import type { Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import {
  type InputTransformerSpec,
  PREDEFINED_VARIABLES,
  parseJsonPath,
  templatePlaceholders,
} from './input.js';
import { ruleChanged } from './propagation.js';
import { type EventsState, type EventTarget, getRule } from './state.js';
import { nameViolations, paginate, type Violation, violationsError } from './validate.js';

type Op = Operation<EventsState>;

/** At most this many targets per rule (AWS's quota). */
export const MAX_TARGETS_PER_RULE = 5;

/**
 * Services EventBridge accepts as targets. Only SQS targets receive events in the emulator;
 * the others are stored and listed, and delivery to them is a no-op.
 */
const TARGET_SERVICES = new Set([
  'sqs',
  'sns',
  'lambda',
  'kinesis',
  'firehose',
  'states',
  'events',
  'logs',
  'ecs',
  'batch',
  'codebuild',
  'codepipeline',
  'ssm',
  'sagemaker',
  'redshift',
  'execute-api',
  'apigateway',
  'inspector',
  'ec2',
  'autoscaling',
  'glue',
  'scheduler',
]);

interface FailedEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Per-entry problems of a target (reported in FailedEntries, the others are still put). */
const entryProblem = (t: Record<string, unknown>): string | undefined => {
  const arn = t.Arn;
  const m = typeof arn === 'string' ? /^arn:aws[\w-]*:([a-z0-9-]+):[^:]*:[^:]*:.+$/.exec(arn) : null;
  if (!m) return `Parameter ${String(arn)} is not valid. Reason: Provided Arn is not in correct format.`;
  if (!TARGET_SERVICES.has(m[1] as string))
    return `Parameter ${String(arn)} is not valid. Reason: Unsupported target type.`;
  if (t.Input !== undefined) {
    if (typeof t.Input !== 'string') return 'Input is not valid JSON text.';
    try {
      JSON.parse(t.Input);
    } catch {
      return 'Input is not valid JSON text.';
    }
  }
  if (t.InputPath !== undefined && (typeof t.InputPath !== 'string' || !parseJsonPath(t.InputPath))) {
    return `InputPath ${String(t.InputPath)} is not a valid JSON path.`;
  }
  if (t.InputTransformer !== undefined) {
    const paths = (t.InputTransformer as Record<string, unknown>).InputPathsMap ?? {};
    if (!isRecord(paths)) return 'InputPathsMap must be a map.';
    for (const [key, path] of Object.entries(paths)) {
      if (key.startsWith('aws.')) return `InputPathsMap key ${key} is reserved.`;
      if (typeof path !== 'string' || !parseJsonPath(path))
        return `InputPathsMap value ${String(path)} is not a valid JSON path.`;
    }
  }
  return undefined;
};

export const putTargets: Op = (input, ctx) => {
  const rule = getRule(ctx.state, input, ctx.emulator.now());
  const targets = input.Targets;
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > 10) {
    throw violationsError([
      {
        value: Array.isArray(targets) ? '[...]' : null,
        at: 'targets',
        constraint: Array.isArray(targets)
          ? `Member must have length ${targets.length === 0 ? 'greater than or equal to 1' : 'less than or equal to 10'}`
          : 'Member must not be null',
      },
    ]);
  }
  const entries = targets.map((t: unknown) => (isRecord(t) ? t : {}));
  // Request-level checks: any failure rejects the whole call, as on AWS.
  const violations: Violation[] = entries.flatMap((t, i) =>
    nameViolations(t.Id, `targets.${i + 1}.member.id`),
  );
  if (violations.length > 0) throw violationsError(violations);
  for (const t of entries) {
    const kinds = ['Input', 'InputPath', 'InputTransformer'].filter((k) => t[k] !== undefined);
    if (kinds.length > 1) {
      throw new AwsError(
        'ValidationException',
        `Only one of Input, InputPath, or InputTransformer must be provided for target ${String(t.Id)}.`,
      );
    }
    if (t.InputTransformer !== undefined) {
      const transformer = isRecord(t.InputTransformer) ? t.InputTransformer : {};
      if (typeof transformer.InputTemplate !== 'string') {
        throw violationsError([
          {
            value: null,
            at: 'targets.member.inputTransformer.inputTemplate',
            constraint: 'Member must not be null',
          },
        ]);
      }
      const known = new Set<string>([
        ...PREDEFINED_VARIABLES,
        ...Object.keys(isRecord(transformer.InputPathsMap) ? transformer.InputPathsMap : {}),
      ]);
      const unknown = templatePlaceholders(transformer.InputTemplate).find((p) => !known.has(p));
      if (unknown !== undefined) {
        throw new AwsError(
          'ValidationException',
          `InputTemplate for target ${String(t.Id)} contains invalid placeholder ${unknown}.`,
        );
      }
    }
  }
  const failed: FailedEntry[] = [];
  const accepted: Record<string, unknown>[] = [];
  for (const t of entries) {
    const problem = entryProblem(t);
    if (problem === undefined) accepted.push(t);
    else failed.push({ TargetId: t.Id as string, ErrorCode: 'ValidationException', ErrorMessage: problem });
  }
  const newIds = new Set(accepted.map((t) => t.Id as string).filter((id) => !rule.targets.has(id)));
  if (rule.targets.size + newIds.size > MAX_TARGETS_PER_RULE) {
    throw new AwsError(
      'LimitExceededException',
      'The requested resource exceeds the maximum number allowed.',
    );
  }
  for (const t of accepted) {
    const target: EventTarget = {
      Id: t.Id as string,
      Arn: t.Arn as string,
      ...(t.Input !== undefined ? { Input: t.Input as string } : {}),
      ...(t.InputPath !== undefined ? { InputPath: t.InputPath as string } : {}),
      ...(t.InputTransformer !== undefined
        ? { InputTransformer: t.InputTransformer as InputTransformerSpec }
        : {}),
      ...(isRecord(t.SqsParameters) ? { SqsParameters: t.SqsParameters as { MessageGroupId?: string } } : {}),
      raw: { ...t },
    };
    rule.targets.set(target.Id, target);
  }
  ruleChanged(rule, ctx);
  return { FailedEntryCount: failed.length, FailedEntries: failed };
};

export const listTargetsByRule: Op = (input, ctx) => {
  const rule = getRule(ctx.state, input, ctx.emulator.now());
  const { page, nextToken } = paginate([...rule.targets.values()], input.Limit, input.NextToken);
  return { Targets: page.map((t) => t.raw), ...(nextToken ? { NextToken: nextToken } : {}) };
};

export const removeTargets: Op = (input, ctx) => {
  const rule = getRule(ctx.state, input, ctx.emulator.now());
  const ids = input.Ids;
  if (!Array.isArray(ids) || ids.length === 0) {
    throw violationsError([{ value: null, at: 'ids', constraint: 'Member must not be null' }]);
  }
  for (const id of ids) rule.targets.delete(String(id));
  ruleChanged(rule, ctx);
  return { FailedEntryCount: 0, FailedEntries: [] };
};
