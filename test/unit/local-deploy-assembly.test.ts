import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AssemblyError, readAssembly } from '../../src/local/deploy/assembly.js';

const fixture = resolve('test/fixtures/cdk-kinesis-dynamodb/cdk.out');

describe('the CDK cloud assembly reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eventprobe-assembly-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, value: unknown) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), typeof value === 'string' ? value : JSON.stringify(value));
  };
  const stackArtifact = (templateFile: string, dependencies: string[] = [], stackName?: string) => ({
    type: 'aws:cloudformation:stack',
    properties: { templateFile, ...(stackName ? { stackName } : {}) },
    dependencies,
  });
  const fn = (code: unknown, metadata?: unknown) => ({
    Resources: {
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Code: code },
        ...(metadata ? { Metadata: metadata } : {}),
      },
      Q: { Type: 'AWS::SQS::Queue' },
    },
  });

  it('reads a synthesised assembly: the stack, its template, code pointed at the asset', async () => {
    const [stack, ...more] = await readAssembly(fixture);
    expect(more).toEqual([]);
    expect(stack?.stackName).toBe('OrdersPipeline');
    expect(stack?.dependsOn).toEqual([]);
    const resources = stack?.template.Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const writer = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function');
    expect(writer?.Properties.Code).toEqual({
      S3Bucket: '__local__',
      S3Key: join(fixture, 'asset.b599af5a26b47ae2695eeae12b2f4de899a70540194d43cf9f2a2befda9e7cad'),
    });
    expect(Object.values(resources).map((r) => r.Type)).toContain('AWS::Lambda::EventSourceMapping');
    expect(stack?.template.Rules).toHaveProperty('CheckBootstrapVersion');
  });

  it('follows nested assemblies, orders stacks by dependency, and falls back to aws:asset:path', async () => {
    write('nested/manifest.json', {
      artifacts: {
        'Stage-Api': stackArtifact('Stage-Api.template.json', ['Base', 'Stage-Api.assets'], 'stage-api'),
        'Stage-Api.assets': { type: 'cdk:asset-manifest', properties: { file: 'Stage-Api.assets.json' } },
      },
    });
    write('nested/Stage-Api.assets.json', {
      files: {
        h1: {
          source: { path: 'asset.h1', packaging: 'zip' },
          destinations: { d: { bucketName: 'b', objectKey: 'h1.zip' } },
        },
        bad: 'x',
      },
    });
    write('nested/Stage-Api.template.json', fn({ S3Bucket: 'b', S3Key: 'h1.zip' }));
    write(
      'Base.template.json',
      fn({ S3Bucket: 'b', S3Key: 'unknown.zip' }, { 'aws:asset:path': 'asset.meta' }),
    );
    write('Inline.template.json', fn({ ZipFile: 'code' }));
    write('manifest.json', {
      artifacts: {
        Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: 'nested' } },
        Base: stackArtifact('Base.template.json', ['Inline']),
        Inline: stackArtifact('Inline.template.json'),
        Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    });
    const stacks = await readAssembly(dir);
    expect(stacks.map((s) => `${s.stackName}<-${s.dependsOn.join(',')}`)).toEqual([
      'Inline<-',
      'Base<-Inline',
      'stage-api<-Base',
    ]);
    const codeOf = (i: number) => {
      const resources = (stacks[i]?.template.Resources ?? {}) as Record<
        string,
        { Properties: Record<string, unknown> }
      >;
      return resources.Fn?.Properties.Code;
    };
    expect(codeOf(0)).toEqual({ ZipFile: 'code' });
    expect(codeOf(1)).toEqual({ S3Bucket: '__local__', S3Key: join(dir, 'asset.meta') });
    expect(codeOf(2)).toEqual({ S3Bucket: '__local__', S3Key: join(dir, 'nested', 'asset.h1') });
  });

  it('says what is wrong with an assembly', async () => {
    await expect(readAssembly(join(dir, 'none'))).rejects.toMatchObject({
      name: 'AssemblyError',
      message: expect.stringMatching(/^Cannot read .*manifest\.json: .* Is .* a CDK cloud assembly/),
    });
    write('bad/manifest.json', '{nope');
    await expect(readAssembly(join(dir, 'bad'))).rejects.toThrow(/manifest\.json is not valid JSON/);
    write('array/manifest.json', '[]');
    await expect(readAssembly(join(dir, 'array'))).rejects.toThrow(/not a JSON object/);
    write('empty/manifest.json', { artifacts: {} });
    await expect(readAssembly(join(dir, 'empty'))).rejects.toThrow(/holds no CloudFormation stacks/);
    write('cycle/manifest.json', {
      artifacts: { A: stackArtifact('a.json', ['B']), B: stackArtifact('b.json', ['A']) },
    });
    write('cycle/a.json', fn({ ZipFile: 'x' }));
    write('cycle/b.json', fn({ ZipFile: 'x' }));
    const error = await readAssembly(join(dir, 'cycle')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AssemblyError);
    expect(error).toMatchObject({
      message: 'The stacks A, B depend on each other in a cycle.',
      assembly: join(dir, 'cycle'),
    });
  });
});
