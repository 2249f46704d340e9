/** The EventBridge schema registry's state for one account and region. Knows nothing of HTTP. */
import { arn } from '../../core/arn.js';

export type SchemaType = 'OpenApi3' | 'JSONSchemaDraft4';

export interface SchemaVersionRecord {
  readonly version: string;
  readonly type: SchemaType;
  readonly content: string;
  /** Emulator ms when this version was created. */
  readonly created: number;
}

export interface SchemaRecord {
  readonly name: string;
  readonly arn: string;
  description: string | undefined;
  tags: Record<string, string>;
  /** Oldest first; version numbers keep counting up after deletions, as on AWS. */
  versions: SchemaVersionRecord[];
  /** The number of the last version created (deleted versions are not reused). */
  lastVersion: number;
  /** Emulator ms of the last change. */
  lastModified: number;
}

export interface RegistryRecord {
  readonly name: string;
  readonly arn: string;
  /** `AWS` for the built-in registries (read-only), `LOCAL` for the account's own. */
  readonly scope: 'AWS' | 'LOCAL';
  description: string | undefined;
  tags: Record<string, string>;
  readonly schemas: Map<string, SchemaRecord>;
}

export interface SchemasState {
  readonly accountId: string;
  readonly region: string;
  readonly registries: Map<string, RegistryRecord>;
}

/** The AWS-managed registry of AWS service events; present (and read-only) in every region. */
export const AWS_EVENTS_REGISTRY = 'aws.events';

export const registryArn = (region: string, accountId: string, name: string): string =>
  arn('schemas', region, accountId, `registry/${name}`);

export const schemaArn = (region: string, accountId: string, registry: string, schema: string): string =>
  arn('schemas', region, accountId, `schema/${registry}/${schema}`);

export const createSchemasState = ({
  accountId,
  region,
}: {
  accountId: string;
  region: string;
}): SchemasState => {
  const registries = new Map<string, RegistryRecord>();
  registries.set(AWS_EVENTS_REGISTRY, {
    name: AWS_EVENTS_REGISTRY,
    arn: registryArn(region, 'aws', AWS_EVENTS_REGISTRY),
    scope: 'AWS',
    description: 'Schemas of events that AWS services emit (empty in the emulator)',
    tags: {},
    schemas: new Map(),
  });
  return { accountId, region, registries };
};
