import {
  CloudFormationClient,
  CreateStackCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRegistryCommand, CreateSchemaCommand, SchemasClient } from '@aws-sdk/client-schemas';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { PutTraceSegmentsCommand, XRayClient } from '@aws-sdk/client-xray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertTracePath,
  createProbe,
  newTraceId,
  type Probe,
  StackOutputMissingError,
} from '../../src/index.js';
import { startTestAws, type TestAws } from '../support/aws.js';

const TEMPLATE = `
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: !Sub 'wiring-\${AWS::StackName}' }
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: { source: [wiring.test] }
      Targets:
        - Id: Target0
          Arn: !GetAtt Queue.Arn
          InputPath: $.detail
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  BusName: { Value: !Ref Bus }
  RuleId: { Value: !Ref Rule }
`;

describe('probe wiring: CloudFormation lookups, bus|rule ids, X-Ray', () => {
  let aws: TestAws;
  let probe: Probe;
  const stackName = `wiring-${Date.now().toString(36)}`;

  beforeAll(async () => {
    aws = await startTestAws();
    probe = createProbe({ ...aws.clientConfig, tags: { suite: 'probe-wiring' } });
    const cfn = new CloudFormationClient(aws.clientConfig);
    await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: TEMPLATE }));
    await waitUntilStackCreateComplete(
      { client: cfn, maxWaitTime: 120, minDelay: 1 },
      { StackName: stackName },
    );
    cfn.destroy();
  });
  afterAll(async () => {
    await probe?.[Symbol.asyncDispose]();
    await aws?.close();
  });

  it('reads outputs and physical ids, and names what is missing', async () => {
    const outputs = await probe.getStackOutputs(stackName);
    expect(outputs.RuleId).toBe(`${outputs.BusName}|${outputs.RuleId?.split('|')[1]}`);
    expect(await probe.stackOutputs(stackName, ['BusName'])).toEqual({ BusName: outputs.BusName });
    expect(await probe.getPhysicalIdFromStack('Rule', stackName)).toBe(outputs.RuleId);
    const missing = await probe.getStackOutputs(stackName, ['BusName', 'Nope']).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StackOutputMissingError);
    expect((missing as StackOutputMissingError).missing).toEqual(['Nope']);
  });

  it('copies a rule given as the bus|rule id CloudFormation returns, without eventBusName', async () => {
    const { RuleId } = await probe.getStackOutputs(stackName, ['RuleId']);
    await using listener = await probe.addListener<unknown, { n: number }>({
      ruleName: RuleId as string,
      targetId: 'Target0',
    });
    const eventBridge = new EventBridgeClient(aws.clientConfig);
    await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: RuleId?.split('|')[0],
            Source: 'wiring.test',
            DetailType: 'T',
            Detail: JSON.stringify({ n: 7 }),
          },
        ],
      }),
    );
    eventBridge.destroy();
    // The InputPath of the copied target applies: the listener sees only the detail.
    expect(await listener.waitForEvent((e) => e.n === 7, { timeout: 10_000 })).toEqual({ n: 7 });
  });

  it('builds trace trees through the probe', async () => {
    const xray = new XRayClient(aws.clientConfig);
    const traceId = newTraceId();
    const now = Date.now() / 1000;
    const root = {
      id: 'a000000000000001',
      trace_id: traceId,
      name: 'api',
      origin: 'AWS::ApiGateway::Stage',
      start_time: now,
      end_time: now + 0.2,
    };
    const child = {
      id: 'a000000000000002',
      trace_id: traceId,
      parent_id: root.id,
      name: 'fn',
      origin: 'AWS::Lambda',
      start_time: now + 0.01,
      end_time: now + 0.1,
    };
    await xray.send(
      new PutTraceSegmentsCommand({ TraceSegmentDocuments: [JSON.stringify(root), JSON.stringify(child)] }),
    );
    xray.destroy();
    const tree = await probe.retryGetTraceTreeUntil(
      `Root=${traceId};Sampled=1`,
      (t) => {
        assertTracePath(t, ['AWS::ApiGateway::Stage', 'AWS::Lambda']);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(tree.complete).toBe(true);
    expect((await probe.getTraceTree(traceId)).complete).toBe(true);
  });

  it('generates a mock event from the schema registry and puts it on a bus', async () => {
    const schemas = new SchemasClient(aws.clientConfig);
    // Unique per run: the suite may run against a long-running endpoint (EVENTPROBE_TEST_ENDPOINT).
    const registry = `wiring-${Date.now().toString(36)}`;
    await schemas.send(new CreateRegistryCommand({ RegistryName: registry }));
    await schemas.send(
      new CreateSchemaCommand({
        RegistryName: registry,
        SchemaName: 'OrderPlaced',
        Type: 'JSONSchemaDraft4',
        Content: JSON.stringify({
          type: 'object',
          required: ['orderId', 'total'],
          properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 1 } },
        }),
      }),
    );
    schemas.destroy();
    const { BusName } = await probe.getStackOutputs(stackName, ['BusName']);
    await using listener = await probe.addListener<{ orderId: string; total: number }>({
      eventBusName: BusName as string,
      eventPattern: { source: ['wiring.mock'] },
    });
    const event = await probe.generateMockEvent({
      registryName: registry,
      schemaName: 'OrderPlaced',
      overrides: { source: 'wiring.mock', 'detail-type': 'OrderPlaced', detail: { orderId: 'o-1' } },
    });
    expect(event.detail).toMatchObject({ orderId: 'o-1' });
    const [id] = await probe.putEvents([event], { eventBusName: BusName as string });
    const received = await listener.waitForEvent((e) => e.detail.orderId === 'o-1', { timeout: 10_000 });
    expect(received.id).toBe(id);
    expect(received.detail.total).toBeGreaterThanOrEqual(1);
  });

  it('attaches SNS listeners through the probe, and its cleanup removes the subscription', async () => {
    const sns = new SNSClient(aws.clientConfig);
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: `wiring-${Date.now().toString(36)}` }),
    );
    const listener = await probe.addSnsListener<{ n: number }>({ topicArn: TopicArn as string });
    await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ n: 3 }) }));
    expect((await listener.waitForEvent((e) => e.message.n === 3, { timeout: 10_000 })).topicArn).toBe(
      TopicArn,
    );
    await probe.cleanup();
    const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(Subscriptions).toEqual([]);
    sns.destroy();
  });
});
