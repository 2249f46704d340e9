import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CloudFormationLike,
  getPhysicalIdFromStack,
  getStackOutputs,
  parseRuleId,
} from '../../src/cloudformation/index.js';
import { EventProbeError, InvalidInputError, StackOutputMissingError } from '../../src/errors.js';
import { startTestAws, type TestAws } from '../support/aws.js';

const TEMPLATE = `
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub '\${AWS::StackName}-bus'
  Queue:
    Type: AWS::SQS::Queue
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: { source: [orders] }
      Targets:
        - Id: Target0
          Arn: !GetAtt Queue.Arn
          InputPath: $.detail
  DefaultRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [other] }
Outputs:
  BusName: { Value: !Ref Bus }
  QueueUrl: { Value: !Ref Queue }
  RuleId: { Value: !Ref Rule }
`;

/** Fails the test when CloudFormation is called (input validation must come first). */
const unused: CloudFormationLike = {
  send: () => {
    throw new Error('no call expected');
  },
};

const fake = (handler: (input: Record<string, unknown>, name: string) => unknown): CloudFormationLike => ({
  send: (async (command: { input: Record<string, unknown>; constructor: { name: string } }) =>
    handler(command.input, command.constructor.name)) as unknown as CloudFormationLike['send'],
});

const caught = async (work: Promise<unknown>): Promise<unknown> => {
  try {
    await work;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
};

describe('CloudFormation lookups', () => {
  let aws: TestAws;
  let cfn: CloudFormationClient;
  let stackId: string;

  beforeAll(async () => {
    aws = await startTestAws();
    cfn = new CloudFormationClient(aws.clientConfig);
    const out = await cfn.send(new CreateStackCommand({ StackName: 'lookups', TemplateBody: TEMPLATE }));
    stackId = out.StackId as string;
  });
  afterAll(async () => {
    await cfn.send(new DeleteStackCommand({ StackName: 'lookups' })).catch(() => undefined);
    cfn.destroy();
    await aws.close();
  });

  it('reads every output, or the named ones, by stack name or ARN', async () => {
    const all = await getStackOutputs(cfn, 'lookups');
    expect(Object.keys(all).sort()).toEqual(['BusName', 'QueueUrl', 'RuleId']);
    expect(all.BusName).toBe('lookups-bus');
    expect(await getStackOutputs(cfn, stackId, ['RuleId', 'BusName'])).toEqual({
      RuleId: all.RuleId,
      BusName: 'lookups-bus',
    });
  });

  it('lists every missing output and the outputs that exist', async () => {
    const err = await caught(getStackOutputs(cfn, 'lookups', ['BusName', 'Nope', 'Gone', 'Nope']));
    expect(err).toBeInstanceOf(StackOutputMissingError);
    expect(err).toMatchObject({
      stackName: 'lookups',
      missing: ['Nope', 'Gone'],
      message:
        'Stack "lookups" (CREATE_COMPLETE) has no outputs named Nope, Gone. Its outputs are: BusName, QueueUrl, RuleId. ' +
        "Check the names against the template's Outputs section, and that the stack is the deployed version.",
    });
    const one = await caught(getStackOutputs(cfn, 'lookups', ['Nope']));
    expect((one as Error).message).toMatch(/has no output named Nope\./);
  });

  it('says what to check when the stack does not exist', async () => {
    const err = await caught(getStackOutputs(cfn, 'no-such-stack', ['A']));
    expect(err).toBeInstanceOf(StackOutputMissingError);
    expect(err).toMatchObject({ stackName: 'no-such-stack', missing: ['A'] });
    expect((err as Error).message).toMatch(/was not found\. Check the stack name \(or ARN\).*region/);
    expect((err as Error).cause).toMatchObject({ name: 'ValidationError' });
    const physical = await caught(getPhysicalIdFromStack(cfn, 'Queue', 'no-such-stack'));
    expect(physical).toBeInstanceOf(StackOutputMissingError);
    expect(physical).toMatchObject({ missing: ['Queue'] });
  });

  it('gives physical ids; a rule on a custom bus is bus|rule and parseRuleId splits it', async () => {
    const url = await getPhysicalIdFromStack(cfn, 'Queue', 'lookups');
    expect(url).toBe((await getStackOutputs(cfn, 'lookups', ['QueueUrl'])).QueueUrl);
    const ruleId = await getPhysicalIdFromStack(cfn, 'Rule', stackId);
    expect(ruleId).toMatch(/^lookups-bus\|lookups-Rule-/);
    const { eventBusName, ruleName } = parseRuleId(ruleId);
    const events = new EventBridgeClient(aws.clientConfig);
    try {
      const targets = await events.send(
        new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: eventBusName }),
      );
      expect(targets.Targets?.map((t) => t.Id)).toEqual(['Target0']);
    } finally {
      events.destroy();
    }
    const defaultRule = await getPhysicalIdFromStack(cfn, 'DefaultRule', 'lookups');
    expect(parseRuleId(defaultRule)).toEqual({ eventBusName: 'default', ruleName: defaultRule });
  });

  it('lists the logical ids when a resource is not in the stack', async () => {
    const err = await caught(getPhysicalIdFromStack(cfn, 'Missing', 'lookups'));
    expect(err).toBeInstanceOf(StackOutputMissingError);
    expect(err).toMatchObject({
      missing: ['Missing'],
      message:
        'Stack "lookups" has no resource with logical id "Missing". Its logical ids are: Bus, Queue, Rule, DefaultRule.',
    });
  });

  it('reports a deleted stack found by ARN as missing', async () => {
    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: 'short-lived',
        TemplateBody: '{"Resources":{"H":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}',
      }),
    );
    await cfn.send(new DeleteStackCommand({ StackName: 'short-lived' }));
    const err = await caught(getStackOutputs(cfn, StackId as string));
    expect(err).toBeInstanceOf(StackOutputMissingError);
    expect((err as Error).message).toMatch(/was deleted \(DELETE_COMPLETE\)/);
    const described = await cfn.send(new DescribeStacksCommand({ StackName: StackId }));
    expect(described.Stacks?.[0]?.StackStatus).toBe('DELETE_COMPLETE');
  });

  it('validates inputs before calling CloudFormation', async () => {
    const bad = [
      [() => getStackOutputs(unused, ''), 'stack'],
      [() => getStackOutputs(unused, 42 as unknown as string), 'stack'],
      [() => getStackOutputs(unused, 's', 'A' as unknown as string[]), 'names'],
      [() => getStackOutputs(unused, 's', ['A', '']), 'names[1]'],
      [() => getStackOutputs(unused, 's', [7 as unknown as string]), 'names[0]'],
      [() => getPhysicalIdFromStack(unused, ' ', 's'), 'logicalId'],
      [() => getPhysicalIdFromStack(unused, 'Queue', ''), 'stack'],
    ] as const;
    for (const [work, option] of bad) {
      const err = await caught(work());
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err).toMatchObject({ option });
    }
  });

  it('wraps other CloudFormation failures, keeping the cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    const failing = fake(() => {
      throw throttled;
    });
    const err = await caught(getStackOutputs(failing, 's'));
    expect(err).toBeInstanceOf(EventProbeError);
    expect(err).toMatchObject({ message: 'DescribeStacks of "s" failed: Rate exceeded', cause: throttled });
    const err2 = await caught(getPhysicalIdFromStack(failing, 'A', 's'));
    expect((err2 as Error).message).toBe('DescribeStackResource of "A" in "s" failed: Rate exceeded');
    const odd = await caught(
      getStackOutputs(
        fake(() => {
          throw 'boom';
        }),
        's',
      ),
    );
    expect((odd as Error).message).toBe('DescribeStacks of "s" failed: boom');
  });

  it('rethrows the caller abort reason and passes the signal on', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const seen: unknown[] = [];
    const aborting: CloudFormationLike = {
      send: (async (_command: unknown, options?: { abortSignal?: AbortSignal }) => {
        seen.push(options?.abortSignal);
        controller.abort(reason);
        throw new Error('aborted');
      }) as unknown as CloudFormationLike['send'],
    };
    expect(await caught(getStackOutputs(aborting, 's', undefined, { signal: controller.signal }))).toBe(
      reason,
    );
    expect(seen).toEqual([controller.signal]);
  });

  it('handles sparse answers: no stacks, outputs without values, resources without physical ids, pages', async () => {
    const empty = fake(() => ({}));
    expect(await caught(getStackOutputs(empty, 's'))).toBeInstanceOf(StackOutputMissingError);
    const sparse = fake(() => ({
      Stacks: [{ StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'A' }, { OutputValue: 'x' }] }],
    }));
    expect(await getStackOutputs(sparse, 's')).toEqual({ A: '' });
    const noOutputs = fake(() => ({ Stacks: [{}] }));
    const err = await caught(getStackOutputs(noOutputs, 's', ['A']));
    expect((err as Error).message).toBe(
      'Stack "s" (unknown) has no output named A. Its outputs are: (none). ' +
        "Check the names against the template's Outputs section, and that the stack is the deployed version.",
    );

    const failed = fake(() => ({
      StackResourceDetail: { ResourceStatus: 'CREATE_FAILED', ResourceStatusReason: 'bad name' },
    }));
    expect(((await caught(getPhysicalIdFromStack(failed, 'Q', 's'))) as Error).message).toBe(
      'Resource "Q" of stack "s" has no physical id (status CREATE_FAILED: bad name). Check that the stack deployed successfully.',
    );
    expect(((await caught(getPhysicalIdFromStack(empty, 'Q', 's'))) as Error).message).toMatch(
      /status unknown\)/,
    );

    const notFound = Object.assign(new Error('Resource Q does not exist for stack s'), {
      name: 'ValidationError',
    });
    const pages: (string | undefined)[] = [];
    const paged = fake((input, name) => {
      if (name === 'DescribeStackResourceCommand') throw notFound;
      pages.push(input.NextToken as string | undefined);
      return input.NextToken
        ? { StackResourceSummaries: [{ LogicalResourceId: 'B' }, {}] }
        : { StackResourceSummaries: [{ LogicalResourceId: 'A' }], NextToken: 't2' };
    });
    expect(((await caught(getPhysicalIdFromStack(paged, 'Q', 's'))) as Error).message).toBe(
      'Stack "s" has no resource with logical id "Q". Its logical ids are: A, B.',
    );
    expect(pages).toEqual([undefined, 't2']);
    const none = fake((_input, name) => {
      if (name === 'DescribeStackResourceCommand') throw notFound;
      return {};
    });
    expect(((await caught(getPhysicalIdFromStack(none, 'Q', 's'))) as Error).message).toMatch(
      /are: \(none\)\.$/,
    );
  });
});
