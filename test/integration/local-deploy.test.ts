import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { Emulator } from '../../src/local/core/emulator.js';
import {
  deployStack,
  destroyStack,
  type LocalAws,
  StackDeployError,
  type StackEvent,
  startLocalAws,
} from '../../src/local/index.js';
import { serve } from '../../src/local/server.js';
import { allServices } from '../../src/local/services/index.js';
import { type FakeLambdaState, fakeLambda, fakeLogs } from '../support/fake-lambda.js';

const queueTemplate = (visibility: number) => `
Parameters:
  Env: { Type: String, Default: dev }
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: ${visibility}
Outputs:
  JobsUrl: { Value: !Ref Jobs }
  Env: { Value: !Ref Env }
`;

describe('deployStack / destroyStack and `eventprobe deploy` / `destroy`', () => {
  let aws: LocalAws;
  let dir: string;
  let sqs: SQSClient;
  const write = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, body);
    return file;
  };
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const { code } = await runCli(argv, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      env: { AWS_ENDPOINT_URL: aws.endpoint, AWS_REGION: 'us-east-1' },
    });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    aws = await startLocalAws({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'eventprobe-deploy-'));
    sqs = new SQSClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterEach(() => aws.faults.clear());
  afterAll(async () => {
    sqs.destroy();
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, no-ops, updates and destroys a stack from a template file, reporting events in order', async () => {
    const file = write('queue.yaml', queueTemplate(30));
    const events: StackEvent[] = [];
    const target = { endpoint: aws.endpoint, pollIntervalMs: 5, onEvent: (e: StackEvent) => events.push(e) };
    const [created] = await deployStack({
      ...target,
      template: file,
      stackName: 'dq',
      parameters: { Env: 'prod', Unused: 'x' },
      tags: { team: 'orders' },
    });
    expect(created).toMatchObject({ stackName: 'dq', status: 'CREATE_COMPLETE', noChanges: false });
    expect(created?.outputs.Env).toBe('prod');
    expect(events.map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`)).toEqual([
      'dq:CREATE_IN_PROGRESS',
      'Jobs:CREATE_IN_PROGRESS',
      'Jobs:CREATE_IN_PROGRESS',
      'Jobs:CREATE_COMPLETE',
      'dq:CREATE_COMPLETE',
    ]);

    events.length = 0;
    const [same] = await deployStack({
      ...target,
      template: file,
      stackName: 'dq',
      parameters: { Env: 'prod' },
    });
    expect(same).toMatchObject({ noChanges: true, status: 'CREATE_COMPLETE', outputs: created?.outputs });
    expect(events).toEqual([]);

    // Parameters not given keep their previous values.
    write('queue.yaml', queueTemplate(45));
    const [updated] = await deployStack({ ...target, template: file, stackName: 'dq' });
    expect(updated?.status).toBe('UPDATE_COMPLETE');
    expect(updated?.outputs.Env).toBe('prod');
    expect(events.at(-1)?.ResourceStatus).toBe('UPDATE_COMPLETE');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: updated?.outputs.JobsUrl,
        AttributeNames: ['VisibilityTimeout'],
      }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('45');

    events.length = 0;
    await destroyStack({ ...target, stackName: 'dq' });
    expect(events.at(-1)?.ResourceStatus).toBe('DELETE_COMPLETE');
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).not.toContain(
      updated?.outputs.JobsUrl,
    );
    // Destroying what is gone is success.
    await destroyStack({ ...target, stackName: 'dq' });
  });

  it('deploys a template object, and reports the failing resource when a stack rolls back', async () => {
    aws.faults.set({
      faults: [{ service: 'sqs', operation: 'CreateQueue', error: 'InternalError', times: 1 }],
    });
    const error = await deployStack({
      endpoint: aws.endpoint,
      pollIntervalMs: 5,
      template: { Resources: { Broken: { Type: 'AWS::SQS::Queue' } } },
      stackName: 'broken',
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StackDeployError);
    expect(error).toMatchObject({
      stackName: 'broken',
      status: 'ROLLBACK_COMPLETE',
      failures: [
        {
          logicalId: 'Broken',
          resourceType: 'AWS::SQS::Queue',
          status: 'CREATE_FAILED',
          reason:
            'Resource handler returned message: "Injected fault: InternalError on sqs:CreateQueue" (HandlerErrorCode: InternalError)',
        },
      ],
    });
    expect((error as Error).message).toMatch(
      /^Stack broken ended in ROLLBACK_COMPLETE\. Broken \(AWS::SQS::Queue\) CREATE_FAILED: /,
    );
    // Deploying again replaces the rolled-back stack.
    const [again] = await deployStack({
      endpoint: aws.endpoint,
      pollIntervalMs: 5,
      template: { Resources: { Broken: { Type: 'AWS::SQS::Queue' } } },
      stackName: 'broken',
    });
    expect(again?.status).toBe('CREATE_COMPLETE');
    await destroyStack({ endpoint: aws.endpoint, stackName: 'broken', pollIntervalMs: 5 });
  });

  it('validates its options', async () => {
    await expect(deployStack({ endpoint: aws.endpoint })).rejects.toMatchObject({
      name: 'InvalidInputError',
      option: 'template',
    });
    await expect(deployStack({ endpoint: aws.endpoint, template: { Resources: {} } })).rejects.toMatchObject({
      option: 'stackName',
    });
    await expect(
      deployStack({ endpoint: aws.endpoint, template: join(dir, 'missing.yaml'), stackName: 's' }),
    ).rejects.toMatchObject({
      option: 'template',
      message: expect.stringMatching(/^Cannot read the template /),
    });
    const saved = process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL;
    try {
      await expect(deployStack({ template: { Resources: {} }, stackName: 's' })).rejects.toMatchObject({
        option: 'endpoint',
      });
    } finally {
      if (saved !== undefined) process.env.AWS_ENDPOINT_URL = saved;
    }
    await expect(destroyStack({ endpoint: aws.endpoint })).rejects.toMatchObject({ option: 'stackName' });
    await expect(
      deployStack({
        endpoint: aws.endpoint,
        template: { Resources: { X: { Type: 'AWS::Nope::X' } } },
        stackName: 's',
      }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('`eventprobe deploy` prints events and outputs, no-ops, fails with the reason; `destroy` removes the stack', async () => {
    const file = write('cli.yaml', queueTemplate(20));
    const first = await cli('deploy', file, '--stack-name', 'cq', '--parameter', 'Env=prod', '--tag', 'a=b');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/ {2}cq {2}Jobs \(AWS::SQS::Queue\) {2}CREATE_COMPLETE\n/);
    expect(first.stdout).toContain('Stack cq: CREATE_COMPLETE\n');
    expect(first.stdout).toContain('  Env = prod\n');

    const again = await cli('deploy', file, '--stack-name', 'cq', '--parameter', 'Env=prod', '--tag', 'a=b');
    expect(again.stdout).toContain('No changes to deploy. Stack cq is up to date\n');
    expect(again.code).toBe(0);

    aws.faults.set({
      faults: [{ service: 'sqs', operation: 'SetQueueAttributes', error: 'InternalError', times: 1 }],
    });
    write('cli.yaml', queueTemplate(21));
    const failed = await cli('deploy', file, '--stack-name', 'cq', '--parameter', 'Env=prod', '--tag', 'a=b');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^eventprobe deploy: Stack cq ended in UPDATE_ROLLBACK_COMPLETE\. Jobs \(AWS::SQS::Queue\) UPDATE_FAILED: Resource handler returned message: "Injected fault: InternalError on sqs:SetQueueAttributes"/,
    );

    const destroyed = await cli('destroy', '--stack-name', 'cq');
    expect(destroyed).toMatchObject({ code: 0, stdout: expect.stringContaining('Deleted cq\n') });
    const cfn = new CloudFormationClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'cq' }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    cfn.destroy();

    expect(await cli('deploy')).toMatchObject({
      code: 1,
      stderr: 'eventprobe deploy: deploy takes one template file or cdk.out directory.\n',
    });
    expect((await cli('deploy', file, '--stack-name', 's', '--parameter', 'novalue')).stderr).toBe(
      'eventprobe deploy: --parameter takes KEY=VALUE, got "novalue".\n',
    );
    expect((await cli('destroy')).stderr).toBe(
      'eventprobe destroy: destroy takes --stack-name NAME or one cdk.out directory.\n',
    );
  });
});

describe('deploying a SAM template file (stand-in Lambda service)', () => {
  it('resolves CodeUri against the template directory and wires the events', async () => {
    const emulator = new Emulator([...allServices, fakeLambda, fakeLogs]);
    const server = await serve(emulator, { port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'eventprobe-sam-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'index.mjs'), 'export const handler = async () => {};\n');
      writeFileSync(
        join(dir, 'template.yaml'),
        `
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs22.x
      Events:
        Work: { Type: SQS, Properties: { Queue: !GetAtt Jobs.Arn, BatchSize: 3 } }
Outputs:
  Fn: { Value: !Ref Worker }
`,
      );
      const [stack] = await deployStack({
        endpoint: server.endpoint,
        template: join(dir, 'template.yaml'),
        stackName: 'samfile',
        pollIntervalMs: 5,
      });
      const lambda = emulator.state<FakeLambdaState>('lambda', 'us-east-1');
      const fn = lambda.functions.get(stack?.outputs.Fn as string);
      expect(fn?.code).toEqual({ S3Bucket: '__local__', S3Key: join(dir, 'src') });
      expect([...lambda.mappings.values()].map((m) => m.BatchSize)).toEqual([3]);
      await destroyStack({ endpoint: server.endpoint, stackName: 'samfile', pollIntervalMs: 5 });
      expect(lambda.functions.size).toBe(0);
    } finally {
      await server.close();
      emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
