import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samTransform } from '../../src/local/deploy/sam.js';
import { parseDocumentBody } from '../../src/local/services/cloudformation/template.js';

type Expanded = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }>;
};

const dir = mkdtempSync(join(tmpdir(), 'sam-sm-'));
writeFileSync(join(dir, 'flow.yaml'), 'StartAt: A\nStates:\n  A: { Type: Pass, End: true }\n');
writeFileSync(join(dir, 'broken.json'), '{ "StartAt": ');
writeFileSync(join(dir, 'list.json'), '[1, 2]');

const expand = (yaml: string) =>
  samTransform(
    parseDocumentBody(`Transform: AWS::Serverless-2016-10-31\nResources:\n${yaml}`) as Record<
      string,
      unknown
    >,
    {
      baseDir: dir,
    },
  ) as Expanded;

describe('SAM AWS::Serverless::StateMachine', () => {
  it('reads DefinitionUri (YAML) relative to the template and generates the role', () => {
    const { Resources } = expand(`
  Flow:
    Type: AWS::Serverless::StateMachine
    DeletionPolicy: Retain
    Properties:
      DefinitionUri: flow.yaml
      Name: flow
      Type: EXPRESS
      Logging: { Level: ALL }
      Tracing: { Enabled: true }
      RolePath: /sfn/
      Policies: [AWSLambdaRole, { Statement: [{ Effect: Allow, Action: 'sqs:*', Resource: '*' }] }]
`);
    expect(Resources.Flow).toEqual({
      Type: 'AWS::StepFunctions::StateMachine',
      DeletionPolicy: 'Retain',
      Properties: {
        Definition: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
        RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] },
        StateMachineName: 'flow',
        StateMachineType: 'EXPRESS',
        LoggingConfiguration: { Level: 'ALL' },
        TracingConfiguration: { Enabled: true },
        Tags: [{ Key: 'stateMachine:createdBy', Value: 'SAM' }],
      },
    });
    const role = Resources.FlowRole?.Properties as Record<string, unknown>;
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('states.amazonaws.com');
    expect(role.ManagedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess',
      'arn:aws:iam::aws:policy/AWSLambdaRole',
    ]);
    expect(role.Path).toBe('/sfn/');
    expect(role.Policies).toHaveLength(1);
  });

  it('keeps an inline Definition and a given Role; S3 DefinitionUri becomes DefinitionS3Location', () => {
    const { Resources } = expand(`
  Inline:
    Type: AWS::Serverless::StateMachine
    DependsOn: Other
    Properties:
      Role: arn:aws:iam::000000000000:role/mine
      Definition: { StartAt: A, States: { A: { Type: Succeed } } }
      DefinitionSubstitutions: { X: 1 }
  FromS3:
    Type: AWS::Serverless::StateMachine
    Properties:
      Role: arn:aws:iam::000000000000:role/mine
      DefinitionUri: s3://bucket/flow.json
  FromS3Object:
    Type: AWS::Serverless::StateMachine
    Properties:
      Role: arn:aws:iam::000000000000:role/mine
      DefinitionUri: { Bucket: b, Key: k, Version: '3' }
`);
    expect(Resources.InlineRole).toBeUndefined();
    expect(Resources.Inline?.DependsOn).toBe('Other');
    expect(Resources.Inline?.Properties).toMatchObject({
      RoleArn: 'arn:aws:iam::000000000000:role/mine',
      Definition: { StartAt: 'A' },
      DefinitionSubstitutions: { X: 1 },
    });
    expect(Resources.FromS3?.Properties.DefinitionS3Location).toEqual({ Bucket: 'bucket', Key: 'flow.json' });
    expect(Resources.FromS3Object?.Properties.DefinitionS3Location).toEqual({
      Bucket: 'b',
      Key: 'k',
      Version: '3',
    });
  });

  it('turns Schedule and EventBridgeRule events into rules targeting the machine with a role', () => {
    const { Resources } = expand(`
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: { StartAt: A, States: { A: { Type: Succeed } } }
      Events:
        Tick:
          Type: Schedule
          Properties: { Schedule: rate(5 minutes), Name: tick, Description: d, Enabled: false, Input: '{}' }
        Placed:
          Type: EventBridgeRule
          Properties:
            EventBusName: orders
            RuleName: placed
            Pattern: { source: [shop] }
            InputPath: $.detail
            RetryPolicy: { MaximumRetryAttempts: 1 }
            DeadLetterConfig: { Arn: arn:aws:sqs:us-east-1:000000000000:dlq }
`);
    expect(Resources.FlowTick?.Properties).toEqual({
      ScheduleExpression: 'rate(5 minutes)',
      Name: 'tick',
      Description: 'd',
      State: 'DISABLED',
      Targets: [
        {
          Arn: { Ref: 'Flow' },
          Id: 'FlowTickStepFunctionsTarget',
          Input: '{}',
          RoleArn: { 'Fn::GetAtt': ['FlowTickRole', 'Arn'] },
        },
      ],
    });
    expect(Resources.FlowPlaced?.Properties).toMatchObject({
      EventBusName: 'orders',
      Name: 'placed',
      EventPattern: { source: ['shop'] },
      Targets: [
        {
          Id: 'FlowPlacedStepFunctionsTarget',
          InputPath: '$.detail',
          RetryPolicy: { MaximumRetryAttempts: 1 },
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
        },
      ],
    });
    expect(JSON.stringify(Resources.FlowPlacedRole)).toContain('states:StartExecution');
    expect(JSON.stringify(Resources.FlowPlacedRole)).toContain('events.amazonaws.com');
  });

  it.each([
    [
      'both definitions',
      'Definition: {}\n      DefinitionUri: flow.yaml',
      "either 'Definition' or 'DefinitionUri'",
    ],
    ['no definition', 'Tracing: { Enabled: false }', "Either 'Definition' or 'DefinitionUri'"],
    ['a missing file', 'DefinitionUri: nope.json', 'DefinitionUri nope.json cannot be read'],
    ['a broken file', 'DefinitionUri: broken.json', 'DefinitionUri broken.json is not valid JSON or YAML'],
    ['a file without an object', 'DefinitionUri: list.json', 'does not hold a state machine definition'],
    [
      'an event without a Type',
      'Definition: {}\n      Events: { E: { Properties: {} } }',
      "Missing required property 'Type'",
    ],
    [
      'an unsupported event type',
      'Definition: {}\n      Events: { E: { Type: Api } }',
      'Event type Api is not supported for state machines',
    ],
  ])('refuses %s with SAM’s error form', (_what, props, message) => {
    const run = () =>
      expand(`  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      ${props}\n`);
    expect(run).toThrow(/Resource with id \[Flow\] is invalid/);
    expect(run).toThrow(message);
  });
});
