/**
 * CloudFormation templates: parsing (JSON, and YAML with the short-form intrinsic tags), the
 * parameter and condition rules, intrinsic function evaluation, and the dependency order of
 * resources. Pure logic: no emulator, no HTTP.
 */
import { type CollectionTag, parseDocument, type ScalarTag } from 'yaml';
import { AwsError } from '../../core/errors.js';

/** CloudFormation's own code for template and parameter problems (the SDK's `ValidationError`). */
export const templateError = (message: string): AwsError => new AwsError('ValidationError', message, 400);

export interface ParameterDecl {
  readonly Type: string;
  readonly Default?: unknown;
  readonly AllowedValues?: readonly unknown[];
  readonly AllowedPattern?: string;
  readonly NoEcho?: boolean | string;
  readonly MinLength?: number | string;
  readonly MaxLength?: number | string;
  readonly MinValue?: number | string;
  readonly MaxValue?: number | string;
  readonly Description?: string;
  readonly ConstraintDescription?: string;
}

export interface ResourceDecl {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn: readonly string[];
  readonly Condition: string | undefined;
  readonly DeletionPolicy: string | undefined;
}

export interface OutputDecl {
  readonly Value: unknown;
  readonly Description: string | undefined;
  readonly Export: { Name: unknown } | undefined;
  readonly Condition: string | undefined;
}

export interface Template {
  readonly Description: string | undefined;
  readonly Parameters: Readonly<Record<string, ParameterDecl>>;
  readonly Mappings: Readonly<Record<string, unknown>>;
  readonly Conditions: Readonly<Record<string, unknown>>;
  readonly Resources: Readonly<Record<string, ResourceDecl>>;
  readonly Outputs: Readonly<Record<string, OutputDecl>>;
  /** Parameter rules (checked before a stack operation starts). Absent from hand-built templates. */
  readonly Rules?: Readonly<Record<string, unknown>>;
}

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Rules',
]);

/** Short-form tags: `!Ref`, `!Condition`, and `!X` for every `Fn::X`. */
const SHORT_TAGS = [
  'Ref',
  'Condition',
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
  'ToJsonString',
  'Length',
  'Contains',
  'EachMemberEquals',
  'EachMemberIn',
];

const longForm = (name: string, value: unknown): Record<string, unknown> => {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
};

const customTags: (ScalarTag | CollectionTag)[] = SHORT_TAGS.flatMap(
  (name): (ScalarTag | CollectionTag)[] => [
    { tag: `!${name}`, resolve: (text: string) => longForm(name, text) },
    { tag: `!${name}`, collection: 'seq', resolve: (seq) => longForm(name, seq.toJSON()) },
    { tag: `!${name}`, collection: 'map', resolve: (map) => longForm(name, map.toJSON()) },
  ],
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses the raw document (JSON or YAML) into plain JSON values, short tags in long form. */
export const parseDocumentBody = (body: string): unknown => {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(body) as unknown;
    } catch (err) {
      throw templateError(`Template format error: JSON not well-formed. (${(err as Error).message})`);
    }
  }
  const doc = parseDocument(body, { customTags, logLevel: 'silent', uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) {
    throw templateError(
      `Template format error: YAML not well-formed. (${problem.message.split('\n')[0] ?? problem.code})`,
    );
  }
  return doc.toJS({ maxAliasCount: 1000 }) as unknown;
};

const section = (raw: Record<string, unknown>, name: string): Record<string, unknown> => {
  const value = raw[name];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw templateError(`Template format error: ${name} must be an object.`);
  return value;
};

const stringList = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

/**
 * Transforms the emulator applies itself: `AWS::LanguageExtensions` (Fn::Length, Fn::ToJsonString,
 * DeletionPolicy intrinsics; not Fn::ForEach). The SAM transform is applied before parsing (see
 * local/deploy/sam.ts).
 */
const BUILT_IN_TRANSFORMS = new Set(['AWS::LanguageExtensions']);

/** Parses and checks the shape of a template (what CloudFormation checks before starting). */
export const parseTemplate = (body: string): Template => templateFromDocument(parseDocumentBody(body));

/** Checks the shape of a parsed template document (JSON values, intrinsics in long form). */
export const templateFromDocument = (raw: unknown): Template => {
  if (!isRecord(raw))
    throw templateError('Template format error: the template must be a JSON or YAML object.');
  for (const key of Object.keys(raw)) {
    if (!SECTIONS.has(key)) {
      throw templateError(`Template format error: Invalid template property or properties [${key}]`);
    }
  }
  const transforms = stringList(raw.Transform).filter((t) => !BUILT_IN_TRANSFORMS.has(t));
  if (transforms.length > 0) {
    throw templateError(
      `Transform ${transforms.join(', ')} is not supported by the eventprobe emulator; deploy the processed template instead.`,
    );
  }
  const rawResources = section(raw, 'Resources');
  if (Object.keys(rawResources).length === 0) {
    throw templateError('Template format error: At least one Resources member must be defined.');
  }
  const Resources: Record<string, ResourceDecl> = {};
  for (const [id, decl] of Object.entries(rawResources)) {
    if (id.startsWith('Fn::ForEach')) {
      throw templateError('Template format error: Fn::ForEach is not supported by the eventprobe emulator.');
    }
    if (!/^[A-Za-z0-9]+$/.test(id)) {
      throw templateError(`Template format error: Resource name ${id} is non alphanumeric.`);
    }
    if (!isRecord(decl) || typeof decl.Type !== 'string') {
      throw templateError(
        `Template format error: [/Resources/${id}] Every Resources object must contain a Type member.`,
      );
    }
    const props = decl.Properties ?? {};
    if (!isRecord(props)) {
      throw templateError(`Template format error: [/Resources/${id}/Properties] must be an object.`);
    }
    Resources[id] = {
      Type: decl.Type,
      Properties: props,
      DependsOn: stringList(decl.DependsOn),
      Condition: typeof decl.Condition === 'string' ? decl.Condition : undefined,
      DeletionPolicy: typeof decl.DeletionPolicy === 'string' ? decl.DeletionPolicy : undefined,
    };
  }
  const Parameters: Record<string, ParameterDecl> = {};
  for (const [name, decl] of Object.entries(section(raw, 'Parameters'))) {
    if (!isRecord(decl) || typeof decl.Type !== 'string') {
      throw templateError(`Template format error: Every Parameters object must contain a Type member.`);
    }
    Parameters[name] = decl as unknown as ParameterDecl;
  }
  const Outputs: Record<string, OutputDecl> = {};
  for (const [name, decl] of Object.entries(section(raw, 'Outputs'))) {
    if (!isRecord(decl) || decl.Value === undefined) {
      throw templateError(`Template format error: Every Outputs member must contain a Value object`);
    }
    const exp = decl.Export;
    if (exp !== undefined && (!isRecord(exp) || exp.Name === undefined)) {
      throw templateError(`Template format error: Output ${name} is malformed. Export must contain a Name.`);
    }
    Outputs[name] = {
      Value: decl.Value,
      Description: typeof decl.Description === 'string' ? decl.Description : undefined,
      Export: exp === undefined ? undefined : { Name: (exp as { Name: unknown }).Name },
      Condition: typeof decl.Condition === 'string' ? decl.Condition : undefined,
    };
  }
  const template: Template = {
    Description: typeof raw.Description === 'string' ? raw.Description : undefined,
    Parameters,
    Mappings: section(raw, 'Mappings'),
    Conditions: section(raw, 'Conditions'),
    Resources,
    Outputs,
    Rules: section(raw, 'Rules'),
  };
  checkReferences(template);
  return template;
};

// ---------------------------------------------------------------------------------------------
// Parameters

export type ParameterValue = string | string[];

export interface GivenParameter {
  readonly ParameterKey?: string;
  readonly ParameterValue?: string;
  readonly UsePreviousValue?: boolean;
}

export interface ResolvedParameters {
  /** Values as intrinsics see them (lists split). */
  readonly values: Record<string, ParameterValue>;
  /** Values as given (strings), for DescribeStacks and UsePreviousValue. */
  readonly raw: Record<string, string>;
}

const LIST_TYPES = /^(CommaDelimitedList|List<.+>)$/;
const SCALAR_TYPES =
  /^(String|Number|AWS::SSM::Parameter::Value<.+>|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)?)$/;

const num = (value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};

const checkParameter = (name: string, decl: ParameterDecl, value: string): void => {
  const fail = (what: string) =>
    templateError(decl.ConstraintDescription ? `Parameter '${name}' ${decl.ConstraintDescription}` : what);
  const isList = LIST_TYPES.test(decl.Type);
  if (!isList && !SCALAR_TYPES.test(decl.Type)) {
    throw templateError(`Template format error: Unrecognized parameter type: ${decl.Type}`);
  }
  const items = isList ? value.split(',').map((s) => s.trim()) : [value];
  for (const item of items) {
    if (decl.Type === 'Number' || decl.Type === 'List<Number>') {
      if (item.trim() === '' || !Number.isFinite(Number(item))) {
        throw templateError(`Parameter '${name}' must be a number.`);
      }
      const min = num(decl.MinValue);
      const max = num(decl.MaxValue);
      if (min !== undefined && Number(item) < min) {
        throw fail(`Parameter '${name}' must be a number not less than ${min}`);
      }
      if (max !== undefined && Number(item) > max) {
        throw fail(`Parameter '${name}' must be a number not greater than ${max}`);
      }
    }
    if (decl.AllowedValues && !decl.AllowedValues.map(String).includes(item)) {
      throw fail(`Parameter '${name}' must be one of AllowedValues`);
    }
  }
  const minLength = num(decl.MinLength);
  const maxLength = num(decl.MaxLength);
  if (minLength !== undefined && value.length < minLength) {
    throw fail(`Parameter '${name}' must contain at least ${minLength} characters`);
  }
  if (maxLength !== undefined && value.length > maxLength) {
    throw fail(`Parameter '${name}' must contain at most ${maxLength} characters`);
  }
  if (decl.AllowedPattern !== undefined && !new RegExp(`^(?:${decl.AllowedPattern})$`).test(value)) {
    throw fail(`Parameter '${name}' must match pattern ${decl.AllowedPattern}`);
  }
};

const SSM_TYPE = /^AWS::SSM::Parameter::Value<String>$/;

/**
 * The version the emulator reports for the CDK bootstrap stack (the `BootstrapVersion` parameter
 * CDK templates read from SSM, `/cdk-bootstrap/<qualifier>/version`): recent enough for every
 * `CheckBootstrapVersion` rule, so CDK stacks deploy without `cdk bootstrap`.
 */
export const CDK_BOOTSTRAP_VERSION = '30';

/**
 * What an `AWS::SSM::Parameter::Value<String>` parameter resolves to. The emulator has no
 * Parameter Store: the CDK bootstrap version is answered, any other name is passed on as given.
 */
const ssmParameterValue = (name: string): string =>
  /^\/cdk-bootstrap\/[^/]+\/version$/.test(name) ? CDK_BOOTSTRAP_VERSION : name;

/** Applies given values, previous values and defaults, and checks every constraint. */
export const resolveParameters = (
  decls: Readonly<Record<string, ParameterDecl>>,
  given: readonly GivenParameter[],
  previous: Readonly<Record<string, string>> = {},
): ResolvedParameters => {
  const unknown = given.map((p) => p.ParameterKey ?? '').filter((k) => !Object.hasOwn(decls, k));
  if (unknown.length > 0)
    throw templateError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const raw: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(decls)) {
    const entry = given.find((p) => p.ParameterKey === name);
    let value: string | undefined;
    if (entry?.UsePreviousValue) {
      value = previous[name];
      if (value === undefined) {
        throw templateError(
          `Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`,
        );
      }
    } else if (entry?.ParameterValue !== undefined) {
      value = entry.ParameterValue;
    } else if (decl.Default !== undefined) {
      value = Array.isArray(decl.Default) ? decl.Default.map(String).join(',') : String(decl.Default);
    }
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    checkParameter(name, decl, value);
    raw[name] = value;
  }
  if (missing.length > 0) throw templateError(`Parameters: [${missing.join(', ')}] must have values`);
  const values: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    const decl = decls[name] as ParameterDecl;
    if (SSM_TYPE.test(decl.Type)) {
      values[name] = ssmParameterValue(value);
      continue;
    }
    values[name] = LIST_TYPES.test(decl.Type)
      ? value === ''
        ? []
        : value.split(',').map((s) => s.trim())
      : value;
  }
  return { values, raw };
};

/** Whether DescribeStacks must mask a parameter's value. */
export const isNoEcho = (decl: ParameterDecl | undefined): boolean =>
  decl?.NoEcho === true || String(decl?.NoEcho).toLowerCase() === 'true';

// ---------------------------------------------------------------------------------------------
// References and dependency order

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

interface Reference {
  readonly name: string;
  readonly kind: 'Ref' | 'GetAtt';
}

/** Names a `${...}` string of Fn::Sub refers to (`Res.Attr` as GetAtt), minus its own variables. */
export const subReferences = (text: string, vars: ReadonlySet<string> = new Set()): Reference[] => {
  const out: Reference[] = [];
  for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
    const inner = (m[1] as string).trim();
    if (inner.startsWith('!') || vars.has(inner)) continue;
    const dot = inner.indexOf('.');
    if (dot > 0 && !inner.startsWith('AWS::')) out.push({ name: inner.slice(0, dot), kind: 'GetAtt' });
    else out.push({ name: inner, kind: 'Ref' });
  }
  return out;
};

/** Every Ref / GetAtt / Sub reference inside a value (both branches of Fn::If). */
export const collectReferences = (value: unknown, out: Reference[] = []): Reference[] => {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, out);
  } else if (isRecord(value)) {
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    const arg = only === undefined ? undefined : value[only];
    if (only === 'Ref' && typeof arg === 'string') {
      out.push({ name: arg, kind: 'Ref' });
    } else if (only === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string') {
      out.push({ name: arg[0], kind: 'GetAtt' });
      collectReferences(arg.slice(1), out);
    } else if (only === 'Fn::Sub') {
      const [text, vars] = Array.isArray(arg) ? arg : [arg, undefined];
      const names = new Set(isRecord(vars) ? Object.keys(vars) : []);
      if (typeof text === 'string') out.push(...subReferences(text, names));
      collectReferences(vars, out);
    } else {
      for (const item of Object.values(value)) collectReferences(item, out);
    }
  }
  return out;
};

const checkReferences = (template: Template): void => {
  const resources = template.Resources;
  const unresolved = new Set<string>();
  const check = (value: unknown) => {
    for (const ref of collectReferences(value)) {
      const known =
        Object.hasOwn(resources, ref.name) ||
        (ref.kind === 'Ref' &&
          (Object.hasOwn(template.Parameters, ref.name) || PSEUDO_PARAMETERS.has(ref.name)));
      if (!known) {
        if (ref.kind === 'GetAtt' && !Object.hasOwn(resources, ref.name)) {
          throw templateError(
            `Template error: instance of Fn::GetAtt references undefined resource ${ref.name}`,
          );
        }
        unresolved.add(ref.name);
      }
    }
  };
  for (const decl of Object.values(resources)) {
    check(decl.Properties);
    for (const dep of decl.DependsOn) if (!Object.hasOwn(resources, dep)) unresolved.add(dep);
    if (decl.Condition !== undefined && !Object.hasOwn(template.Conditions, decl.Condition)) {
      throw templateError(
        `Template format error: Unresolved dependencies [${decl.Condition}]. Cannot reference resources in the Conditions block of the template`,
      );
    }
  }
  if (unresolved.size > 0) {
    throw templateError(
      `Template format error: Unresolved resource dependencies [${[...unresolved].join(', ')}] in the Resources block of the template`,
    );
  }
  for (const output of Object.values(template.Outputs)) {
    check(output.Value);
    check(output.Export?.Name);
  }
  if (unresolved.size > 0) {
    throw templateError(
      `Template format error: Unresolved resource dependencies [${[...unresolved].join(', ')}] in the Outputs block of the template`,
    );
  }
  dependencyOrder(template);
};

/** The resources a resource depends on (Ref, GetAtt, Sub, DependsOn), in template order. */
export const dependenciesOf = (template: Template, logicalId: string): string[] => {
  const decl = template.Resources[logicalId];
  if (!decl) return [];
  const names = new Set<string>(decl.DependsOn);
  for (const ref of collectReferences(decl.Properties)) {
    if (Object.hasOwn(template.Resources, ref.name)) names.add(ref.name);
  }
  return [...names];
};

/** Logical ids in an order where every resource comes after what it depends on. */
export const dependencyOrder = (template: Template): string[] => {
  const ids = Object.keys(template.Resources);
  const deps = new Map(ids.map((id) => [id, dependenciesOf(template, id)]));
  const order: string[] = [];
  const done = new Set<string>();
  let progress = true;
  while (order.length < ids.length && progress) {
    progress = false;
    for (const id of ids) {
      if (done.has(id)) continue;
      if ((deps.get(id) as string[]).every((d) => done.has(d))) {
        order.push(id);
        done.add(id);
        progress = true;
      }
    }
  }
  if (order.length < ids.length) {
    const stuck = ids.filter((id) => !done.has(id));
    throw templateError(`Circular dependency between resources: [${stuck.join(', ')}]`);
  }
  return order;
};

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What `Ref: AWS::NoValue` evaluates to: the property (or list item) is dropped. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** A deployed resource as intrinsics see it. */
export interface ResolvedResource {
  readonly ref: string;
  attribute(name: string): unknown;
}

export interface EvalScope {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly mappings: Readonly<Record<string, unknown>>;
  /** The stack's notification ARNs (`AWS::NotificationARNs`). Default none. */
  readonly notificationARNs?: readonly string[];
  /** A condition's value (by name). */
  condition(name: string): boolean;
  /** A resource that exists (or undefined: not created, e.g. its condition is false). */
  resource(logicalId: string): ResolvedResource | undefined;
  /** The value of an export, or throws. */
  importValue(name: string): string;
}

const fnError = (fn: string, detail: string): AwsError => templateError(`Template error: ${fn} ${detail}`);

const asString = (value: unknown, fn: string): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw fnError(fn, `expects a string, got ${JSON.stringify(value)}`);
};

const asList = (value: unknown, fn: string): unknown[] => {
  if (Array.isArray(value)) return value;
  throw fnError(fn, `expects a list, got ${JSON.stringify(value)}`);
};

const refValue = (name: string, scope: EvalScope): unknown => {
  switch (name) {
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::Region':
      return scope.region;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return scope.stackId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NotificationARNs':
      return [...(scope.notificationARNs ?? [])];
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  if (Object.hasOwn(scope.parameters, name)) return scope.parameters[name];
  const resource = scope.resource(name);
  if (resource) return resource.ref;
  throw templateError(
    `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`,
  );
};

const getAtt = (logicalId: string, attribute: string, scope: EvalScope): unknown => {
  const resource = scope.resource(logicalId);
  if (!resource) {
    throw templateError(`Template error: instance of Fn::GetAtt references undefined resource ${logicalId}`);
  }
  const value = resource.attribute(attribute);
  if (value === undefined) {
    throw templateError(
      `Template error: resource ${logicalId} does not support attribute type ${attribute} in Fn::GetAtt`,
    );
  }
  return value;
};

const sub = (arg: unknown, scope: EvalScope): string => {
  const [text, rawVars] = Array.isArray(arg) ? arg : [arg, {}];
  const template = asString(text, 'Fn::Sub');
  const vars = evaluate(rawVars ?? {}, scope);
  if (!isRecord(vars)) throw fnError('Fn::Sub', 'variables must be a map');
  return template.replace(/\$\{([^}]*)\}/g, (_whole, rawInner: string) => {
    const inner = rawInner.trim();
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    let value: unknown;
    if (Object.hasOwn(vars, inner)) value = vars[inner];
    else {
      const dot = inner.indexOf('.');
      value =
        dot > 0 && !inner.startsWith('AWS::')
          ? getAtt(inner.slice(0, dot), inner.slice(dot + 1), scope)
          : refValue(inner, scope);
    }
    return Array.isArray(value) ? value.join(',') : asString(value, 'Fn::Sub');
  });
};

const conditionValue = (value: unknown, scope: EvalScope, fn: string): boolean => {
  if (isRecord(value) && typeof value.Condition === 'string' && Object.keys(value).length === 1) {
    return scope.condition(value.Condition);
  }
  const result = evaluate(value, scope);
  if (typeof result === 'boolean') return result;
  if (result === 'true' || result === 'false') return result === 'true';
  throw fnError(fn, `expects conditions, got ${JSON.stringify(value)}`);
};

const INTRINSICS: Record<string, (arg: unknown, scope: EvalScope) => unknown> = {
  Ref: (arg, scope) => refValue(asString(arg, 'Ref'), scope),
  Condition: (arg, scope) => scope.condition(asString(arg, 'Condition')),
  'Fn::GetAtt': (arg, scope) => {
    const list = asList(arg, 'Fn::GetAtt');
    const [logicalId, attribute] = list.map((v) => asString(evaluate(v, scope), 'Fn::GetAtt'));
    if (logicalId === undefined || attribute === undefined) {
      throw fnError('Fn::GetAtt', 'expects [logicalId, attributeName]');
    }
    return getAtt(logicalId, attribute, scope);
  },
  'Fn::Sub': sub,
  'Fn::Join': (arg, scope) => {
    const [delimiter, items] = asList(arg, 'Fn::Join');
    const values = asList(evaluate(items, scope), 'Fn::Join');
    return values.map((v) => asString(v, 'Fn::Join')).join(asString(delimiter, 'Fn::Join'));
  },
  'Fn::Select': (arg, scope) => {
    const [index, items] = asList(arg, 'Fn::Select');
    const i = Number(evaluate(index, scope));
    const values = asList(evaluate(items, scope), 'Fn::Select');
    if (!Number.isInteger(i) || i < 0 || i >= values.length) {
      throw fnError('Fn::Select', `index ${String(index)} is out of bounds for a list of ${values.length}`);
    }
    return values[i];
  },
  'Fn::Split': (arg, scope) => {
    const [delimiter, text] = asList(arg, 'Fn::Split');
    return asString(evaluate(text, scope), 'Fn::Split').split(asString(delimiter, 'Fn::Split'));
  },
  'Fn::If': (arg, scope) => {
    const [name, whenTrue, whenFalse] = asList(arg, 'Fn::If');
    return evaluate(scope.condition(asString(name, 'Fn::If')) ? whenTrue : whenFalse, scope);
  },
  'Fn::Equals': (arg, scope) => {
    const [a, b] = asList(arg, 'Fn::Equals').map((v) => evaluate(v, scope));
    return (
      JSON.stringify(typeof a === 'number' ? String(a) : a) ===
      JSON.stringify(typeof b === 'number' ? String(b) : b)
    );
  },
  'Fn::Not': (arg, scope) => {
    const [c] = asList(arg, 'Fn::Not');
    return !conditionValue(c, scope, 'Fn::Not');
  },
  'Fn::And': (arg, scope) => asList(arg, 'Fn::And').every((c) => conditionValue(c, scope, 'Fn::And')),
  'Fn::Or': (arg, scope) => asList(arg, 'Fn::Or').some((c) => conditionValue(c, scope, 'Fn::Or')),
  'Fn::FindInMap': (arg, scope) => {
    const [map, top, second] = asList(arg, 'Fn::FindInMap').map((v) =>
      asString(evaluate(v, scope), 'Fn::FindInMap'),
    );
    const m = scope.mappings[map as string];
    const level = isRecord(m) ? m[top as string] : undefined;
    const value = isRecord(level) ? level[second as string] : undefined;
    if (value === undefined) {
      throw templateError(`Template error: Unable to get mapping for ${map}::${top}::${second}`);
    }
    return value;
  },
  'Fn::Base64': (arg, scope) =>
    Buffer.from(asString(evaluate(arg, scope), 'Fn::Base64'), 'utf8').toString('base64'),
  'Fn::ImportValue': (arg, scope) => scope.importValue(asString(evaluate(arg, scope), 'Fn::ImportValue')),
  'Fn::GetAZs': (arg, scope) => {
    const region = asString(evaluate(arg, scope), 'Fn::GetAZs') || scope.region;
    return ['a', 'b', 'c'].map((z) => `${region}${z}`);
  },
  'Fn::Cidr': (arg, scope) => {
    const [block, count, bits] = asList(arg, 'Fn::Cidr').map((v) => evaluate(v, scope));
    return cidrs(asString(block, 'Fn::Cidr'), Number(count), Number(bits));
  },
  'Fn::ToJsonString': (arg, scope) => JSON.stringify(evaluate(arg, scope)),
  // Rule functions (valid in the Rules section).
  'Fn::Contains': (arg, scope) => {
    const [list, value] = asList(arg, 'Fn::Contains').map((v) => evaluate(v, scope));
    return asList(list, 'Fn::Contains').map(String).includes(String(value));
  },
  'Fn::EachMemberEquals': (arg, scope) => {
    const [list, value] = asList(arg, 'Fn::EachMemberEquals').map((v) => evaluate(v, scope));
    return asList(list, 'Fn::EachMemberEquals').every((v) => String(v) === String(value));
  },
  'Fn::EachMemberIn': (arg, scope) => {
    const [list, allowed] = asList(arg, 'Fn::EachMemberIn').map((v) => evaluate(v, scope));
    const set = asList(allowed, 'Fn::EachMemberIn').map(String);
    return asList(list, 'Fn::EachMemberIn').every((v) => set.includes(String(v)));
  },
  'Fn::Length': (arg, scope) => asList(evaluate(arg, scope), 'Fn::Length').length,
};

const ipv4ToBig = (text: string): bigint | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
};

const ipv6ToBig = (text: string): bigint | undefined => {
  const [head = '', tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if ((tail === undefined && missing !== 0) || missing < 0) return undefined;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
};

const bigToIp = (value: bigint, v6: boolean): string => {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt(112 - i * 16)) & 0xffffn).toString(16),
  );
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
};

/** Fn::Cidr: `count` consecutive subnets of `bits` host bits, from the start of `block`. */
const cidrs = (block: string, count: number, bits: number): string[] => {
  const [address = '', prefixText] = block.split('/');
  const v6 = address.includes(':');
  const width = v6 ? 128 : 32;
  const start = v6 ? ipv6ToBig(address) : ipv4ToBig(address);
  const prefix = Number(prefixText);
  if (start === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > width) {
    throw fnError('Fn::Cidr', `expects an IPv4 or IPv6 CIDR block, got ${JSON.stringify(block)}`);
  }
  const subnetPrefix = width - bits;
  if (!Number.isInteger(bits) || bits < 0 || subnetPrefix < prefix) {
    throw fnError('Fn::Cidr', `cidrBits ${bits} does not fit in ${block}`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 256 || count > 2 ** (subnetPrefix - prefix)) {
    throw fnError('Fn::Cidr', `cannot make ${count} subnets of /${subnetPrefix} in ${block}`);
  }
  const base = (start >> BigInt(width - prefix)) << BigInt(width - prefix);
  const size = 1n << BigInt(bits);
  return Array.from({ length: count }, (_, i) => `${bigToIp(base + size * BigInt(i), v6)}/${subnetPrefix}`);
};

/** Evaluates every intrinsic function inside a value. `AWS::NoValue` drops keys and list items. */
export const evaluate = (value: unknown, scope: EvalScope): unknown => {
  if (Array.isArray(value)) {
    return value.map((v) => evaluate(v, scope)).filter((v) => v !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0] as string;
    // `Condition` is an intrinsic only with a name; `{ Condition: {...} }` is data (IAM policies).
    const intrinsic = key !== 'Condition' || typeof value[key] === 'string';
    const fn = intrinsic && Object.hasOwn(INTRINSICS, key) ? INTRINSICS[key] : undefined;
    if (fn) return fn(value[key], scope);
    if (key.startsWith('Fn::')) {
      throw templateError(`Template format error: ${key} is not supported by the eventprobe emulator`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const result = evaluate(v, scope);
    if (result !== NO_VALUE) out[k] = result;
  }
  return out;
};

/** Evaluates every condition of a template once (conditions may refer to each other). */
export const evaluateConditions = (
  template: Template,
  base: Omit<EvalScope, 'condition'>,
): Record<string, boolean> => {
  const values: Record<string, boolean> = {};
  const visiting = new Set<string>();
  const scope: EvalScope = {
    ...base,
    resource: () => undefined,
    condition: (name) => {
      if (Object.hasOwn(values, name)) return values[name] as boolean;
      if (!Object.hasOwn(template.Conditions, name)) {
        throw templateError(
          `Template format error: Unresolved dependencies [${name}]. Cannot reference resources in the Conditions block of the template`,
        );
      }
      if (visiting.has(name))
        throw templateError(`Template error: circular condition references for ${name}`);
      visiting.add(name);
      const value = conditionValue(template.Conditions[name], scope, `Condition ${name}`);
      visiting.delete(name);
      values[name] = value;
      return value;
    },
  };
  for (const name of Object.keys(template.Conditions)) scope.condition(name);
  return values;
};

/**
 * Checks the template's Rules against the parameter values, as CloudFormation does before a stack
 * operation: a rule whose RuleCondition holds must have every Assert true, or the operation is
 * refused with the assertion's description.
 */
export const checkRules = (
  template: Template,
  base: Omit<EvalScope, 'condition' | 'resource' | 'importValue'>,
): void => {
  const scope: EvalScope = {
    ...base,
    resource: () => undefined,
    importValue: () => {
      throw templateError('Template format error: Rules cannot use Fn::ImportValue');
    },
    condition: (name) => {
      throw templateError(`Template format error: Rules cannot refer to the condition ${name}`);
    },
  };
  for (const [name, rule] of Object.entries(template.Rules ?? {})) {
    if (!isRecord(rule)) throw templateError(`Template format error: Rule ${name} must be an object.`);
    if (rule.RuleCondition !== undefined && !conditionValue(rule.RuleCondition, scope, `Rule ${name}`))
      continue;
    const assertions = Array.isArray(rule.Assertions) ? rule.Assertions : [];
    for (const assertion of assertions) {
      if (!isRecord(assertion)) continue;
      if (!conditionValue(assertion.Assert, scope, `Rule ${name}`)) {
        throw templateError(
          typeof assertion.AssertDescription === 'string'
            ? assertion.AssertDescription
            : `Template error: Assertion of rule ${name} failed`,
        );
      }
    }
  }
};
