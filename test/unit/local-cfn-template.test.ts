// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings use ${...} placeholders on purpose.
import { describe, expect, it } from 'vitest';
import { decodeQuery, toXml } from '../../src/local/services/cloudformation/codec.js';
import { generatedName } from '../../src/local/services/cloudformation/resources.js';
import {
  CDK_BOOTSTRAP_VERSION,
  checkRules,
  collectReferences,
  dependencyOrder,
  type EvalScope,
  evaluate,
  evaluateConditions,
  isNoEcho,
  NO_VALUE,
  parseDocumentBody,
  parseTemplate,
  resolveParameters,
} from '../../src/local/services/cloudformation/template.js';

const scope = (overrides: Partial<EvalScope> = {}): EvalScope => ({
  region: 'eu-west-1',
  accountId: '123456789012',
  stackName: 'st',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/st/id',
  parameters: { Env: 'prod', List: ['a', 'b'], Num: '3' },
  mappings: { Sizes: { prod: { small: 1, names: ['x', 'y'] } } },
  condition: (name) => name === 'Yes',
  resource: (id) =>
    id === 'Queue'
      ? {
          ref: 'https://q/url',
          attribute: (name) => ({ Arn: 'arn:aws:sqs:eu-west-1:123456789012:q', QueueName: 'q' })[name],
        }
      : undefined,
  importValue: (name) => `imported:${name}`,
  ...overrides,
});

const ev = (value: unknown, s: EvalScope = scope()) => evaluate(value, s);
const yamlValue = (text: string) => parseDocumentBody(`v: ${text}`) as { v: unknown };
const resources = (yaml: string) => parseTemplate(`Resources:\n  Q:\n    Type: AWS::SQS::Queue\n${yaml}`);

const validationMessage = (work: () => unknown): string => {
  try {
    work();
  } catch (err) {
    expect(err).toMatchObject({ code: 'ValidationError', status: 400 });
    return (err as Error).message;
  }
  throw new Error('expected a ValidationError');
};

describe('YAML short-form tags', () => {
  it('turns each short tag into its long form, scalars, lists and maps alike', () => {
    expect(yamlValue('!Ref Queue').v).toEqual({ Ref: 'Queue' });
    expect(yamlValue('!Condition IsProd').v).toEqual({ Condition: 'IsProd' });
    expect(yamlValue('!GetAtt Queue.Arn').v).toEqual({ 'Fn::GetAtt': ['Queue', 'Arn'] });
    expect(yamlValue('!GetAtt Db.Endpoint.Address').v).toEqual({ 'Fn::GetAtt': ['Db', 'Endpoint.Address'] });
    expect(yamlValue('!GetAtt Queue').v).toEqual({ 'Fn::GetAtt': ['Queue'] });
    expect(yamlValue('!GetAtt [Queue, Arn]').v).toEqual({ 'Fn::GetAtt': ['Queue', 'Arn'] });
    expect(yamlValue('!Sub "${A}-x"').v).toEqual({ 'Fn::Sub': '${A}-x' });
    expect(yamlValue('!Join ["", [a, !Ref B]]').v).toEqual({ 'Fn::Join': ['', ['a', { Ref: 'B' }]] });
    expect(yamlValue('!Base64 {"Fn::Sub": x}').v).toEqual({ 'Fn::Base64': { 'Fn::Sub': 'x' } });
    expect(yamlValue("!GetAZs ''").v).toEqual({ 'Fn::GetAZs': '' });
    const nested = parseDocumentBody('v: !Sub\n  - "${A}"\n  - A: !If [C, !Ref X, !Ref "AWS::NoValue"]\n');
    expect(nested).toEqual({
      v: { 'Fn::Sub': ['${A}', { A: { 'Fn::If': ['C', { Ref: 'X' }, { Ref: 'AWS::NoValue' }] } }] },
    });
  });

  it('keeps dates as strings and resolves anchors', () => {
    expect(parseDocumentBody('a: 2010-09-09\nb: &x {k: 1}\nc: *x\n')).toEqual({
      a: '2010-09-09',
      b: { k: 1 },
      c: { k: 1 },
    });
  });

  it('rejects unknown tags and malformed documents', () => {
    expect(validationMessage(() => parseDocumentBody('a: !Nope x'))).toMatch(
      /^Template format error: YAML not well-formed\. \(Unresolved tag: !Nope/,
    );
    expect(validationMessage(() => parseDocumentBody('a: [1'))).toMatch(/YAML not well-formed/);
    expect(validationMessage(() => parseDocumentBody('a: 1\na: 2'))).toMatch(/YAML not well-formed/);
    expect(validationMessage(() => parseDocumentBody(' {"a": }'))).toMatch(
      /^Template format error: JSON not well-formed/,
    );
  });
});

describe('template shape', () => {
  it('parses a full template', () => {
    const t = parseTemplate(`
AWSTemplateFormatVersion: '2010-09-09'
Description: d
Metadata: {}
Rules: {}
Parameters:
  P: { Type: String, Default: x }
Mappings:
  M: { a: { b: c } }
Conditions:
  C: !Equals [!Ref P, x]
Resources:
  Q:
    Type: AWS::SQS::Queue
    Condition: C
    DeletionPolicy: Retain
    DependsOn: R
  R:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !Ref P }
Outputs:
  O: { Value: !Ref Q, Description: out, Condition: C, Export: { Name: e } }
  O2: { Value: x }
`);
    expect(t.Description).toBe('d');
    expect(t.Resources.Q).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: {},
      DependsOn: ['R'],
      Condition: 'C',
      DeletionPolicy: 'Retain',
    });
    expect(t.Outputs.O).toEqual({
      Value: { Ref: 'Q' },
      Description: 'out',
      Export: { Name: 'e' },
      Condition: 'C',
    });
    expect(t.Outputs.O2).toEqual({
      Value: 'x',
      Description: undefined,
      Export: undefined,
      Condition: undefined,
    });
    expect(dependencyOrder(t)).toEqual(['R', 'Q']);
  });

  it.each([
    ['[1, 2]', /must be a JSON or YAML object/],
    ['Foo: 1\nResources: {}', /^Template format error: Invalid template property or properties \[Foo\]$/],
    [
      'Transform: AWS::Serverless-2016-10-31\nResources: {}',
      /Transform AWS::Serverless-2016-10-31 is not supported/,
    ],
    [
      'Transform: [AWS::LanguageExtensions, AWS::Include]\nResources: {}',
      /^Transform AWS::Include is not supported by the eventprobe emulator/,
    ],
    [
      'Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Q: [X, [a], {}]',
      /^Template format error: Fn::ForEach is not supported by the eventprobe emulator\.$/,
    ],
    ['Resources: []', /Resources must be an object/],
    ['Resources:', /At least one Resources member must be defined/],
    ['Resources:\n  my-q: { Type: AWS::SQS::Queue }', /Resource name my-q is non alphanumeric/],
    [
      'Resources:\n  Q: { Properties: {} }',
      /\[\/Resources\/Q\] Every Resources object must contain a Type member/,
    ],
    ['Resources:\n  Q: 1', /Every Resources object must contain a Type member/],
    ['Resources:\n  Q: { Type: T, Properties: [] }', /\[\/Resources\/Q\/Properties\] must be an object/],
    [
      'Parameters:\n  P: {}\nResources:\n  Q: { Type: T }',
      /Every Parameters object must contain a Type member/,
    ],
    [
      'Parameters:\n  P: 1\nResources:\n  Q: { Type: T }',
      /Every Parameters object must contain a Type member/,
    ],
    [
      'Resources:\n  Q: { Type: T }\nOutputs:\n  O: { Description: x }',
      /Every Outputs member must contain a Value/,
    ],
    ['Resources:\n  Q: { Type: T }\nOutputs:\n  O: 1', /Every Outputs member must contain a Value/],
    ['Resources:\n  Q: { Type: T }\nOutputs:\n  O: { Value: 1, Export: {} }', /Output O is malformed/],
    ['Resources:\n  Q: { Type: T }\nOutputs:\n  O: { Value: 1, Export: x }', /Output O is malformed/],
    ['Resources:\n  Q: { Type: T, Condition: Nope }', /Unresolved dependencies \[Nope\]/],
    [
      'Resources:\n  Q: { Type: T, DependsOn: [A, B] }',
      /^Template format error: Unresolved resource dependencies \[A, B\] in the Resources block of the template$/,
    ],
    [
      'Resources:\n  Q: { Type: T, Properties: { A: !GetAtt Nope.Arn } }',
      /^Template error: instance of Fn::GetAtt references undefined resource Nope$/,
    ],
    [
      'Resources:\n  Q: { Type: T, Properties: { A: !Sub "${Nope}" } }',
      /Unresolved resource dependencies \[Nope\]/,
    ],
    [
      'Resources:\n  Q: { Type: T }\nOutputs:\n  O: { Value: !Ref Nope }',
      /^Template format error: Unresolved resource dependencies \[Nope\] in the Outputs block of the template$/,
    ],
    [
      'Resources:\n  Q: { Type: T }\nOutputs:\n  O: { Value: 1, Export: { Name: !Ref Gone } }',
      /\[Gone\] in the Outputs block/,
    ],
  ])('rejects %j', (body, message) => {
    expect(validationMessage(() => parseTemplate(body))).toMatch(message);
  });

  it('accepts references to parameters, pseudo parameters, Sub variables and escapes', () => {
    const t = resources(
      '    Properties:\n      A: !Sub ["${X}-${AWS::Region}-${!Literal}-${P}", { X: 1 }]\n      B: !Ref AWS::StackName\nParameters:\n  P: { Type: String }\n',
    );
    expect(t.Resources.Q?.Properties).toBeDefined();
  });
});

describe('dependencies', () => {
  it('orders by Ref, GetAtt (both forms), Sub and DependsOn, keeping template order otherwise', () => {
    const t = parseTemplate(`
Resources:
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      Targets: [{ Arn: !GetAtt Queue.Arn }, { Arn: !Sub '\${Stream.Arn}' }]
  Policy:
    Type: AWS::SQS::QueuePolicy
    DependsOn: Rule
    Properties: { Queues: [!Ref Queue] }
  Bus: { Type: AWS::Events::EventBus }
  Queue: { Type: AWS::SQS::Queue, Properties: { Name: !GetAtt [Other, Name] } }
  Other: { Type: AWS::SQS::Queue }
  Stream: { Type: AWS::Kinesis::Stream }
`);
    expect(dependencyOrder(t)).toEqual(['Bus', 'Other', 'Stream', 'Queue', 'Rule', 'Policy']);
  });

  it('reports cycles (direct, through Sub, and self) as a validation error', () => {
    expect(
      validationMessage(() =>
        parseTemplate(`
Resources:
  A: { Type: T, Properties: { X: !Ref B } }
  B: { Type: T, Properties: { X: !Sub '\${C.Arn}' } }
  C: { Type: T, DependsOn: A }
  D: { Type: T }
`),
      ),
    ).toBe('Circular dependency between resources: [A, B, C]');
    expect(validationMessage(() => parseTemplate('Resources:\n  A: { Type: T, DependsOn: A }'))).toBe(
      'Circular dependency between resources: [A]',
    );
  });

  it('collects references in nested values, skipping Sub variables and escapes', () => {
    expect(
      collectReferences({
        a: [{ Ref: 'A' }, { 'Fn::GetAtt': ['B', { Ref: 'P' }] }],
        b: { 'Fn::Sub': ['${C}${V}${!D}${AWS::Region}${E.Arn}', { V: { Ref: 'F' } }] },
        c: { 'Fn::Sub': { Ref: 'G' } },
        d: { Ref: 1 },
      }),
    ).toEqual([
      { name: 'A', kind: 'Ref' },
      { name: 'B', kind: 'GetAtt' },
      { name: 'P', kind: 'Ref' },
      { name: 'C', kind: 'Ref' },
      { name: 'AWS::Region', kind: 'Ref' },
      { name: 'E', kind: 'GetAtt' },
      { name: 'F', kind: 'Ref' },
    ]);
  });
});

describe('intrinsic functions', () => {
  it('Ref: pseudo parameters, parameters, resources, NoValue', () => {
    expect(ev({ Ref: 'AWS::Region' })).toBe('eu-west-1');
    expect(ev({ Ref: 'AWS::AccountId' })).toBe('123456789012');
    expect(ev({ Ref: 'AWS::StackName' })).toBe('st');
    expect(ev({ Ref: 'AWS::StackId' })).toMatch(/stack\/st\/id$/);
    expect(ev({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(ev({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(ev({ Ref: 'AWS::NotificationARNs' })).toEqual([]);
    expect(ev({ Ref: 'AWS::NoValue' })).toBe(NO_VALUE);
    expect(ev({ Ref: 'Env' })).toBe('prod');
    expect(ev({ Ref: 'List' })).toEqual(['a', 'b']);
    expect(ev({ Ref: 'Queue' })).toBe('https://q/url');
    expect(validationMessage(() => ev({ Ref: 'Missing' }))).toMatch(
      /Unresolved resource dependencies \[Missing\]/,
    );
    expect(validationMessage(() => ev({ Ref: { a: 1 } }))).toMatch(/^Template error: Ref expects a string/);
  });

  it('AWS::NoValue drops keys and list items', () => {
    expect(ev({ a: { Ref: 'AWS::NoValue' }, b: [1, { Ref: 'AWS::NoValue' }, 2], c: 'x' })).toEqual({
      b: [1, 2],
      c: 'x',
    });
  });

  it('Fn::GetAtt', () => {
    expect(ev({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('arn:aws:sqs:eu-west-1:123456789012:q');
    expect(validationMessage(() => ev({ 'Fn::GetAtt': ['Queue', 'Nope'] }))).toBe(
      'Template error: resource Queue does not support attribute type Nope in Fn::GetAtt',
    );
    expect(validationMessage(() => ev({ 'Fn::GetAtt': ['Other', 'Arn'] }))).toMatch(
      /undefined resource Other/,
    );
    expect(validationMessage(() => ev({ 'Fn::GetAtt': ['Queue'] }))).toMatch(
      /expects \[logicalId, attributeName\]/,
    );
    expect(validationMessage(() => ev({ 'Fn::GetAtt': 'Queue.Arn' }))).toMatch(/Fn::GetAtt expects a list/);
  });

  it('Fn::Sub: string and [string, vars] forms, pseudo parameters, Res.Attr, lists, escapes', () => {
    expect(ev({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Env}' })).toBe(
      'arn:aws:x:eu-west-1:123456789012:prod',
    );
    expect(ev({ 'Fn::Sub': '${Queue}|${Queue.Arn}|${ Queue.QueueName }|${!Keep}|${List}' })).toBe(
      'https://q/url|arn:aws:sqs:eu-west-1:123456789012:q|q|${Keep}|a,b',
    );
    expect(ev({ 'Fn::Sub': ['${A}-${B}-${Env}', { A: { Ref: 'Queue' }, B: 2 }] })).toBe(
      'https://q/url-2-prod',
    );
    expect(ev({ 'Fn::Sub': ['plain'] })).toBe('plain');
    expect(validationMessage(() => ev({ 'Fn::Sub': ['${A}', ['x']] }))).toMatch(/variables must be a map/);
    expect(validationMessage(() => ev({ 'Fn::Sub': '${Nope.Arn}' }))).toMatch(/undefined resource Nope/);
    expect(validationMessage(() => ev({ 'Fn::Sub': [{ a: 1 }] }))).toMatch(/Fn::Sub expects a string/);
  });

  it('Fn::Join, Fn::Select, Fn::Split, Fn::GetAZs', () => {
    expect(ev({ 'Fn::Join': [',', ['a', { Ref: 'Env' }, 1, true]] })).toBe('a,prod,1,true');
    expect(ev({ 'Fn::Join': ['-', { Ref: 'List' }] })).toBe('a-b');
    expect(validationMessage(() => ev({ 'Fn::Join': ['-', 'ab'] }))).toMatch(/Fn::Join expects a list/);
    expect(validationMessage(() => ev({ 'Fn::Join': ['-', [{}]] }))).toMatch(/Fn::Join expects a string/);
    expect(ev({ 'Fn::Select': ['1', { 'Fn::Split': ['|', 'bus|rule'] }] })).toBe('rule');
    expect(ev({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] })).toBe('eu-west-1a');
    expect(ev({ 'Fn::GetAZs': { Ref: 'AWS::Region' } })).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    expect(ev({ 'Fn::GetAZs': 'us-east-2' })).toEqual(['us-east-2a', 'us-east-2b', 'us-east-2c']);
    expect(validationMessage(() => ev({ 'Fn::Select': [2, ['a']] }))).toBe(
      'Template error: Fn::Select index 2 is out of bounds for a list of 1',
    );
    expect(validationMessage(() => ev({ 'Fn::Select': ['x', ['a']] }))).toMatch(/out of bounds/);
  });

  it('Fn::If and conditions: Equals, Not, And, Or, Condition', () => {
    expect(ev({ 'Fn::If': ['Yes', 'a', 'b'] })).toBe('a');
    expect(ev({ 'Fn::If': ['No', 'a', { Ref: 'AWS::NoValue' }] })).toBe(NO_VALUE);
    expect(ev({ 'Fn::Equals': [{ Ref: 'Num' }, 3] })).toBe(true);
    expect(ev({ 'Fn::Equals': ['a', 'b'] })).toBe(false);
    expect(ev({ 'Fn::Not': [{ Condition: 'Yes' }] })).toBe(false);
    expect(ev({ 'Fn::And': [{ Condition: 'Yes' }, { 'Fn::Equals': [1, 1] }] })).toBe(true);
    expect(ev({ 'Fn::Or': [{ Condition: 'No' }, 'true'] })).toBe(true);
    expect(ev({ 'Fn::Or': [{ Condition: 'No' }, 'false'] })).toBe(false);
    expect(ev({ Condition: 'Yes' })).toBe(true);
    expect(ev({ Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'Env' } } } })).toEqual({
      Condition: { ArnEquals: { 'aws:SourceArn': 'prod' } },
    });
    expect(validationMessage(() => ev({ 'Fn::Not': ['maybe'] }))).toMatch(/Fn::Not expects conditions/);
  });

  it('Fn::FindInMap, Fn::Base64, Fn::ImportValue, Fn::ToJsonString, Fn::Length', () => {
    expect(ev({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'small'] })).toBe(1);
    expect(ev({ 'Fn::FindInMap': ['Sizes', 'prod', 'names'] })).toEqual(['x', 'y']);
    expect(validationMessage(() => ev({ 'Fn::FindInMap': ['Sizes', 'dev', 'small'] }))).toBe(
      'Template error: Unable to get mapping for Sizes::dev::small',
    );
    expect(validationMessage(() => ev({ 'Fn::FindInMap': ['Nope', 'a', 'b'] }))).toMatch(
      /Unable to get mapping/,
    );
    expect(ev({ 'Fn::Base64': { 'Fn::Sub': '${Env}' } })).toBe(Buffer.from('prod').toString('base64'));
    expect(ev({ 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-x' } })).toBe('imported:st-x');
    expect(ev({ 'Fn::ToJsonString': { a: { Ref: 'Env' } } })).toBe('{"a":"prod"}');
    expect(ev({ 'Fn::Length': { Ref: 'List' } })).toBe(2);
  });

  it('Fn::Cidr splits IPv4 and IPv6 blocks as CloudFormation does', () => {
    expect(ev({ 'Fn::Cidr': ['10.0.0.0/16', 3, 8] })).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24']);
    expect(ev({ 'Fn::Cidr': ['192.168.7.9/24', 2, '5'] })).toEqual(['192.168.7.0/27', '192.168.7.32/27']);
    expect(ev({ 'Fn::Select': [1, { 'Fn::Cidr': ['2001:db8::/56', 2, 64] }] })).toBe('2001:db8:0:1::/64');
    expect(ev({ 'Fn::Cidr': ['::/0', 1, 64] })).toEqual(['::/64']);
    expect(validationMessage(() => ev({ 'Fn::Cidr': ['10.0.0/16', 2, 8] }))).toMatch(
      /^Template error: Fn::Cidr expects an IPv4 or IPv6 CIDR block/,
    );
    expect(validationMessage(() => ev({ 'Fn::Cidr': ['10.0.0.0/24', 2, 9] }))).toBe(
      'Template error: Fn::Cidr cidrBits 9 does not fit in 10.0.0.0/24',
    );
    expect(validationMessage(() => ev({ 'Fn::Cidr': ['10.0.0.0/24', 3, 7] }))).toBe(
      'Template error: Fn::Cidr cannot make 3 subnets of /25 in 10.0.0.0/24',
    );
    expect(validationMessage(() => ev({ 'Fn::Cidr': ['1::2::3/64', 1, 8] }))).toMatch(
      /expects an IPv4 or IPv6/,
    );
    expect(ev({ Ref: 'AWS::NotificationARNs' }, scope({ notificationARNs: ['arn:aws:sns:x:1:t'] }))).toEqual([
      'arn:aws:sns:x:1:t',
    ]);
  });

  it('rejects functions the emulator does not know, and keeps ordinary objects', () => {
    expect(validationMessage(() => ev({ 'Fn::Nope': ['10.0.0.0/16', 2, 8] }))).toBe(
      'Template format error: Fn::Nope is not supported by the eventprobe emulator',
    );
    expect(ev({ Key: 'v' })).toEqual({ Key: 'v' });
    expect(ev('text')).toBe('text');
  });
});

describe('conditions', () => {
  const template = (conditions: string) =>
    parseTemplate(
      `Parameters:\n  Env: { Type: String, Default: prod }\nConditions:\n${conditions}\nResources:\n  Q: { Type: T }\n`,
    );
  const base = () => {
    const { condition: _c, ...rest } = scope({ parameters: { Env: 'prod' } });
    return rest;
  };

  it('evaluates conditions that refer to each other', () => {
    const t = template(
      '  IsProd: !Equals [!Ref Env, prod]\n  NotProd: !Not [!Condition IsProd]\n  Both: !And [!Condition IsProd, !Condition Always]\n  Always: !Or [!Condition NotProd, !Condition IsProd]',
    );
    expect(evaluateConditions(t, base())).toEqual({ IsProd: true, NotProd: false, Both: true, Always: true });
  });

  it('reports unknown and circular conditions, and resource references', () => {
    expect(validationMessage(() => evaluateConditions(template('  A: !Condition B'), base()))).toMatch(
      /Unresolved dependencies \[B\]/,
    );
    expect(
      validationMessage(() =>
        evaluateConditions(template('  A: !Not [!Condition B]\n  B: !Not [!Condition A]'), base()),
      ),
    ).toMatch(/circular condition references/);
    expect(validationMessage(() => evaluateConditions(template('  A: !Equals [!Ref Q, x]'), base()))).toMatch(
      /Unresolved resource dependencies \[Q\]/,
    );
  });
});

describe('parameters', () => {
  const decls = {
    Env: { Type: 'String', Default: 'test', AllowedValues: ['test', 'prod'] },
    Count: { Type: 'Number', Default: 2, MinValue: 1, MaxValue: 5 },
    Names: { Type: 'CommaDelimitedList', Default: 'a, b' },
    Ports: { Type: 'List<Number>', Default: [80, 443] },
    Secret: { Type: 'String', NoEcho: 'true', MinLength: 2, MaxLength: 4, Default: 'abc' },
    Code: { Type: 'String', AllowedPattern: '[a-z]+', Default: 'abc' },
    Sub: { Type: 'AWS::EC2::Subnet::Id', Default: 'subnet-1' },
    Ssm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/x' },
    Empty: { Type: 'CommaDelimitedList', Default: '' },
  } as const;

  it('applies defaults and splits lists', () => {
    const r = resolveParameters(decls, []);
    expect(r.values).toEqual({
      Env: 'test',
      Count: '2',
      Names: ['a', 'b'],
      Ports: ['80', '443'],
      Secret: 'abc',
      Code: 'abc',
      Sub: 'subnet-1',
      Ssm: '/x',
      Empty: [],
    });
    expect(r.raw.Ports).toBe('80,443');
  });

  it('uses given values and previous values', () => {
    const r = resolveParameters(
      decls,
      [
        { ParameterKey: 'Env', ParameterValue: 'prod' },
        { ParameterKey: 'Secret', UsePreviousValue: true },
      ],
      { Secret: 'old' },
    );
    expect(r.raw).toMatchObject({ Env: 'prod', Secret: 'old' });
    expect(
      validationMessage(() => resolveParameters(decls, [{ ParameterKey: 'Env', UsePreviousValue: true }])),
    ).toMatch(/Cannot specify usePreviousValue as true for a parameter key not in the previous template/);
  });

  it.each([
    [
      [{ ParameterKey: 'Nope', ParameterValue: 'x' }, { ParameterValue: 'y' }],
      'Parameters: [Nope, ] do not exist in the template',
    ],
    [[{ ParameterKey: 'Env', ParameterValue: 'dev' }], "Parameter 'Env' must be one of AllowedValues"],
    [[{ ParameterKey: 'Count', ParameterValue: 'x' }], "Parameter 'Count' must be a number."],
    [[{ ParameterKey: 'Count', ParameterValue: ' ' }], "Parameter 'Count' must be a number."],
    [[{ ParameterKey: 'Count', ParameterValue: '0' }], "Parameter 'Count' must be a number not less than 1"],
    [
      [{ ParameterKey: 'Count', ParameterValue: '6' }],
      "Parameter 'Count' must be a number not greater than 5",
    ],
    [[{ ParameterKey: 'Ports', ParameterValue: '80,x' }], "Parameter 'Ports' must be a number."],
    [
      [{ ParameterKey: 'Secret', ParameterValue: 'a' }],
      "Parameter 'Secret' must contain at least 2 characters",
    ],
    [
      [{ ParameterKey: 'Secret', ParameterValue: 'abcde' }],
      "Parameter 'Secret' must contain at most 4 characters",
    ],
    [[{ ParameterKey: 'Code', ParameterValue: 'ab1' }], "Parameter 'Code' must match pattern [a-z]+"],
  ])('rejects %j', (given, message) => {
    expect(validationMessage(() => resolveParameters(decls, given))).toBe(message);
  });

  it('reports missing values, unknown types and constraint descriptions', () => {
    expect(
      validationMessage(() => resolveParameters({ A: { Type: 'String' }, B: { Type: 'Number' } }, [])),
    ).toBe('Parameters: [A, B] must have values');
    expect(validationMessage(() => resolveParameters({ A: { Type: 'Strng', Default: 'x' } }, []))).toBe(
      'Template format error: Unrecognized parameter type: Strng',
    );
    expect(
      validationMessage(() =>
        resolveParameters(
          { A: { Type: 'String', Default: 'x', AllowedValues: ['y'], ConstraintDescription: 'must be y' } },
          [],
        ),
      ),
    ).toBe("Parameter 'A' must be y");
  });

  it('knows NoEcho in both spellings', () => {
    expect(isNoEcho({ Type: 'String', NoEcho: true })).toBe(true);
    expect(isNoEcho({ Type: 'String', NoEcho: 'True' })).toBe(true);
    expect(isNoEcho({ Type: 'String' })).toBe(false);
    expect(isNoEcho(undefined)).toBe(false);
  });
});

describe('query codec and names', () => {
  it('decodes flattened members into lists and objects, with typed fields', () => {
    expect(
      decodeQuery({
        StackName: 's',
        'Parameters.member.2.ParameterKey': 'B',
        'Parameters.member.1.ParameterKey': 'A',
        'Parameters.member.1.ParameterValue': 'x',
        'Parameters.member.2.UsePreviousValue': 'true',
        'Capabilities.member.1': 'CAPABILITY_IAM',
        DisableRollback: 'false',
        TimeoutInMinutes: '5',
      }),
    ).toEqual({
      StackName: 's',
      Parameters: [
        { ParameterKey: 'A', ParameterValue: 'x' },
        { ParameterKey: 'B', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      DisableRollback: false,
      TimeoutInMinutes: 5,
    });
  });

  it('renders values as XML', () => {
    expect(toXml({ A: [{ B: 'x<y' }], C: new Date(0), D: undefined, E: true, F: null })).toBe(
      '<A><member><B>x&lt;y</B></member></A><C>1970-01-01T00:00:00.000Z</C><E>true</E>',
    );
  });

  it('generates names within the limit, with the suffix', () => {
    const name = generatedName(
      'a-very-long-stack-name-indeed',
      'AnEvenLongerLogicalIdForAQueue',
      40,
      '.fifo',
    );
    expect(name.length).toBeLessThanOrEqual(40);
    expect(name).toMatch(/^a-very-.+-[A-Z0-9]{13}\.fifo$/);
    expect(generatedName('st', 'Q', 80)).toMatch(/^st-Q-[A-Z0-9]{13}$/);
  });
});

describe('Rules and SSM parameters', () => {
  const cdk = parseTemplate(`
Parameters:
  BootstrapVersion:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /cdk-bootstrap/hnb659fds/version
  Env: { Type: String, Default: dev }
  Other: { Type: 'AWS::SSM::Parameter::Value<String>', Default: /my/param }
  Zones: { Type: CommaDelimitedList, Default: 'a,b' }
Rules:
  CheckBootstrapVersion:
    Assertions:
      - Assert: !Not [!Contains [['1', '2', '3', '4', '5'], !Ref BootstrapVersion]]
        AssertDescription: CDK bootstrap stack version 6 required.
  ProdOnly:
    RuleCondition: !Equals [!Ref Env, prod]
    Assertions:
      - Assert: !EachMemberIn [!Ref Zones, [a]]
        AssertDescription: prod runs in zone a only
  Same:
    Assertions:
      - Assert: { 'Fn::EachMemberEquals': [!Ref Zones, a] }
Resources:
  Q: { Type: AWS::SQS::Queue }
`);
  const base = (given: { ParameterKey: string; ParameterValue: string }[]) => ({
    region: 'us-east-1',
    accountId: '000000000000',
    stackName: 's',
    stackId: '',
    mappings: {},
    parameters: resolveParameters(cdk.Parameters, given).values,
  });

  it('answers the CDK bootstrap version and passes other SSM names on', () => {
    const { values, raw } = resolveParameters(cdk.Parameters, []);
    expect(values.BootstrapVersion).toBe(CDK_BOOTSTRAP_VERSION);
    expect(raw.BootstrapVersion).toBe('/cdk-bootstrap/hnb659fds/version');
    expect(values.Other).toBe('/my/param');
  });

  it('checks assertions whose rule condition holds', () => {
    expect(() => checkRules(cdk, base([{ ParameterKey: 'Zones', ParameterValue: 'a,a' }]))).not.toThrow();
    expect(validationMessage(() => checkRules(cdk, base([])))).toBe(
      'Template error: Assertion of rule Same failed',
    );
    expect(
      validationMessage(() =>
        checkRules(
          cdk,
          base([
            { ParameterKey: 'Env', ParameterValue: 'prod' },
            { ParameterKey: 'Zones', ParameterValue: 'b' },
          ]),
        ),
      ),
    ).toBe('prod runs in zone a only');
    expect(
      validationMessage(() =>
        checkRules(
          cdk,
          base([
            { ParameterKey: 'BootstrapVersion', ParameterValue: '3' },
            { ParameterKey: 'Zones', ParameterValue: 'a' },
          ]),
        ),
      ),
    ).toBe('CDK bootstrap stack version 6 required.');
    const bad = parseTemplate('Rules:\n  R: 1\nResources:\n  Q: { Type: AWS::SQS::Queue }');
    expect(validationMessage(() => checkRules(bad, base([])))).toBe(
      'Template format error: Rule R must be an object.',
    );
    const cond = parseTemplate(
      'Rules:\n  R: { Assertions: [{ Assert: { Condition: C } }, 1] }\nConditions:\n  C: !Equals [a, a]\nResources:\n  Q: { Type: AWS::SQS::Queue }',
    );
    expect(validationMessage(() => checkRules(cond, base([])))).toBe(
      'Template format error: Rules cannot refer to the condition C',
    );
    const imp = parseTemplate(
      "Rules:\n  R: { Assertions: [{ Assert: !Equals [!ImportValue x, 'y'] }] }\nResources:\n  Q: { Type: AWS::SQS::Queue }",
    );
    expect(validationMessage(() => checkRules(imp, base([])))).toBe(
      'Template format error: Rules cannot use Fn::ImportValue',
    );
  });
});
