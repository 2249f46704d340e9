/**
 * `AWS::StepFunctions::StateMachine`: DefinitionString, Definition (an object), and
 * DefinitionSubstitutions (`${Name}` placeholders); Ref is the ARN, GetAtt Arn/Name/StateMachineRevisionId.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../../core/errors.js';
import type { ProviderContext as Ctx, Deployed, ResourceProvider } from './kit.js';

type Props = Record<string, unknown>;

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** CloudFormation's generated state machine name: `<LogicalId>-<12 random>`. */
const generatedName = (logicalId: string): string => {
  const random = [...randomBytes(12)].map((b) => CHARS[b % CHARS.length]).join('');
  return `${logicalId.slice(0, 80 - 13)}-${random}`;
};

const invalid = (message: string): AwsError => new AwsError('ValidationError', message, 400);

/** The definition text with `${Name}` replaced by DefinitionSubstitutions. */
export const definitionOf = (props: Props, logicalId: string): string => {
  let text: string;
  if (typeof props.DefinitionString === 'string') text = props.DefinitionString;
  else if (typeof props.Definition === 'object' && props.Definition !== null)
    text = JSON.stringify(props.Definition);
  else if (props.DefinitionS3Location !== undefined) {
    throw invalid(
      `Resource ${logicalId}: DefinitionS3Location is not supported by the eventprobe emulator; inline the definition with Definition or DefinitionString.`,
    );
  } else throw invalid(`Resource ${logicalId}: one of Definition or DefinitionString is required.`);
  const subs = props.DefinitionSubstitutions;
  if (typeof subs === 'object' && subs !== null) {
    for (const [key, value] of Object.entries(subs)) {
      const replacement = typeof value === 'string' ? value : JSON.stringify(value);
      text = text.split(`\${${key}}`).join(replacement);
    }
  }
  return text;
};

const common = (props: Props, ctx: Ctx): Record<string, unknown> => ({
  definition: definitionOf(props, ctx.logicalId),
  roleArn: props.RoleArn,
  ...(props.LoggingConfiguration !== undefined
    ? { loggingConfiguration: lower(props.LoggingConfiguration) }
    : {}),
  tracingConfiguration: {
    enabled: (props.TracingConfiguration as { Enabled?: unknown } | undefined)?.Enabled === true,
  },
});

/** CloudFormation's PascalCase property objects to the API's camelCase members. */
const lower = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(lower);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [`${k[0]?.toLowerCase()}${k.slice(1)}`, lower(v)]),
  );
};

const deployed = (arn: string, name: string, revisionId: unknown): Deployed => ({
  physicalId: arn,
  ref: arn,
  attributes: { Arn: arn, Name: name, StateMachineRevisionId: revisionId ?? arn },
});

export const stateMachineProvider: ResourceProvider = {
  service: 'states',
  nameProperty: 'StateMachineName',
  replaceOn: ['StateMachineName', 'StateMachineType'],
  async create(props: Props, ctx: Ctx): Promise<Deployed> {
    const name =
      typeof props.StateMachineName === 'string' ? props.StateMachineName : generatedName(ctx.logicalId);
    const tags = new Map<string, string>();
    for (const t of [
      ...ctx.stackTags,
      ...((Array.isArray(props.Tags) ? props.Tags : []) as { Key: string; Value: string }[]),
    ]) {
      tags.set(String(t.Key), String(t.Value));
    }
    const out = await ctx.invoke('states', 'CreateStateMachine', {
      name,
      type: props.StateMachineType ?? 'STANDARD',
      ...common(props, ctx),
      tags: [...tags].map(([key, value]) => ({ key, value })),
    });
    const arn = String(out.stateMachineArn);
    const described = await ctx.invoke('states', 'DescribeStateMachine', { stateMachineArn: arn });
    return deployed(arn, name, described.revisionId);
  },
  async update(current: Deployed, props: Props, _previous: Props, ctx: Ctx): Promise<Deployed> {
    const out = await ctx.invoke('states', 'UpdateStateMachine', {
      stateMachineArn: current.physicalId,
      ...common(props, ctx),
    });
    return deployed(current.physicalId, String(current.attributes.Name), out.revisionId);
  },
  async delete(current: Deployed, _props: Props, ctx: Ctx): Promise<void> {
    try {
      await ctx.invoke('states', 'DeleteStateMachine', { stateMachineArn: current.physicalId });
    } catch (err) {
      if (!(err instanceof AwsError && err.code === 'StateMachineDoesNotExist')) throw err;
    }
  },
};
