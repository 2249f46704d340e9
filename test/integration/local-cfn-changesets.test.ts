import {
  ChangeSetNotFoundException,
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateSummaryCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { ListQueuesCommand, ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const json = (template: unknown) => JSON.stringify(template);

/** A fresh name per stack: as on AWS, a deleted queue's name stays taken for 60 s. */
let queueNames = 0;
const jobsName = () => `jobs-${process.pid}-${++queueNames}`;

const queues = (extra: Record<string, unknown> = {}, visibility = 30, jobs = jobsName()) =>
  json({
    Parameters: { Env: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'prod'] } },
    Resources: {
      Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: jobs, VisibilityTimeout: visibility } },
      Dlq: { Type: 'AWS::SQS::Queue' },
      ...extra,
    },
    Outputs: { Jobs: { Value: { Ref: 'Jobs' } }, Env: { Value: { Ref: 'Env' } } },
  });

describe('local CloudFormation change sets', () => {
  let aws: TestAws;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  const stackOf = async (name: string) =>
    (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  const changeSet = (StackName: string, ChangeSetName: string) =>
    cfn.send(new DescribeChangeSetCommand({ StackName, ChangeSetName }));
  const changes = async (StackName: string, ChangeSetName: string) =>
    ((await changeSet(StackName, ChangeSetName)).Changes ?? []).map((c) => {
      const r = c.ResourceChange;
      return `${r?.Action}:${r?.LogicalResourceId}:${r?.Replacement ?? '-'}`;
    });

  beforeAll(async () => {
    aws = await startTestAws();
    cfn = new CloudFormationClient(aws.clientConfig);
    sqs = new SQSClient(aws.clientConfig);
  });
  afterAll(async () => {
    cfn.destroy();
    sqs.destroy();
    await aws.close();
  });

  it('creates a stack through a CREATE change set, then updates it through an UPDATE one', async () => {
    const jobs = jobsName();
    const created = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'cs',
        ChangeSetName: 'first',
        ChangeSetType: 'CREATE',
        TemplateBody: queues({}, 30, jobs),
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
        Tags: [{ Key: 'team', Value: 'orders' }],
        Capabilities: ['CAPABILITY_IAM'],
        Description: 'first deploy',
      }),
    );
    expect(created.Id).toMatch(/^arn:aws:cloudformation:[^:]+:\d{12}:changeSet\/first\//);
    expect((await stackOf('cs'))?.StackStatus).toBe('REVIEW_IN_PROGRESS');
    const first = await changeSet('cs', 'first');
    expect(first).toMatchObject({
      ChangeSetName: 'first',
      StackId: created.StackId,
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'AVAILABLE',
      Description: 'first deploy',
      Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
      Tags: [{ Key: 'team', Value: 'orders' }],
      Capabilities: ['CAPABILITY_IAM'],
    });
    expect(await changes('cs', 'first')).toEqual(['Add:Jobs:-', 'Add:Dlq:-']);
    // By ARN alone, too.
    expect((await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: created.Id }))).ChangeSetName).toBe(
      'first',
    );

    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'cs', ChangeSetName: 'first' }));
    const stack = await stackOf('cs');
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack?.Outputs?.find((o) => o.OutputKey === 'Env')?.OutputValue).toBe('prod');
    expect((await changeSet('cs', 'first')).ExecutionStatus).toBe('EXECUTE_COMPLETE');
    await expect(
      cfn.send(new ExecuteChangeSetCommand({ StackName: 'cs', ChangeSetName: 'first' })),
    ).rejects.toMatchObject({
      name: 'InvalidChangeSetStatusException',
      message: `ChangeSet [${created.Id}] cannot be executed in its current execution status of [EXECUTE_COMPLETE]`,
    });

    // Stack tags and CloudFormation's own tags reach the resources.
    const jobsUrl = stack?.Outputs?.find((o) => o.OutputKey === 'Jobs')?.OutputValue as string;
    const { Tags } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: jobsUrl }));
    expect(Tags).toEqual({
      team: 'orders',
      'aws:cloudformation:stack-name': 'cs',
      'aws:cloudformation:logical-id': 'Jobs',
      'aws:cloudformation:stack-id': created.StackId,
    });

    // New stack tags reach the resources; removed ones go (CloudFormation's own tags stay).
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'cs',
        ChangeSetName: 'retag',
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }],
        Tags: [{ Key: 'owner', Value: 'ops' }],
      }),
    );
    expect(await changes('cs', 'retag')).toEqual(['Modify:Jobs:False', 'Modify:Dlq:False']);
    expect((await changeSet('cs', 'retag')).Changes?.[0]?.ResourceChange?.Scope).toEqual(['Tags']);
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'cs', ChangeSetName: 'retag' }));
    expect((await sqs.send(new ListQueueTagsCommand({ QueueUrl: jobsUrl }))).Tags).toEqual({
      owner: 'ops',
      'aws:cloudformation:stack-name': 'cs',
      'aws:cloudformation:logical-id': 'Jobs',
      'aws:cloudformation:stack-id': created.StackId,
    });

    // An update: Jobs modified in place, Dlq removed, Extra added, a rename replaces Named.
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'cs',
        ChangeSetName: 'second',
        TemplateBody: json({
          Parameters: { Env: { Type: 'String', Default: 'dev' } },
          Resources: {
            Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: jobs, VisibilityTimeout: 60 } },
            Extra: { Type: 'AWS::SQS::Queue' },
          },
          Outputs: { Jobs: { Value: { Ref: 'Jobs' } } },
        }),
        Parameters: [{ ParameterKey: 'Env', UsePreviousValue: true }],
      }),
    );
    const second = await changeSet('cs', 'second');
    expect(second.Status).toBe('CREATE_COMPLETE');
    expect(await changes('cs', 'second')).toEqual(['Modify:Jobs:False', 'Add:Extra:-', 'Remove:Dlq:-']);
    const modify = second.Changes?.[0]?.ResourceChange;
    expect(modify?.PhysicalResourceId).toBe(jobsUrl);
    expect(modify?.Scope).toEqual(['Properties']);
    expect(modify?.Details).toEqual([
      {
        Target: { Attribute: 'Properties', Name: 'VisibilityTimeout', RequiresRecreation: 'Never' },
        Evaluation: 'Static',
        ChangeSource: 'DirectModification',
      },
    ]);
    const { Summaries } = await cfn.send(new ListChangeSetsCommand({ StackName: 'cs' }));
    expect(Summaries?.map((s) => `${s.ChangeSetName}:${s.ExecutionStatus}`)).toEqual([
      'retag:EXECUTE_COMPLETE',
      'second:AVAILABLE',
    ]);

    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'cs', ChangeSetName: 'second' }));
    expect((await stackOf('cs'))?.StackStatus).toBe('UPDATE_COMPLETE');
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    expect(
      QueueUrls?.filter((u) => u.includes('/cs-')).map((u) => u.replace(/.*\/cs-(\w+)-.*/, '$1')),
    ).toEqual(['Extra']);
    await cfn.send(new DeleteStackCommand({ StackName: 'cs' }));
    await expect(changeSet('cs', 'second')).rejects.toBeInstanceOf(ChangeSetNotFoundException);
  });

  it('marks replacements True, and Conditional for what refers to a replaced resource', async () => {
    const body = (name: string) =>
      json({
        Resources: {
          Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: name } },
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'bus-r' } },
          Rule: {
            Type: 'AWS::Events::Rule',
            Properties: {
              EventBusName: { Ref: 'Bus' },
              EventPattern: { source: ['x'] },
              Targets: [{ Id: 'q', Arn: { 'Fn::GetAtt': ['Q', 'Arn'] } }],
            },
          },
        },
      });
    await cfn.send(new CreateStackCommand({ StackName: 'repl-cs', TemplateBody: body('q-a') }));
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'repl-cs',
        ChangeSetName: 'rename',
        TemplateBody: body('q-b'),
      }),
    );
    expect(await changes('repl-cs', 'rename')).toEqual(['Modify:Q:True', 'Modify:Rule:False']);
    const rule = (await changeSet('repl-cs', 'rename')).Changes?.[1]?.ResourceChange;
    expect(rule?.Details?.[0]).toMatchObject({ Evaluation: 'Dynamic', ChangeSource: 'ResourceReference' });
    // A change of type is a replacement too.
    const retyped = JSON.parse(body('q-a')) as { Resources: Record<string, unknown> };
    retyped.Resources.Q = { Type: 'AWS::CloudFormation::WaitConditionHandle' };
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'repl-cs',
        ChangeSetName: 'retype',
        TemplateBody: JSON.stringify({
          Resources: { Q: retyped.Resources.Q, Bus: retyped.Resources.Bus },
        }),
      }),
    );
    expect(await changes('repl-cs', 'retype')).toEqual(['Modify:Q:True', 'Remove:Rule:-']);
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'repl-cs', ChangeSetName: 'rename' }));
    expect((await stackOf('repl-cs'))?.StackStatus).toBe('UPDATE_COMPLETE');
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'q-' }));
    expect(QueueUrls?.map((u) => u.slice(u.lastIndexOf('/') + 1))).toEqual(['q-b']);
    await cfn.send(new DeleteStackCommand({ StackName: 'repl-cs' }));
  });

  it('answers an empty change set as AWS does, and refuses to execute it', async () => {
    const same = queues({}, 31);
    await cfn.send(new CreateStackCommand({ StackName: 'same', TemplateBody: same }));
    await cfn.send(
      new CreateChangeSetCommand({ StackName: 'same', ChangeSetName: 'noop', TemplateBody: same }),
    );
    expect(await changeSet('same', 'noop')).toMatchObject({
      Status: 'FAILED',
      ExecutionStatus: 'UNAVAILABLE',
      StatusReason:
        "The submitted information didn't contain changes. Submit different information to create a change set.",
      Changes: [],
    });
    await expect(
      cfn.send(new ExecuteChangeSetCommand({ StackName: 'same', ChangeSetName: 'noop' })),
    ).rejects.toMatchObject({
      name: 'InvalidChangeSetStatusException',
      message: expect.stringMatching(/cannot be executed in its current status of \[FAILED\]$/),
    });
    // A change of parameter value only is a change (no resource changes).
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'same',
        ChangeSetName: 'param',
        TemplateBody: same,
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
      }),
    );
    expect(await changeSet('same', 'param')).toMatchObject({ Status: 'CREATE_COMPLETE', Changes: [] });
    await cfn.send(new DeleteChangeSetCommand({ StackName: 'same', ChangeSetName: 'noop' }));
    await expect(changeSet('same', 'noop')).rejects.toMatchObject({
      name: 'ChangeSetNotFoundException',
      message: 'ChangeSet [noop] does not exist',
    });
    await cfn.send(new DeleteStackCommand({ StackName: 'same' }));
  });

  it('validates change set requests', async () => {
    const create = (input: Partial<ConstructorParameters<typeof CreateChangeSetCommand>[0]>) =>
      cfn.send(
        new CreateChangeSetCommand({
          StackName: 'val',
          ChangeSetName: 'c1',
          TemplateBody: queues(),
          ...input,
        }),
      );
    await expect(create({ ChangeSetType: 'IMPORT' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('ChangeSetType IMPORT is not supported'),
    });
    await expect(create({})).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack [val] does not exist',
    });
    await expect(create({ ChangeSetName: '1bad', ChangeSetType: 'CREATE' })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await create({ ChangeSetType: 'CREATE' });
    await expect(create({ ChangeSetType: 'CREATE' })).rejects.toMatchObject({
      name: 'AlreadyExistsException',
      message: 'ChangeSet [c1] already exists',
    });
    // A REVIEW_IN_PROGRESS stack takes more CREATE change sets, not UPDATE ones.
    await create({ ChangeSetName: 'c2', ChangeSetType: 'CREATE' });
    await expect(create({ ChangeSetName: 'c3' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/is in REVIEW_IN_PROGRESS state and can not be updated\.$/),
    });
    await expect(cfn.send(new DescribeChangeSetCommand({ ChangeSetName: 'c1' }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'val', ChangeSetName: 'c2' }));
    expect((await stackOf('val'))?.StackStatus).toBe('CREATE_COMPLETE');
    // Executing one drops the stack's other change sets.
    await expect(changeSet('val', 'c1')).rejects.toBeInstanceOf(ChangeSetNotFoundException);
    await expect(create({ ChangeSetName: 'c4', ChangeSetType: 'CREATE' })).rejects.toMatchObject({
      message: 'Stack [val] already exists and cannot be created again with the changeSet [c4].',
    });
    await cfn.send(new DeleteStackCommand({ StackName: 'val' }));

    // A stack still in review can be deleted.
    await create({ StackName: 'review', ChangeSetType: 'CREATE' });
    await cfn.send(new DeleteStackCommand({ StackName: 'review' }));
    await expect(stackOf('review')).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('refuses unrecognised resource types at once, and summarises templates', async () => {
    await expect(
      cfn.send(
        new CreateStackCommand({
          StackName: 'unknown',
          TemplateBody: json({
            Resources: {
              A: { Type: 'AWS::Nope::Thing' },
              B: { Type: 'AWS::Foo::Bar' },
              C: { Type: 'AWS::Nope::Thing' },
            },
          }),
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Template format error: Unrecognized resource types: [AWS::Nope::Thing, AWS::Foo::Bar]',
    });
    await expect(stackOf('unknown')).rejects.toMatchObject({ name: 'ValidationError' });

    const summary = await cfn.send(new GetTemplateSummaryCommand({ TemplateBody: queues() }));
    expect(summary).toMatchObject({
      Parameters: [
        {
          ParameterKey: 'Env',
          DefaultValue: 'dev',
          ParameterType: 'String',
          NoEcho: false,
          ParameterConstraints: { AllowedValues: ['dev', 'prod'] },
        },
      ],
      ResourceTypes: ['AWS::SQS::Queue'],
      Version: '2010-09-09',
    });
    await cfn.send(new CreateStackCommand({ StackName: 'summ', TemplateBody: queues({}, 40) }));
    const byStack = await cfn.send(new GetTemplateSummaryCommand({ StackName: 'summ' }));
    expect(byStack.Parameters?.map((p) => p.ParameterKey)).toEqual(['Env']);
    await cfn.send(new DeleteStackCommand({ StackName: 'summ' }));
  });
});
