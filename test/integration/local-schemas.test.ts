import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  TagResourcesCommand,
  UntagResourcesCommand,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  BadRequestException,
  ConflictException,
  CreateRegistryCommand,
  CreateSchemaCommand,
  DeleteRegistryCommand,
  DeleteSchemaCommand,
  DeleteSchemaVersionCommand,
  DescribeRegistryCommand,
  DescribeSchemaCommand,
  ForbiddenException,
  ListRegistriesCommand,
  ListSchemasCommand,
  ListSchemaVersionsCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  SchemasClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRegistryCommand,
  UpdateSchemaCommand,
} from '@aws-sdk/client-schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from '../support/aws.js';

const uid = () => Math.random().toString(36).slice(2, 10);
const OPENAPI = JSON.stringify({
  openapi: '3.0.0',
  info: { title: 'E', version: '1' },
  paths: {},
  components: { schemas: { E: { type: 'object' } } },
});
const DRAFT4 = JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' });

describe('local Schemas (REST-JSON) through @aws-sdk/client-schemas', () => {
  let aws: TestAws;
  let schemas: SchemasClient;

  beforeAll(async () => {
    aws = await startTestAws();
    schemas = new SchemasClient({ ...aws.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    schemas.destroy();
    await aws.close();
  });

  it('creates, describes, updates, lists and deletes registries', async () => {
    const name = `reg-${uid()}`;
    const created = await schemas.send(
      new CreateRegistryCommand({ RegistryName: name, Description: 'mine', Tags: { team: 'a' } }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.RegistryArn).toMatch(
      new RegExp(`^arn:aws:schemas:${aws.region}:\\d{12}:registry/${name}$`),
    );
    expect(created).toMatchObject({ RegistryName: name, Description: 'mine', Tags: { team: 'a' } });
    expect(await schemas.send(new DescribeRegistryCommand({ RegistryName: name }))).toMatchObject({
      RegistryName: name,
      Description: 'mine',
    });
    const updated = await schemas.send(
      new UpdateRegistryCommand({ RegistryName: name, Description: 'changed' }),
    );
    expect(updated.Description).toBe('changed');

    const local = await schemas.send(
      new ListRegistriesCommand({ Scope: 'LOCAL', RegistryNamePrefix: 'reg-' }),
    );
    expect(local.Registries?.map((r) => r.RegistryName)).toContain(name);
    const builtIn = await schemas.send(new ListRegistriesCommand({ Scope: 'AWS' }));
    expect(builtIn.Registries?.map((r) => r.RegistryName)).toEqual(['aws.events']);
    expect(await schemas.send(new DescribeRegistryCommand({ RegistryName: 'aws.events' }))).toMatchObject({
      RegistryName: 'aws.events',
    });

    await expect(schemas.send(new CreateRegistryCommand({ RegistryName: name }))).rejects.toBeInstanceOf(
      ConflictException,
    );
    const deleted = await schemas.send(new DeleteRegistryCommand({ RegistryName: name }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const missing = await schemas
      .send(new DescribeRegistryCommand({ RegistryName: name }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundException);
    expect((missing as NotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((missing as Error).message).toMatch(/does not exist/);
  });

  it('pages registries', async () => {
    const prefix = `page-${uid()}-`;
    for (const n of [1, 2, 3])
      await schemas.send(new CreateRegistryCommand({ RegistryName: `${prefix}${n}` }));
    const first = await schemas.send(new ListRegistriesCommand({ RegistryNamePrefix: prefix, Limit: 2 }));
    expect(first.Registries).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const second = await schemas.send(
      new ListRegistriesCommand({ RegistryNamePrefix: prefix, Limit: 2, NextToken: first.NextToken }),
    );
    expect(second.Registries?.map((r) => r.RegistryName)).toEqual([`${prefix}3`]);
    expect(second.NextToken).toBeUndefined();
    await expect(schemas.send(new ListRegistriesCommand({ NextToken: 'zz' }))).rejects.toBeInstanceOf(
      BadRequestException,
    );
  });

  it('creates schemas, keeps versions, describes the latest or a given version', async () => {
    const registry = `reg-${uid()}`;
    await schemas.send(new CreateRegistryCommand({ RegistryName: registry }));
    const before = Date.now();
    const created = await schemas.send(
      new CreateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'Order@Placed',
        Type: 'OpenApi3',
        Content: OPENAPI,
        Description: 'orders',
        Tags: { k: 'v' },
      }),
    );
    expect(created).toMatchObject({
      SchemaName: 'Order@Placed',
      SchemaVersion: '1',
      Type: 'OpenApi3',
      Tags: { k: 'v' },
    });
    expect(created.SchemaArn).toMatch(
      new RegExp(`^arn:aws:schemas:${aws.region}:\\d{12}:schema/${registry}/Order@Placed$`),
    );
    expect(created.LastModified).toBeInstanceOf(Date);
    // Stamped when it was created: between the request and the answer (whole seconds on the wire).
    const stamped = (created.VersionCreatedDate as Date).getTime();
    expect(stamped).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(stamped).toBeLessThanOrEqual(Date.now());

    const v2 = await schemas.send(
      new UpdateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'Order@Placed',
        Type: 'JSONSchemaDraft4',
        Content: DRAFT4,
      }),
    );
    expect(v2.SchemaVersion).toBe('2');
    const same = await schemas.send(
      new UpdateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'Order@Placed',
        Content: DRAFT4,
        Description: 'd2',
      }),
    );
    expect(same).toMatchObject({ SchemaVersion: '2', Description: 'd2' });

    const latest = await schemas.send(
      new DescribeSchemaCommand({ RegistryName: registry, SchemaName: 'Order@Placed' }),
    );
    expect(latest).toMatchObject({
      SchemaVersion: '2',
      Type: 'JSONSchemaDraft4',
      Content: DRAFT4,
      Description: 'd2',
    });
    const first = await schemas.send(
      new DescribeSchemaCommand({ RegistryName: registry, SchemaName: 'Order@Placed', SchemaVersion: '1' }),
    );
    expect(first).toMatchObject({ SchemaVersion: '1', Type: 'OpenApi3', Content: OPENAPI });
    await expect(
      schemas.send(
        new DescribeSchemaCommand({ RegistryName: registry, SchemaName: 'Order@Placed', SchemaVersion: '9' }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);

    const versions = await schemas.send(
      new ListSchemaVersionsCommand({ RegistryName: registry, SchemaName: 'Order@Placed' }),
    );
    expect(versions.SchemaVersions?.map((v) => [v.SchemaVersion, v.Type])).toEqual([
      ['1', 'OpenApi3'],
      ['2', 'JSONSchemaDraft4'],
    ]);
    await schemas.send(
      new CreateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'Other',
        Type: 'JSONSchemaDraft4',
        Content: DRAFT4,
      }),
    );
    const list = await schemas.send(
      new ListSchemasCommand({ RegistryName: registry, SchemaNamePrefix: 'Order' }),
    );
    expect(list.Schemas?.map((s) => [s.SchemaName, s.VersionCount])).toEqual([['Order@Placed', 2]]);
    expect(list.Schemas?.[0]?.Tags).toEqual({ k: 'v' });
    expect((await schemas.send(new ListSchemasCommand({ RegistryName: registry }))).Schemas).toHaveLength(2);

    await schemas.send(
      new DeleteSchemaVersionCommand({
        RegistryName: registry,
        SchemaName: 'Order@Placed',
        SchemaVersion: '1',
      }),
    );
    await expect(
      schemas.send(
        new DeleteSchemaVersionCommand({
          RegistryName: registry,
          SchemaName: 'Order@Placed',
          SchemaVersion: '1',
        }),
      ),
    ).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      schemas.send(
        new DeleteSchemaVersionCommand({
          RegistryName: registry,
          SchemaName: 'Order@Placed',
          SchemaVersion: '2',
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    const v3 = await schemas.send(
      new UpdateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'Order@Placed',
        Type: 'OpenApi3',
        Content: OPENAPI,
      }),
    );
    expect(v3.SchemaVersion).toBe('3');

    await schemas.send(new DeleteSchemaCommand({ RegistryName: registry, SchemaName: 'Order@Placed' }));
    await expect(
      schemas.send(new DescribeSchemaCommand({ RegistryName: registry, SchemaName: 'Order@Placed' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('rejects bad input with AWS error codes', async () => {
    const registry = `reg-${uid()}`;
    await schemas.send(new CreateRegistryCommand({ RegistryName: registry }));
    const create = (input: Partial<ConstructorParameters<typeof CreateSchemaCommand>[0]>) =>
      schemas.send(
        new CreateSchemaCommand({
          RegistryName: registry,
          SchemaName: 'S',
          Type: 'OpenApi3',
          Content: OPENAPI,
          ...input,
        }),
      );
    await expect(create({ Type: 'Avro' as 'OpenApi3' })).rejects.toBeInstanceOf(BadRequestException);
    await expect(create({ Content: '{not json' })).rejects.toThrow(/not valid JSON/);
    await expect(create({ Content: '[]' })).rejects.toThrow(/must be a JSON object/);
    await expect(create({ Content: DRAFT4 })).rejects.toThrow(/"openapi"/);
    await expect(create({ Content: 'x'.repeat(100_001) })).rejects.toThrow(/1-100000/);
    await expect(create({ Description: 'd'.repeat(257) })).rejects.toThrow(/Description/);
    await expect(create({ Tags: { k: 1 as unknown as string } })).rejects.toThrow(/string value/);
    await expect(create({ SchemaName: 'bad name' })).rejects.toBeInstanceOf(BadRequestException);
    await expect(create({ RegistryName: 'nope' })).rejects.toBeInstanceOf(NotFoundException);
    await create({});
    await expect(create({})).rejects.toBeInstanceOf(ConflictException);
    await expect(
      schemas.send(
        new UpdateSchemaCommand({ RegistryName: registry, SchemaName: 'S', Type: 'JSONSchemaDraft4' }),
      ),
    ).rejects.toThrow(/needs new Content/);
    await expect(schemas.send(new CreateRegistryCommand({ RegistryName: 'aws.mine' }))).rejects.toThrow(
      /reserved/,
    );
    await expect(
      schemas.send(new CreateRegistryCommand({ RegistryName: 'bad/name' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(schemas.send(new ListRegistriesCommand({ Limit: 0 }))).rejects.toThrow(/limit/);
    await expect(schemas.send(new ListRegistriesCommand({ Scope: 'ALL' }))).rejects.toThrow(/scope/);
  });

  it('keeps aws.events read-only', async () => {
    const forbidden = [
      schemas.send(new DeleteRegistryCommand({ RegistryName: 'aws.events' })),
      schemas.send(
        new CreateSchemaCommand({
          RegistryName: 'aws.events',
          SchemaName: 'X',
          Type: 'OpenApi3',
          Content: OPENAPI,
        }),
      ),
      schemas.send(new UpdateRegistryCommand({ RegistryName: 'aws.events', Description: 'x' })),
    ];
    for (const p of forbidden) await expect(p).rejects.toBeInstanceOf(ForbiddenException);
    expect((await schemas.send(new ListSchemasCommand({ RegistryName: 'aws.events' }))).Schemas).toEqual([]);
  });

  it('tags registries and schemas, visible to the tagging API', async () => {
    const registry = `reg-${uid()}`;
    const { RegistryArn } = await schemas.send(
      new CreateRegistryCommand({ RegistryName: registry, Tags: { a: '1' } }),
    );
    const { SchemaArn } = await schemas.send(
      new CreateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'S',
        Type: 'OpenApi3',
        Content: OPENAPI,
      }),
    );
    await schemas.send(new TagResourceCommand({ ResourceArn: RegistryArn, Tags: { b: '2', c: '3' } }));
    await schemas.send(new UntagResourceCommand({ ResourceArn: RegistryArn, TagKeys: ['b'] }));
    // One key per call: the server's REST branch keeps only the last of repeated query parameters.
    expect((await schemas.send(new ListTagsForResourceCommand({ ResourceArn: RegistryArn }))).Tags).toEqual({
      a: '1',
      c: '3',
    });
    await schemas.send(new TagResourceCommand({ ResourceArn: SchemaArn, Tags: { s: 'x' } }));
    expect((await schemas.send(new ListTagsForResourceCommand({ ResourceArn: SchemaArn }))).Tags).toEqual({
      s: 'x',
    });
    await expect(
      schemas.send(new ListTagsForResourceCommand({ ResourceArn: `${RegistryArn}-missing` })),
    ).rejects.toBeInstanceOf(NotFoundException);

    const tagging = new ResourceGroupsTaggingAPIClient({ ...aws.clientConfig, maxAttempts: 1 });
    try {
      const found = await tagging.send(
        new GetResourcesCommand({ TagFilters: [{ Key: 'a', Values: ['1'] }] }),
      );
      expect(found.ResourceTagMappingList?.map((m) => m.ResourceARN)).toContain(RegistryArn);
      const bySchema = await tagging.send(
        new GetResourcesCommand({ TagFilters: [{ Key: 's', Values: ['x'] }] }),
      );
      expect(bySchema.ResourceTagMappingList?.map((m) => m.ResourceARN)).toEqual([SchemaArn]);
      await tagging.send(
        new TagResourcesCommand({ ResourceARNList: [SchemaArn as string], Tags: { via: 'api' } }),
      );
      await tagging.send(
        new UntagResourcesCommand({ ResourceARNList: [SchemaArn as string], TagKeys: ['s'] }),
      );
      expect((await schemas.send(new ListTagsForResourceCommand({ ResourceArn: SchemaArn }))).Tags).toEqual({
        via: 'api',
      });
      const unknown = await tagging.send(
        new TagResourcesCommand({ ResourceARNList: [`${SchemaArn}-gone`], Tags: { x: 'y' } }),
      );
      expect(Object.keys(unknown.FailedResourcesMap ?? {})).toEqual([`${SchemaArn}-gone`]);
    } finally {
      tagging.destroy();
    }
  });
});
