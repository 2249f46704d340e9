/**
 * The CDK cloud assembly reader: `cdk.out` as `cdk synth` or `app.synth()` writes it. Reads
 * `manifest.json` (nested assemblies of CDK stages included), each stack's template and its
 * `*.assets.json`, points functions whose code is a file asset at the asset in the assembly
 * (a directory or a zip, as `Code: { S3Bucket: LOCAL_CODE_BUCKET, S3Key: path }`), and lists the
 * stacks in dependency order. What else CDK adds is handled by the emulator's CloudFormation:
 * the `BootstrapVersion` parameter and `CheckBootstrapVersion` rule, and `AWS::CDK::Metadata`.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EventProbeError } from '../../errors.js';
import { localCode } from './code.js';

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A stack of an assembly, ready to deploy. */
export interface AssemblyStack {
  /** The artifact id in the manifest. */
  readonly artifactId: string;
  readonly stackName: string;
  /** The template with file assets pointed at the assembly. */
  readonly template: Obj;
  /** Artifact ids of the stacks it depends on (deployed before it). */
  readonly dependsOn: readonly string[];
}

/** The assembly cannot be read. */
export class AssemblyError extends EventProbeError {
  constructor(
    message: string,
    /** The assembly directory. */
    readonly assembly: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

const readJson = async (file: string, assembly: string): Promise<Obj> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AssemblyError(
      `Cannot read ${file}: ${(err as Error).message}. Is ${assembly} a CDK cloud assembly (the cdk.out that \`cdk synth\` writes)?`,
      assembly,
      { cause: err },
    );
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!isObj(value)) throw new Error('not a JSON object');
    return value;
  } catch (err) {
    throw new AssemblyError(`${file} is not valid JSON: ${(err as Error).message}`, assembly, { cause: err });
  }
};

/** S3 object key → local path of every file asset in an asset manifest. */
const fileAssets = async (
  dir: string,
  manifestFile: string,
  assembly: string,
): Promise<Map<string, string>> => {
  const manifest = await readJson(join(dir, manifestFile), assembly);
  const out = new Map<string, string>();
  for (const asset of Object.values(isObj(manifest.files) ? manifest.files : {})) {
    if (!isObj(asset) || !isObj(asset.source) || typeof asset.source.path !== 'string') continue;
    const path = resolve(dir, asset.source.path);
    for (const destination of Object.values(isObj(asset.destinations) ? asset.destinations : {})) {
      if (isObj(destination) && typeof destination.objectKey === 'string')
        out.set(destination.objectKey, path);
    }
  }
  return out;
};

/** Points `AWS::Lambda::Function` code at its asset in the assembly. */
const withLocalCode = (template: Obj, assets: ReadonlyMap<string, string>, dir: string): Obj => {
  const resources = isObj(template.Resources) ? template.Resources : {};
  const out: Obj = {};
  for (const [id, decl] of Object.entries(resources)) {
    out[id] = decl;
    if (!isObj(decl) || decl.Type !== 'AWS::Lambda::Function' || !isObj(decl.Properties)) continue;
    const code = decl.Properties.Code;
    if (!isObj(code) || code.ZipFile !== undefined) continue;
    const byKey = typeof code.S3Key === 'string' ? assets.get(code.S3Key) : undefined;
    const metadataPath = isObj(decl.Metadata) ? decl.Metadata['aws:asset:path'] : undefined;
    const path = byKey ?? (typeof metadataPath === 'string' ? resolve(dir, metadataPath) : undefined);
    if (path !== undefined) out[id] = { ...decl, Properties: { ...decl.Properties, Code: localCode(path) } };
  }
  return { ...template, Resources: out };
};

interface RawStack {
  readonly artifactId: string;
  readonly stackName: string;
  readonly templateFile: string;
  readonly dir: string;
  readonly dependencies: readonly string[];
}

/** Stack and asset-manifest artifacts of a manifest, nested assemblies followed. */
const collect = async (
  dir: string,
  assembly: string,
  stacks: RawStack[],
  assetFiles: Map<string, { dir: string; file: string }>,
): Promise<void> => {
  const manifest = await readJson(join(dir, 'manifest.json'), assembly);
  const artifacts = isObj(manifest.artifacts) ? manifest.artifacts : {};
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (!isObj(artifact)) continue;
    const props = isObj(artifact.properties) ? artifact.properties : {};
    if (artifact.type === 'aws:cloudformation:stack' && typeof props.templateFile === 'string') {
      stacks.push({
        artifactId,
        stackName: typeof props.stackName === 'string' ? props.stackName : artifactId,
        templateFile: props.templateFile,
        dir,
        dependencies: Array.isArray(artifact.dependencies) ? artifact.dependencies.map(String) : [],
      });
    } else if (artifact.type === 'cdk:asset-manifest' && typeof props.file === 'string') {
      assetFiles.set(artifactId, { dir, file: props.file });
    } else if (artifact.type === 'cdk:cloud-assembly' && typeof props.directoryName === 'string') {
      await collect(join(dir, props.directoryName), assembly, stacks, assetFiles);
    }
  }
};

/** Orders stacks so that each comes after the stacks it depends on. */
const dependencyOrder = (stacks: readonly AssemblyStack[], assembly: string): AssemblyStack[] => {
  const ordered: AssemblyStack[] = [];
  const done = new Set<string>();
  let pending = [...stacks];
  while (pending.length > 0) {
    const ready = pending.filter((s) => s.dependsOn.every((d) => done.has(d)));
    if (ready.length === 0) {
      throw new AssemblyError(
        `The stacks ${pending.map((s) => s.stackName).join(', ')} depend on each other in a cycle.`,
        assembly,
      );
    }
    for (const s of ready) {
      ordered.push(s);
      done.add(s.artifactId);
    }
    pending = pending.filter((s) => !done.has(s.artifactId));
  }
  return ordered;
};

/** Reads a CDK cloud assembly: its stacks, templates ready for the emulator, in deployment order. */
export const readAssembly = async (assemblyDir: string): Promise<AssemblyStack[]> => {
  const assembly = resolve(assemblyDir);
  const raw: RawStack[] = [];
  const assetFiles = new Map<string, { dir: string; file: string }>();
  await collect(assembly, assembly, raw, assetFiles);
  if (raw.length === 0) throw new AssemblyError(`${assembly} holds no CloudFormation stacks.`, assembly);
  const stackIds = new Set(raw.map((s) => s.artifactId));
  const stacks: AssemblyStack[] = [];
  for (const s of raw) {
    const assets = new Map<string, string>();
    for (const dep of s.dependencies) {
      const manifest = assetFiles.get(dep);
      if (manifest)
        for (const [k, v] of await fileAssets(manifest.dir, manifest.file, assembly)) assets.set(k, v);
    }
    const template = await readJson(join(s.dir, s.templateFile), assembly);
    stacks.push({
      artifactId: s.artifactId,
      stackName: s.stackName,
      template: withLocalCode(template, assets, s.dir),
      dependsOn: s.dependencies.filter((d) => stackIds.has(d)),
    });
  }
  return dependencyOrder(stacks, assembly);
};
