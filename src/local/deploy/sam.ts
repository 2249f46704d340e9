/**
 * The SAM transform (`Transform: AWS::Serverless-2016-10-31`) as a pure template → template
 * function, producing the resources SAM generates, with SAM's logical ids:
 *
 * - `AWS::Serverless::Function` `Fn` → `Fn` (AWS::Lambda::Function), `FnRole` (AWS::IAM::Role,
 *   unless `Role` is given; managed policies as SAM attaches them per event source and tracing,
 *   `Policies` accepted: ARNs and AWS managed policy names attached, statements as inline
 *   policies `FnRolePolicy<i>`, SAM policy templates recorded, not expanded: IAM is not enforced);
 *   `AutoPublishAlias` → `FnVersion<hash>` + `FnAlias<name>`; per event `Ev`:
 *   SQS / Kinesis / DynamoDB → `FnEv` (AWS::Lambda::EventSourceMapping);
 *   EventBridgeRule / CloudWatchEvent / Schedule → `FnEv` (AWS::Events::Rule, target id
 *   `FnEvLambdaTarget`) + `FnEvPermission`; SNS → `FnEv` (AWS::SNS::Subscription) +
 *   `FnEvPermission`; S3 → the bucket's `NotificationConfiguration.LambdaConfigurations` +
 *   `FnEvPermission` (the bucket must be declared in the same template, as SAM requires).
 * - `AWS::Serverless::StateMachine` `Sm` → `Sm` (AWS::StepFunctions::StateMachine: Definition, or
 *   DefinitionUri as a local JSON/YAML file relative to the template or an S3 location,
 *   DefinitionSubstitutions, Name, Type, Logging, Tracing, Tags), `SmRole` (AWS::IAM::Role for
 *   states.amazonaws.com, unless `Role` is given; `Policies` as for functions, recorded); per event
 *   `Ev` of type Schedule / EventBridgeRule / CloudWatchEvent: `SmEv` (AWS::Events::Rule, target id
 *   `SmEvStepFunctionsTarget`, role `SmEvRole` allowing states:StartExecution).
 * - `AWS::Serverless::SimpleTable` → AWS::DynamoDB::Table with the same logical id.
 * - `Globals` (Function, SimpleTable) merged as SAM merges them (maps merged, lists appended,
 *   scalars replaced). Other resources pass through unchanged.
 *
 * Not done: Api/HttpApi/LayerVersion/Application/Connector types (refused), the
 * version hash SAM computes (ours is a hash of the function's code and settings), deployment
 * preferences, SAM's `lambda:createdBy` tag.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { AwsError } from '../core/errors.js';
import { parseDocumentBody } from '../services/cloudformation/template.js';
import { localCode } from './code.js';

export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';

export interface SamOptions {
  /** Directory that relative `CodeUri` paths are resolved against (the template's directory). */
  readonly baseDir: string;
}

type Obj = Record<string, unknown>;
type Resources = Record<string, Obj>;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** SAM's error form, as CloudFormation reports a failed transform. */
const invalid = (logicalId: string, why: string): AwsError =>
  new AwsError(
    'ValidationError',
    `Transform ${SAM_TRANSFORM} failed with: Invalid Serverless Application Specification document. Number of errors found: 1. Resource with id [${logicalId}] is invalid. ${why}`,
    400,
  );

/** Whether a template document asks for the SAM transform. */
export const usesSam = (doc: unknown): boolean => {
  if (!isObj(doc)) return false;
  const t = doc.Transform;
  return t === SAM_TRANSFORM || (Array.isArray(t) && t.includes(SAM_TRANSFORM));
};

/** SAM's Globals merge: maps merged key by key, lists appended, anything else replaced. */
const mergeGlobal = (global: unknown, own: unknown): unknown => {
  if (own === undefined) return global;
  if (isObj(global) && isObj(own) && !Object.keys(own).some((k) => k.startsWith('Fn::') || k === 'Ref')) {
    const out: Obj = { ...global };
    for (const [k, v] of Object.entries(own)) out[k] = mergeGlobal(global[k], v);
    return out;
  }
  if (Array.isArray(global) && Array.isArray(own)) return [...global, ...own];
  return own;
};

const withGlobals = (props: Obj, globals: unknown): Obj => {
  if (!isObj(globals)) return props;
  const out: Obj = { ...props };
  for (const [k, v] of Object.entries(globals)) out[k] = mergeGlobal(v, props[k]);
  return out;
};

const getAtt = (id: string, attr: string) => ({ 'Fn::GetAtt': [id, attr] });
const ref = (id: string) => ({ Ref: id });

const codeOf = (id: string, props: Obj, options: SamOptions): Obj => {
  if (props.InlineCode !== undefined) return { ZipFile: props.InlineCode };
  const uri = props.CodeUri;
  if (isObj(uri)) {
    return { S3Bucket: uri.Bucket, S3Key: uri.Key, ...(uri.Version ? { S3ObjectVersion: uri.Version } : {}) };
  }
  if (typeof uri !== 'string' || uri === '') {
    throw invalid(id, "Either 'InlineCode' or 'CodeUri' must be set.");
  }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (s3) return { S3Bucket: s3[1], S3Key: s3[2] };
  return localCode(isAbsolute(uri) ? uri : resolve(options.baseDir, uri));
};

const MANAGED = 'arn:aws:iam::aws:policy/';
const EVENT_POLICIES: Record<string, string> = {
  SQS: `${MANAGED}service-role/AWSLambdaSQSQueueExecutionRole`,
  Kinesis: `${MANAGED}service-role/AWSLambdaKinesisExecutionRole`,
  DynamoDB: `${MANAGED}service-role/AWSLambdaDynamoDBExecutionRole`,
};

const roleOf = (id: string, props: Obj, events: Obj, service = 'lambda.amazonaws.com'): Obj => {
  const lambda = service === 'lambda.amazonaws.com';
  const managed = lambda ? [`${MANAGED}service-role/AWSLambdaBasicExecutionRole`] : [];
  if (props.Tracing === 'Active' || (isObj(props.Tracing) && props.Tracing.Enabled === true)) {
    managed.push(`${MANAGED}AWSXrayWriteOnlyAccess`);
  }
  const inline: Obj[] = [];
  const policies = props.Policies === undefined ? [] : [props.Policies].flat();
  policies.forEach((policy, i) => {
    if (typeof policy === 'string') managed.push(policy.startsWith('arn:') ? policy : `${MANAGED}${policy}`);
    else if (isObj(policy) && policy.Statement !== undefined) {
      inline.push({ PolicyName: `${id}RolePolicy${i}`, PolicyDocument: policy });
    } else if (isObj(policy) && (Object.hasOwn(policy, 'Ref') || Object.hasOwn(policy, 'Fn::GetAtt'))) {
      managed.push(policy as unknown as string);
    } else {
      // A SAM policy template ({ SQSPollerPolicy: {...} }): recorded, not expanded.
      inline.push({
        PolicyName: `${id}RolePolicy${i}`,
        PolicyDocument: { Version: '2012-10-17', Statement: [], SamPolicyTemplate: policy },
      });
    }
  });
  for (const event of Object.values(events)) {
    const policy = isObj(event) ? EVENT_POLICIES[String(event.Type)] : undefined;
    if (policy && !managed.includes(policy)) managed.push(policy);
  }
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: [service] }, Action: ['sts:AssumeRole'] }],
      },
      ManagedPolicyArns: managed,
      ...(inline.length > 0 ? { Policies: inline } : {}),
      ...(props.PermissionsBoundary ? { PermissionsBoundary: props.PermissionsBoundary } : {}),
      ...(props.RolePath ? { Path: props.RolePath } : {}),
    },
  };
};

const FUNCTION_PASS_THROUGH = [
  'FunctionName',
  'Description',
  'Handler',
  'Runtime',
  'Timeout',
  'MemorySize',
  'Environment',
  'Layers',
  'Architectures',
  'ReservedConcurrentExecutions',
  'KmsKeyArn',
  'VpcConfig',
  'EphemeralStorage',
  'LoggingConfig',
  'PackageType',
  'ImageConfig',
  'FileSystemConfigs',
  'SnapStart',
] as const;

const lambdaFunctionOf = (id: string, props: Obj, options: SamOptions, role: unknown): Obj => {
  const out: Obj = { Code: codeOf(id, props, options), Role: role };
  for (const key of FUNCTION_PASS_THROUGH) if (props[key] !== undefined) out[key] = props[key];
  if (props.Tracing !== undefined) out.TracingConfig = { Mode: props.Tracing };
  const dlq = props.DeadLetterQueue;
  if (isObj(dlq)) out.DeadLetterConfig = { TargetArn: dlq.TargetArn };
  if (isObj(props.Tags)) out.Tags = Object.entries(props.Tags).map(([Key, Value]) => ({ Key, Value }));
  return out;
};

/** Copies the resource attributes SAM carries over to what it generates. */
const attributesOf = (decl: Obj): Obj => {
  const out: Obj = {};
  for (const key of ['Condition', 'DeletionPolicy', 'UpdateReplacePolicy']) {
    if (decl[key] !== undefined) out[key] = decl[key];
  }
  return out;
};

const ESM_SETTINGS = [
  'BatchSize',
  'Enabled',
  'FilterCriteria',
  'MaximumBatchingWindowInSeconds',
  'FunctionResponseTypes',
  'ScalingConfig',
  'StartingPosition',
  'StartingPositionTimestamp',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
] as const;

const eventSourceMapping = (target: unknown, source: unknown, props: Obj): Obj => {
  const out: Obj = { FunctionName: target, EventSourceArn: source };
  for (const key of ESM_SETTINGS) if (props[key] !== undefined) out[key] = props[key];
  const onFailure = isObj(props.DestinationConfig) ? props.DestinationConfig.OnFailure : undefined;
  if (isObj(onFailure)) out.DestinationConfig = { OnFailure: { Destination: onFailure.Destination } };
  return { Type: 'AWS::Lambda::EventSourceMapping', Properties: out };
};

const permission = (target: unknown, principal: string, sourceArn: unknown, extra: Obj = {}): Obj => ({
  Type: 'AWS::Lambda::Permission',
  Properties: {
    Action: 'lambda:InvokeFunction',
    FunctionName: target,
    Principal: principal,
    ...(sourceArn === undefined ? {} : { SourceArn: sourceArn }),
    ...extra,
  },
});

const ruleTarget = (id: string, arn: unknown, props: Obj, suffix = 'LambdaTarget'): Obj => {
  const target: Obj = { Arn: arn, Id: `${id}${suffix}` };
  for (const key of ['Input', 'InputPath', 'InputTransformer', 'RetryPolicy']) {
    if (props[key] !== undefined) target[key] = props[key];
  }
  if (isObj(props.DeadLetterConfig) && props.DeadLetterConfig.Arn !== undefined) {
    target.DeadLetterConfig = { Arn: props.DeadLetterConfig.Arn };
  }
  return target;
};

const stateOf = (props: Obj): string | undefined => {
  if (props.State !== undefined) return String(props.State);
  if (props.Enabled !== undefined) return props.Enabled === false ? 'DISABLED' : 'ENABLED';
  return undefined;
};

interface EventContext {
  readonly fnId: string;
  readonly eventId: string;
  readonly type: string;
  readonly props: Obj;
  /** What event sources invoke: the function, or its alias. */
  readonly target: unknown;
  readonly targetArn: unknown;
  readonly resources: Resources;
  readonly out: Resources;
}

/** The AWS::Events::Rule properties of a Schedule / EventBridgeRule / CloudWatchEvent event. */
const ruleOf = (type: string, p: Obj, target: Obj): Obj => {
  const rule: Obj =
    type === 'Schedule'
      ? { ScheduleExpression: p.Schedule, Targets: [target] }
      : { EventPattern: p.Pattern, Targets: [target] };
  if (type === 'Schedule') {
    if (p.Name !== undefined) rule.Name = p.Name;
    if (p.Description !== undefined) rule.Description = p.Description;
  } else {
    if (p.EventBusName !== undefined) rule.EventBusName = p.EventBusName;
    if (p.RuleName !== undefined) rule.Name = p.RuleName;
  }
  const state = stateOf(p);
  if (state !== undefined) rule.State = state;
  return rule;
};

const addRuleEvent = (e: EventContext, rule: Obj): void => {
  const id = `${e.fnId}${e.eventId}`;
  e.out[id] = { Type: 'AWS::Events::Rule', Properties: rule };
  e.out[`${id}Permission`] = permission(e.target, 'events.amazonaws.com', getAtt(id, 'Arn'));
};

const addS3Event = (e: EventContext): void => {
  const id = `${e.fnId}${e.eventId}`;
  const bucketRef = e.props.Bucket;
  const bucketId = isObj(bucketRef) && typeof bucketRef.Ref === 'string' ? bucketRef.Ref : undefined;
  const bucket = bucketId === undefined ? undefined : (e.out[bucketId] ?? e.resources[bucketId]);
  if (bucketId === undefined || bucket?.Type !== 'AWS::S3::Bucket') {
    throw invalid(
      e.fnId,
      `Event with id [${e.eventId}] is invalid. S3 events must reference an S3 bucket in the same template.`,
    );
  }
  e.out[`${id}Permission`] = permission(e.target, 's3.amazonaws.com', undefined, {
    SourceAccount: ref('AWS::AccountId'),
  });
  const props = { ...((bucket.Properties ?? {}) as Obj) };
  const config = { ...((props.NotificationConfiguration ?? {}) as Obj) };
  const events = [e.props.Events].flat();
  const lambdaConfigs = [...((config.LambdaConfigurations ?? []) as Obj[])];
  for (const event of events) {
    lambdaConfigs.push({
      Event: event,
      Function: e.targetArn,
      ...(e.props.Filter === undefined ? {} : { Filter: e.props.Filter }),
    });
  }
  config.LambdaConfigurations = lambdaConfigs;
  props.NotificationConfiguration = config;
  const dependsOn = [bucket.DependsOn ?? []].flat();
  e.out[bucketId] = { ...bucket, Properties: props, DependsOn: [...dependsOn, `${id}Permission`] };
};

const addEvent = (e: EventContext): void => {
  const id = `${e.fnId}${e.eventId}`;
  const p = e.props;
  switch (e.type) {
    case 'SQS':
      e.out[id] = eventSourceMapping(e.target, p.Queue, p);
      return;
    case 'Kinesis':
    case 'DynamoDB':
      e.out[id] = eventSourceMapping(e.target, p.Stream, p);
      return;
    case 'EventBridgeRule':
    case 'CloudWatchEvent':
    case 'Schedule':
      addRuleEvent(e, ruleOf(e.type, p, ruleTarget(id, e.targetArn, p)));
      return;
    case 'SNS': {
      const sub: Obj = { Protocol: 'lambda', Endpoint: e.targetArn, TopicArn: p.Topic };
      for (const key of ['FilterPolicy', 'FilterPolicyScope', 'Region', 'RedrivePolicy']) {
        if (p[key] !== undefined) sub[key] = p[key];
      }
      e.out[id] = { Type: 'AWS::SNS::Subscription', Properties: sub };
      e.out[`${id}Permission`] = permission(e.target, 'sns.amazonaws.com', p.Topic);
      return;
    }
    case 'S3':
      addS3Event(e);
      return;
    default:
      throw invalid(
        e.fnId,
        `Event with id [${e.eventId}] is invalid. Event type ${e.type} is not supported by the eventprobe emulator's SAM transform (supported: SQS, Kinesis, DynamoDB, EventBridgeRule, CloudWatchEvent, Schedule, SNS, S3).`,
      );
  }
};

const versionHash = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);

const transformFunction = (
  id: string,
  decl: Obj,
  globals: unknown,
  resources: Resources,
  out: Resources,
  options: SamOptions,
): void => {
  const props = withGlobals((decl.Properties ?? {}) as Obj, globals);
  const events = isObj(props.Events) ? props.Events : {};
  const attrs = attributesOf(decl);
  const role = props.Role ?? getAtt(`${id}Role`, 'Arn');
  if (props.Role === undefined) out[`${id}Role`] = { ...roleOf(id, props, events), ...attrs };
  const fn: Obj = {
    Type: 'AWS::Lambda::Function',
    Properties: lambdaFunctionOf(id, props, options, role),
    ...attrs,
  };
  if (decl.DependsOn !== undefined) fn.DependsOn = decl.DependsOn;
  out[id] = fn;
  let target: unknown = ref(id);
  let targetArn: unknown = getAtt(id, 'Arn');
  if (typeof props.AutoPublishAlias === 'string') {
    const versionId = `${id}Version${versionHash(fn.Properties)}`;
    out[versionId] = {
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: ref(id) },
      DeletionPolicy: 'Retain',
    };
    const aliasId = `${id}Alias${props.AutoPublishAlias}`;
    out[aliasId] = {
      Type: 'AWS::Lambda::Alias',
      Properties: {
        Name: props.AutoPublishAlias,
        FunctionName: ref(id),
        FunctionVersion: getAtt(versionId, 'Version'),
      },
    };
    target = ref(aliasId);
    targetArn = ref(aliasId);
  }
  for (const [eventId, event] of Object.entries(events)) {
    if (!isObj(event) || typeof event.Type !== 'string') {
      throw invalid(id, `Event with id [${eventId}] is invalid. Missing required property 'Type'.`);
    }
    const props = isObj(event.Properties) ? event.Properties : {};
    addEvent({ fnId: id, eventId, type: event.Type, props, target, targetArn, resources, out });
  }
};

const RULE_EVENTS = new Set(['Schedule', 'EventBridgeRule', 'CloudWatchEvent']);

/** DefinitionUri: a local JSON/YAML file (relative to the template), or an S3 location. */
const definitionFromUri = (id: string, uri: unknown, options: SamOptions): Obj => {
  if (isObj(uri)) {
    return {
      DefinitionS3Location: {
        Bucket: uri.Bucket,
        Key: uri.Key,
        ...(uri.Version === undefined ? {} : { Version: uri.Version }),
      },
    };
  }
  if (typeof uri !== 'string' || uri === '') {
    throw invalid(id, "Either 'Definition' or 'DefinitionUri' property must be specified.");
  }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (s3) return { DefinitionS3Location: { Bucket: s3[1], Key: s3[2] } };
  const file = isAbsolute(uri) ? uri : resolve(options.baseDir, uri);
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(id, `DefinitionUri ${uri} cannot be read (${(err as Error).message}).`);
  }
  let definition: unknown;
  try {
    definition = parseDocumentBody(body);
  } catch (err) {
    throw invalid(id, `DefinitionUri ${uri} is not valid JSON or YAML (${(err as Error).message}).`);
  }
  if (!isObj(definition)) throw invalid(id, `DefinitionUri ${uri} does not hold a state machine definition.`);
  return { Definition: definition };
};

const stateMachineOf = (id: string, props: Obj, options: SamOptions, role: unknown): Obj => {
  if (props.Definition !== undefined && props.DefinitionUri !== undefined) {
    throw invalid(id, "Specify either 'Definition' or 'DefinitionUri' property and not both.");
  }
  const out: Obj = {
    ...(props.Definition !== undefined
      ? { Definition: props.Definition }
      : definitionFromUri(id, props.DefinitionUri, options)),
    RoleArn: role,
  };
  if (props.DefinitionSubstitutions !== undefined)
    out.DefinitionSubstitutions = props.DefinitionSubstitutions;
  if (props.Name !== undefined) out.StateMachineName = props.Name;
  if (props.Type !== undefined) out.StateMachineType = props.Type;
  if (props.Logging !== undefined) out.LoggingConfiguration = props.Logging;
  if (props.Tracing !== undefined) out.TracingConfiguration = props.Tracing;
  const tags = { ...(isObj(props.Tags) ? props.Tags : {}), 'stateMachine:createdBy': 'SAM' };
  out.Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return out;
};

/** The role EventBridge assumes to start executions of the state machine. */
const eventRoleOf = (machineId: string, ruleId: string): Obj => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: ['events.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
      ],
    },
    Policies: [
      {
        PolicyName: `${ruleId}RoleStartExecutionPolicy`,
        PolicyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: ref(machineId) }],
        },
      },
    ],
  },
});

const transformStateMachine = (id: string, decl: Obj, out: Resources, options: SamOptions): void => {
  const props = (decl.Properties ?? {}) as Obj;
  const events = isObj(props.Events) ? props.Events : {};
  const attrs = attributesOf(decl);
  const role = props.Role ?? getAtt(`${id}Role`, 'Arn');
  if (props.Role === undefined) {
    out[`${id}Role`] = { ...roleOf(id, props, {}, 'states.amazonaws.com'), ...attrs };
  }
  const machine: Obj = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: stateMachineOf(id, props, options, role),
    ...attrs,
  };
  if (decl.DependsOn !== undefined) machine.DependsOn = decl.DependsOn;
  out[id] = machine;
  for (const [eventId, event] of Object.entries(events)) {
    if (!isObj(event) || typeof event.Type !== 'string') {
      throw invalid(id, `Event with id [${eventId}] is invalid. Missing required property 'Type'.`);
    }
    if (!RULE_EVENTS.has(event.Type)) {
      throw invalid(
        id,
        `Event with id [${eventId}] is invalid. Event type ${event.Type} is not supported for state machines by the eventprobe emulator's SAM transform (supported: Schedule, EventBridgeRule, CloudWatchEvent).`,
      );
    }
    const p = isObj(event.Properties) ? event.Properties : {};
    const ruleId = `${id}${eventId}`;
    const target = {
      ...ruleTarget(ruleId, ref(id), p, 'StepFunctionsTarget'),
      RoleArn: getAtt(`${ruleId}Role`, 'Arn'),
    };
    out[ruleId] = { Type: 'AWS::Events::Rule', Properties: ruleOf(event.Type, p, target) };
    out[`${ruleId}Role`] = eventRoleOf(id, ruleId);
  }
};

const KEY_TYPES: Record<string, string> = { String: 'S', Number: 'N', Binary: 'B' };

const transformTable = (decl: Obj, globals: unknown): Obj => {
  const props = withGlobals((decl.Properties ?? {}) as Obj, globals);
  const key = isObj(props.PrimaryKey) ? props.PrimaryKey : { Name: 'id', Type: 'String' };
  const name = key.Name ?? 'id';
  const table: Obj = {
    AttributeDefinitions: [{ AttributeName: name, AttributeType: KEY_TYPES[String(key.Type)] ?? 'S' }],
    KeySchema: [{ AttributeName: name, KeyType: 'HASH' }],
  };
  if (props.ProvisionedThroughput !== undefined) table.ProvisionedThroughput = props.ProvisionedThroughput;
  else table.BillingMode = 'PAY_PER_REQUEST';
  if (props.TableName !== undefined) table.TableName = props.TableName;
  if (props.SSESpecification !== undefined) table.SSESpecification = props.SSESpecification;
  if (isObj(props.Tags)) table.Tags = Object.entries(props.Tags).map(([Key, Value]) => ({ Key, Value }));
  return { Type: 'AWS::DynamoDB::Table', Properties: table, ...attributesOf(decl) };
};

/** Expands a SAM template into plain CloudFormation. Templates without the transform come back as they are. */
export const samTransform = (doc: Obj, options: SamOptions): Obj => {
  if (!usesSam(doc)) return doc;
  const { Globals, Transform, ...rest } = doc;
  const globals = isObj(Globals) ? Globals : {};
  const resources = (isObj(doc.Resources) ? doc.Resources : {}) as Resources;
  const out: Resources = {};
  for (const [id, decl] of Object.entries(resources)) {
    if (!isObj(decl)) continue;
    if (decl.Type === 'AWS::Serverless::Function') {
      transformFunction(id, decl, globals.Function, resources, out, options);
    } else if (decl.Type === 'AWS::Serverless::StateMachine') {
      transformStateMachine(id, decl, out, options);
    } else if (decl.Type === 'AWS::Serverless::SimpleTable') {
      out[id] = transformTable(decl, globals.SimpleTable);
    } else if (typeof decl.Type === 'string' && decl.Type.startsWith('AWS::Serverless::')) {
      throw invalid(
        id,
        `Resource type ${decl.Type} is not supported by the eventprobe emulator's SAM transform.`,
      );
    } else if (out[id] === undefined) {
      out[id] = decl;
    }
  }
  const others = Array.isArray(Transform) ? Transform.filter((t) => t !== SAM_TRANSFORM) : [];
  return { ...rest, ...(others.length > 0 ? { Transform: others } : {}), Resources: out };
};
