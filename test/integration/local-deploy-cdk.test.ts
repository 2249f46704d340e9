import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Code, Function as LambdaFunction, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { Emulator } from '../../src/local/core/emulator.js';
import { deployStack, destroyStack } from '../../src/local/index.js';
import { type ServerHandle, serve } from '../../src/local/server.js';
import { allServices } from '../../src/local/services/index.js';
import { type FakeLambdaState, fakeLambda, fakeLogs } from '../support/fake-lambda.js';

/**
 * A CDK app synthesised here with aws-cdk-lib (one synth per run: it takes seconds), two stacks
 * with a cross-stack reference, deployed from its cloud assembly. Lambda is the stand-in service
 * (the real one lives on another branch); the committed assembly in test/fixtures covers the rest.
 */
describe('deploying a CDK cloud assembly synthesised with aws-cdk-lib', () => {
  let dir: string;
  let outdir: string;
  let emulator: Emulator;
  let server: ServerHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventprobe-cdk-'));
    mkdirSync(join(dir, 'code'));
    writeFileSync(join(dir, 'code', 'index.js'), 'exports.handler = async () => {};\n');
    outdir = join(dir, 'cdk.out');
    const app = new App({ outdir });
    const producer = new Stack(app, 'Producer');
    const stream = new Stream(producer, 'Events', { shardCount: 1 });
    const consumer = new Stack(app, 'Consumer');
    const fn = new LambdaFunction(consumer, 'Reader', {
      runtime: Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: Code.fromAsset(join(dir, 'code')),
    });
    fn.addEventSource(
      new KinesisEventSource(stream, { startingPosition: StartingPosition.LATEST, batchSize: 7 }),
    );
    new CfnOutput(consumer, 'ReaderName', { value: fn.functionName });
    app.synth();
    emulator = new Emulator([...allServices, fakeLambda, fakeLogs]);
    server = await serve(emulator, { port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys the stacks in dependency order with code from the assembly, then destroys them', async () => {
    const seen: string[] = [];
    const stacks = await deployStack({
      endpoint: server.endpoint,
      assembly: outdir,
      pollIntervalMs: 5,
      onEvent: (e) => {
        if (e.LogicalResourceId === e.StackName) seen.push(`${e.StackName}:${e.ResourceStatus}`);
      },
    });
    expect(stacks.map((s) => `${s.stackName}:${s.status}`)).toEqual([
      'Producer:CREATE_COMPLETE',
      'Consumer:CREATE_COMPLETE',
    ]);
    expect(seen).toEqual([
      'Producer:CREATE_IN_PROGRESS',
      'Producer:CREATE_COMPLETE',
      'Consumer:CREATE_IN_PROGRESS',
      'Consumer:CREATE_COMPLETE',
    ]);
    const lambda = emulator.state<FakeLambdaState>('lambda', 'us-east-1');
    const reader = lambda.functions.get(stacks[1]?.outputs.ReaderName as string);
    expect(reader?.code).toEqual({
      S3Bucket: '__local__',
      S3Key: expect.stringMatching(/cdk\.out\/asset\.[0-9a-f]{64}$/),
    });
    expect([...lambda.mappings.values()]).toEqual([
      expect.objectContaining({
        EventSourceArn: expect.stringMatching(
          /^arn:aws:kinesis:us-east-1:000000000000:stream\/Producer-Events/,
        ),
        BatchSize: 7,
        StartingPosition: 'LATEST',
      }),
    ]);

    // A second deploy changes nothing; `eventprobe deploy cdk.out` says so for each stack.
    const out: string[] = [];
    const again = await runCli(['deploy', outdir, '--endpoint', server.endpoint], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
    });
    expect(again.code).toBe(0);
    expect(out.join('')).toContain('No changes to deploy. Stack Producer is up to date\n');
    expect(out.join('')).toContain('No changes to deploy. Stack Consumer is up to date\n');
    await expect(
      deployStack({ endpoint: server.endpoint, assembly: outdir, stackName: 'Nope' }),
    ).rejects.toMatchObject({
      option: 'stackName',
      message: 'The assembly has no stack Nope; it has Producer, Consumer.',
    });

    const destroyed = await runCli(['destroy', outdir, '--endpoint', server.endpoint], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
    });
    expect(destroyed.code).toBe(0);
    expect(lambda.functions.size).toBe(0);
    expect(lambda.mappings.size).toBe(0);
    await destroyStack({ endpoint: server.endpoint, assembly: outdir, stackName: 'Consumer' });
  });
});
