import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateRegistryCommand,
  CreateSchemaCommand,
  SchemasClient,
  UpdateSchemaCommand,
} from '@aws-sdk/client-schemas';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventProbeError, SchemaUnsupportedError } from '../../src/errors.js';
import { generateMockEvent } from '../../src/events/mock.js';
import { PutEventsFailedError, putEvents } from '../../src/events/put-events.js';
import { startTestAws, type TestAws } from '../support/aws.js';
import { allowSendFrom } from '../support/policy.js';

const uid = () => Math.random().toString(36).slice(2, 10);

const schemaDoc = (source: string) => ({
  openapi: '3.0.0',
  info: { version: '1.0.0', title: 'OrderPlaced' },
  paths: {},
  components: {
    schemas: {
      AWSEvent: {
        type: 'object',
        required: [
          'detail-type',
          'resources',
          'detail',
          'id',
          'source',
          'time',
          'region',
          'version',
          'account',
        ],
        'x-amazon-events-detail-type': 'OrderPlaced',
        'x-amazon-events-source': source,
        properties: {
          detail: { $ref: '#/components/schemas/OrderPlaced' },
          account: { type: 'string' },
          'detail-type': { type: 'string' },
          id: { type: 'string' },
          region: { type: 'string' },
          resources: { type: 'array', items: { type: 'object' } },
          source: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
          version: { type: 'string' },
        },
      },
      OrderPlaced: {
        type: 'object',
        required: ['orderId'],
        properties: {
          orderId: { type: 'string' },
          amount: { type: 'number', minimum: 1, maximum: 100 },
          lines: { type: 'array', minItems: 2, items: { $ref: '#/components/schemas/Line' } },
        },
      },
      Line: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } } },
    },
  },
});

describe('generateMockEvent + putEvents against the local emulator', () => {
  let aws: TestAws;
  let schemas: SchemasClient;
  let eb: EventBridgeClient;
  let sqs: SQSClient;
  const registry = `reg-${uid()}`;
  const source = `com.example.${uid()}`;

  beforeAll(async () => {
    aws = await startTestAws();
    schemas = new SchemasClient({ ...aws.clientConfig, maxAttempts: 1 });
    eb = new EventBridgeClient({ ...aws.clientConfig, maxAttempts: 1 });
    sqs = new SQSClient({ ...aws.clientConfig, maxAttempts: 1 });
    await schemas.send(new CreateRegistryCommand({ RegistryName: registry }));
    await schemas.send(
      new CreateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'OrderPlaced',
        Type: 'OpenApi3',
        Content: JSON.stringify(schemaDoc(source)),
      }),
    );
  });
  afterAll(async () => {
    schemas.destroy();
    eb.destroy();
    sqs.destroy();
    await aws.close();
  });

  it('builds a mock event from the registry and delivers it through a rule to SQS', async () => {
    const event = await generateMockEvent(schemas, {
      registryName: registry,
      schemaName: 'OrderPlaced',
      seed: 7,
      overrides: { detail: { orderId: 'order-1' } },
      contexts: [(e) => ({ ...e, resources: ['arn:aws:s3:::orders'] })],
    });
    expect(event).toMatchObject({ version: '0', source, 'detail-type': 'OrderPlaced' });
    expect(event.detail.orderId).toBe('order-1');
    expect(event.detail.lines).toHaveLength(2);

    const bus = `bus-${uid()}`;
    await eb.send(new CreateEventBusCommand({ Name: bus }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `q-${uid()}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes?.QueueArn as string;
    const { RuleArn } = await eb.send(
      new PutRuleCommand({
        Name: `rule-${uid()}`,
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: [source], 'detail-type': ['OrderPlaced'] }),
      }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl,
        Attributes: {
          Policy: allowSendFrom({ service: 'events.amazonaws.com', queueArn: queueArn, sourceArn: RuleArn }),
        },
      }),
    );
    const ruleName = RuleArn?.split('/').pop() as string;
    await eb.send(
      new PutTargetsCommand({ Rule: ruleName, EventBusName: bus, Targets: [{ Id: 'q', Arn: queueArn }] }),
    );
    await aws.settleRules();

    const ids = await putEvents(eb, [event], { eventBusName: bus });
    expect(ids).toHaveLength(1);

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
    );
    // SQS may deliver a message twice (AWS, and the emulator under realism): one message id, whatever the copies.
    const messageIds = new Set(received.Messages?.map((m) => m.MessageId));
    expect(aws.exactlyOnce ? received.Messages : [...messageIds]).toHaveLength(1);
    const delivered = JSON.parse(received.Messages?.[0]?.Body as string);
    expect(delivered).toMatchObject({
      id: ids[0],
      source,
      'detail-type': 'OrderPlaced',
      time: event.time,
      resources: ['arn:aws:s3:::orders'],
      detail: event.detail,
    });
  });

  it('reads a given schema version', async () => {
    await schemas.send(
      new UpdateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'OrderPlaced',
        Type: 'JSONSchemaDraft4',
        Content: JSON.stringify({ title: 'V2', type: 'object', properties: { v: { const: 2 } } }),
      }),
    );
    const latest = await generateMockEvent(schemas, { registryName: registry, schemaName: 'OrderPlaced' });
    expect(latest).toMatchObject({ 'detail-type': 'V2', detail: { v: 2 } });
    const v1 = await generateMockEvent(schemas, {
      registryName: registry,
      schemaName: 'OrderPlaced',
      schemaVersion: '1',
    });
    expect(v1.source).toBe(source);
  });

  it('reports a missing schema with the SDK error as cause', async () => {
    const err = await generateMockEvent(schemas, { registryName: registry, schemaName: 'Nope' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EventProbeError);
    expect(err).not.toBeInstanceOf(SchemaUnsupportedError);
    expect(((err as Error).cause as Error).name).toBe('NotFoundException');
  });

  it('surfaces events EventBridge rejects', async () => {
    const err = await putEvents(eb, [{ source: 's', 'detail-type': 'd', detail: 'not json' }]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PutEventsFailedError);
    expect((err as PutEventsFailedError).failed[0]?.errorCode).toBeDefined();
  });
});
