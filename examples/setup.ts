/**
 * Global setup of the example suites: picks where they run, deploys the example stacks there,
 * and removes them afterwards.
 *
 * - default: starts the built-in emulator (eventprobe/local) on a free port;
 * - AWS_ENDPOINT_URL set: that endpoint (LocalStack, a running `eventprobe local`, ...);
 * - EVENTPROBE_E2E=1: real AWS, with the credentials and region of the usual AWS environment.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { TestProject } from 'vitest/node';
import { deployStack, destroyStack, type LocalAws, startLocalAws } from '../src/local/index.js';

/** The example apps: SAM templates deployed as they are (to AWS with `sam deploy`, see the README). */
export const STACKS = [
  { name: 'eventprobe-example-orders', template: new URL('./orders/template.yaml', import.meta.url) },
  { name: 'eventprobe-example-streams', template: new URL('./streams/template.yaml', import.meta.url) },
  { name: 'eventprobe-example-uploads', template: new URL('./uploads/template.yaml', import.meta.url) },
] as const;

const log = (line: string) => process.stdout.write(`  [examples] ${line}\n`);

/** eventprobe queues and default-bus rules that exist now (by their name prefix). */
const leftovers = async (config: ClientConfig, stacks = false): Promise<string[]> => {
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'eventprobe-' }));
    const { Rules = [] } = await events.send(new ListRulesCommand({ NamePrefix: 'eventprobe-' }));
    // The example stacks' own resources carry their stack's name (eventprobe-example-...): not listeners'.
    const ours = (name: string) => stacks === /eventprobe-example-/.test(name);
    return [...QueueUrls, ...Rules.map((r) => r.Arn ?? String(r.Name))].filter(ours);
  } finally {
    sqs.destroy();
    events.destroy();
  }
};

type ClientConfig = {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let local: LocalAws | undefined;
  const e2e = process.env.EVENTPROBE_E2E === '1';
  // What the suites' workers see as their AWS environment (set there by examples/env.ts), so the
  // suites read it the way a user's suite does: createProbe() and new XClient({}) with no options.
  const env: Record<string, string> = { AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' };
  // Another endpoint (LocalStack, a running `eventprobe local`) takes any credentials: dummy ones
  // unless the environment has some, so `AWS_ENDPOINT_URL=http://... npm run demo` works as is.
  const dummy = !e2e && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  if (!e2e && process.env.AWS_ENDPOINT_URL && dummy) {
    Object.assign(env, { AWS_ACCESS_KEY_ID: 'example', AWS_SECRET_ACCESS_KEY: 'example' });
  }
  if (!e2e && !process.env.AWS_ENDPOINT_URL) {
    // EVENTPROBE_REALISM=aws (the `examples-aws-timing` project): the emulator with AWS's timing.
    const realism = project.config.env?.EVENTPROBE_REALISM ?? process.env.EVENTPROBE_REALISM;
    local = await startLocalAws(realism === 'aws' ? { realism } : {});
    if (realism === 'aws') log("the emulator runs with AWS's timing (realism: 'aws')");
    Object.assign(env, {
      AWS_ENDPOINT_URL: local.endpoint,
      AWS_ACCESS_KEY_ID: 'example',
      AWS_SECRET_ACCESS_KEY: 'example',
    });
  }
  const target = e2e
    ? `real AWS (${env.AWS_REGION})`
    : (env.AWS_ENDPOINT_URL ?? (process.env.AWS_ENDPOINT_URL as string));
  log(`running on ${local ? `the built-in emulator at ${target}` : target}`);
  project.provide('examplesTarget', target);
  project.provide('examplesEnv', env);

  const config: ClientConfig = local
    ? {
        region: env.AWS_REGION as string,
        endpoint: local.endpoint,
        credentials: { accessKeyId: 'example', secretAccessKey: 'example' },
      }
    : {
        region: env.AWS_REGION as string,
        ...(env.AWS_ACCESS_KEY_ID
          ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: 'example' } }
          : {}),
      };
  const cfn = new CloudFormationClient(config);
  const created: string[] = [];
  const missing: string[] = [];
  for (const stack of STACKS) {
    const exists = await cfn
      .send(new DescribeStacksCommand({ StackName: stack.name }))
      .then((r) => r.Stacks?.some((s) => !s.StackStatus?.startsWith('DELETE')) ?? false)
      .catch(() => false);
    if (exists) {
      log(`stack ${stack.name} already deployed; using it`);
      continue;
    }
    if (e2e) {
      // On AWS the apps are deployed with the usual tools (sam deploy), not by the suite.
      missing.push(stack.name);
      log(`stack ${stack.name} is not deployed: its suite skips (deploy it with sam deploy, see the README)`);
      continue;
    }
    const started = Date.now();
    log(`deploying ${stack.name} from ${stack.template.pathname.replace(/.*\/examples\//, 'examples/')}`);
    await deployStack({
      ...deployTarget(config),
      template: stack.template.pathname,
      stackName: stack.name,
      onEvent: (e) => {
        if (e.LogicalResourceId !== stack.name && e.ResourceStatus?.endsWith('_COMPLETE')) {
          log(`  ${e.ResourceStatus} ${e.ResourceType} ${e.LogicalResourceId}`);
        }
      },
    });
    created.push(stack.name);
    log(`deployed ${stack.name} in ${Date.now() - started} ms`);
  }
  project.provide('examplesMissing', missing);

  return async () => {
    try {
      await teardown(config, cfn, created);
    } finally {
      cfn.destroy();
      await local?.close();
    }
  };
}

/** Checks the suites left no listener behind, destroys the stacks this run deployed, checks they are gone. */
const teardown = async (config: ClientConfig, cfn: CloudFormationClient, created: readonly string[]) => {
  // The suites must leave nothing behind: no eventprobe queue or rule survives their afterAll.
  const left = await leftovers(config);
  if (left.length > 0) throw new Error(`eventprobe left resources behind: ${left.join(', ')}`);
  log('no eventprobe resources left behind');
  for (const name of created) {
    await destroyStack({ ...deployTarget(config), stackName: name });
    log(`deleted ${name}`);
  }
  const stacks = await cfn.send(new DescribeStacksCommand({})).catch(() => ({ Stacks: [] }));
  const remaining = (stacks.Stacks ?? []).filter(
    (s) => created.includes(s.StackName ?? '') && s.StackStatus !== 'DELETE_COMPLETE',
  );
  if (remaining.length > 0) {
    throw new Error(`example stacks left behind: ${remaining.map((s) => s.StackName).join(', ')}`);
  }
  const queues = await leftovers(config, true);
  if (created.length > 0 && queues.length > 0) {
    throw new Error(`the example stacks left resources behind: ${queues.join(', ')}`);
  }
  if (created.length > 0) log('example stacks destroyed; nothing left');
};

/** deployStack's target from the suites' client configuration. */
const deployTarget = (config: ClientConfig) => ({
  endpoint: config.endpoint ?? (process.env.AWS_ENDPOINT_URL as string),
  ...(config.region ? { region: config.region } : {}),
  ...(config.credentials ? { credentials: config.credentials } : {}),
  pollIntervalMs: 100,
});

declare module 'vitest' {
  export interface ProvidedContext {
    examplesTarget: string;
    examplesEnv: Record<string, string>;
    /** Example stacks that are not deployed (real AWS only): their suites skip, saying so. */
    examplesMissing: string[];
  }
}
