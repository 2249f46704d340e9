import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

/** The real AWS CLI, when this machine has it (CI machines may not). */
const hasAwsCli = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

const template = (visibility: number) => `
Parameters:
  Env:
    Type: String
    Default: dev
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: ${visibility}
      Tags:
        - Key: env
          Value: !Ref Env
Outputs:
  JobsUrl:
    Value: !Ref Jobs
`;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe.skipIf(!hasAwsCli)(
  'aws cloudformation deploy (the real AWS CLI; skipped when `aws` is not installed) against the emulator',
  () => {
    let aws: TestAws;
    let dir: string;
    let cfn: CloudFormationClient;
    let sqs: SQSClient;

    const cli = (args: string[]): Promise<Run> =>
      new Promise((resolve) => {
        execFile(
          'aws',
          [...args, '--endpoint-url', aws.endpoint as string],
          {
            env: {
              PATH: process.env.PATH,
              HOME: dir,
              AWS_ACCESS_KEY_ID: 'test',
              AWS_SECRET_ACCESS_KEY: 'test',
              AWS_REGION: aws.region,
              AWS_DEFAULT_REGION: aws.region,
              AWS_CONFIG_FILE: join(dir, 'none'),
              AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
              AWS_PAGER: '',
              // Unbuffered, so a run cut short still shows how far it got.
              PYTHONUNBUFFERED: '1',
            },
            timeout: 180_000,
          },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });

    const deploy = async (body: string, ...extra: string[]) => {
      // The CLI names its change set `awscli-cloudformation-package-deploy-<unix seconds>`: two deploys
      // in one second (this emulator answers in milliseconds) would ask for the same name, which AWS
      // refuses too. Real deploys take longer than a second; here, start each in a second of its own.
      await new Promise((resolve) => setTimeout(resolve, 1_010 - (Date.now() % 1_000)));
      const file = join(dir, 'template.yaml');
      writeFileSync(file, body);
      return cli([
        'cloudformation',
        'deploy',
        '--template-file',
        file,
        '--stack-name',
        'cli-stack',
        ...extra,
      ]);
    };

    const visibility = async () => {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'cli-stack' }));
      const url = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'JobsUrl')?.OutputValue;
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }),
      );
      return { status: Stacks?.[0]?.StackStatus, visibility: Attributes?.VisibilityTimeout };
    };

    beforeAll(async () => {
      aws = await startTestAws();
      dir = mkdtempSync(join(tmpdir(), 'eventprobe-cli-'));
      cfn = new CloudFormationClient(aws.clientConfig);
      sqs = new SQSClient(aws.clientConfig);
    });
    afterAll(async () => {
      cfn.destroy();
      sqs.destroy();
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates, no-ops on an unchanged second deploy, and updates a stack', async () => {
      const first = await deploy(template(30), '--parameter-overrides', 'Env=prod');
      expect(first.stderr).toBe('');
      expect(first.stdout, first.stderr).toContain('Successfully created/updated stack - cli-stack');
      expect(first.code).toBe(0);
      expect(await visibility()).toEqual({ status: 'CREATE_COMPLETE', visibility: '30' });

      const again = await deploy(template(30), '--no-fail-on-empty-changeset');
      expect(again.stdout, `exit ${again.code}: ${again.stderr}`).toContain(
        'No changes to deploy. Stack cli-stack is up to date',
      );
      expect(again.code).toBe(0);
      // Without --no-fail-on-empty-changeset the CLI reports the empty change set as a failure, as on AWS.
      const strict = await deploy(template(30));
      expect(strict.stdout + strict.stderr).toContain('No changes to deploy');
      expect(strict.code).not.toBe(0);

      const update = await deploy(template(45));
      expect(update.stdout, `exit ${update.code}: ${update.stderr}`).toContain(
        'Successfully created/updated stack - cli-stack',
      );
      expect(update.code).toBe(0);
      expect(await visibility()).toEqual({ status: 'UPDATE_COMPLETE', visibility: '45' });

      const deleted = await cli(['cloudformation', 'delete-stack', '--stack-name', 'cli-stack']);
      expect(deleted.code).toBe(0);
      await expect(cfn.send(new DescribeStacksCommand({ StackName: 'cli-stack' }))).rejects.toMatchObject({
        name: 'ValidationError',
      });
      // The CLI's own waiters poll every 5 s (change sets) to 30 s (stacks) when a first look finds
      // the operation still running, as it can on a loaded machine.
    }, 400_000);
  },
);
