import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type MessageAttributeValue, md5Hex, md5OfAttributes } from '../../src/local/services/sqs/md5.js';
import { evaluatePolicy, type PolicyRequest, wildcardMatch } from '../../src/local/services/sqs/policy.js';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/conformance/sqs-md5-vectors.json', import.meta.url), 'utf8'),
) as {
  body: { text: string; md5: string };
  attributes: { attributes: Record<string, MessageAttributeValue>; md5: string }[];
};

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:q';
const RULE = 'arn:aws:events:us-east-1:000000000000:rule/r1';
const request = (overrides: Partial<PolicyRequest> = {}): PolicyRequest => ({
  principal: { service: 'events.amazonaws.com' },
  action: 'sqs:SendMessage',
  resource: QUEUE,
  context: { 'aws:sourcearn': RULE, 'aws:sourceaccount': '000000000000' },
  ...overrides,
});
const policy = (...statements: unknown[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { Service: 'events.amazonaws.com' },
  Action: 'sqs:SendMessage',
  Resource: QUEUE,
  ...extra,
});

describe('SQS queue policy evaluation', () => {
  it('needs an explicit allow (no or broken policy is an implicit deny)', () => {
    expect(evaluatePolicy(undefined, request())).toBe('implicit-deny');
    expect(evaluatePolicy('', request())).toBe('implicit-deny');
    expect(evaluatePolicy('{not json', request())).toBe('implicit-deny');
    expect(evaluatePolicy('null', request())).toBe('implicit-deny');
    expect(evaluatePolicy(policy(), request())).toBe('implicit-deny');
    expect(evaluatePolicy(policy(allow()), request())).toBe('allow');
    expect(evaluatePolicy(JSON.stringify({ Statement: allow() }), request())).toBe('allow');
    expect(evaluatePolicy(policy('junk', allow()), request())).toBe('allow');
  });

  it('matches principals: service, "*", {AWS:"*"}, accounts', () => {
    expect(evaluatePolicy(policy(allow({ Principal: '*' })), request())).toBe('allow');
    expect(evaluatePolicy(policy(allow({ Principal: { AWS: '*' } })), request())).toBe('allow');
    expect(
      evaluatePolicy(
        policy(allow({ Principal: { Service: ['sns.amazonaws.com', 'events.amazonaws.com'] } })),
        request(),
      ),
    ).toBe('allow');
    expect(evaluatePolicy(policy(allow({ Principal: { Service: 'sns.amazonaws.com' } })), request())).toBe(
      'implicit-deny',
    );
    expect(evaluatePolicy(policy(allow({ Principal: 'someone' })), request())).toBe('implicit-deny');
    expect(
      evaluatePolicy(
        policy(allow({ Principal: { AWS: 'arn:aws:iam::111111111111:root' } })),
        request({ principal: { aws: '111111111111' } }),
      ),
    ).toBe('allow');
    expect(
      evaluatePolicy(
        policy(allow({ Principal: { AWS: '111111111111' } })),
        request({ principal: { aws: '111111111111' } }),
      ),
    ).toBe('allow');
    expect(
      evaluatePolicy(
        policy(allow({ Principal: { AWS: '222222222222' } })),
        request({ principal: { aws: '111111111111' } }),
      ),
    ).toBe('implicit-deny');
  });

  it('matches actions (case-insensitive, wildcards) and resources', () => {
    for (const action of [
      'sqs:*',
      '*',
      'SQS:SendMessage',
      'sqs:Send*',
      ['sqs:ReceiveMessage', 'sqs:SendMessage'],
    ]) {
      expect(evaluatePolicy(policy(allow({ Action: action })), request())).toBe('allow');
    }
    expect(evaluatePolicy(policy(allow({ Action: 'sqs:ReceiveMessage' })), request())).toBe('implicit-deny');
    expect(evaluatePolicy(policy(allow({ Resource: '*' })), request())).toBe('allow');
    expect(evaluatePolicy(policy(allow({ Resource: 'arn:aws:sqs:*:000000000000:*' })), request())).toBe(
      'allow',
    );
    expect(evaluatePolicy(policy(allow({ Resource: undefined })), request())).toBe('allow');
    expect(
      evaluatePolicy(policy(allow({ Resource: 'arn:aws:sqs:us-east-1:000000000000:other' })), request()),
    ).toBe('implicit-deny');
  });

  it('evaluates conditions on aws:SourceArn and aws:SourceAccount', () => {
    const cond = (c: unknown) => evaluatePolicy(policy(allow({ Condition: c })), request());
    expect(cond({ ArnEquals: { 'aws:SourceArn': RULE } })).toBe('allow');
    expect(cond({ ArnEquals: { 'aws:SourceArn': `${RULE}x` } })).toBe('implicit-deny');
    expect(cond({ ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:000000000000:rule/*' } })).toBe('allow');
    expect(cond({ StringEquals: { 'aws:SourceAccount': '000000000000' } })).toBe('allow');
    expect(cond({ StringEquals: { 'aws:SourceAccount': ['1', '000000000000'] } })).toBe('allow');
    expect(cond({ StringLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/r?' } })).toBe(
      'allow',
    );
    expect(cond({ StringEqualsIgnoreCase: { 'aws:SourceArn': RULE.toUpperCase() } })).toBe('allow');
    expect(cond({ StringNotEqualsIgnoreCase: { 'aws:SourceArn': RULE.toUpperCase() } })).toBe(
      'implicit-deny',
    );
    expect(cond({ ArnNotEquals: { 'aws:SourceArn': RULE } })).toBe('implicit-deny');
    expect(cond({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*' } })).toBe('allow');
    expect(cond({ StringNotEquals: { 'aws:SourceAccount': '111111111111' } })).toBe('allow');
    expect(cond({ StringNotLike: { 'aws:SourceArn': '*' } })).toBe('implicit-deny');
    expect(cond({ StringEquals: { 'aws:PrincipalOrgID': 'o-1' } })).toBe('implicit-deny');
    expect(cond({ StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-1' } })).toBe('allow');
    expect(cond({ ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:sns:*' } })).toBe('implicit-deny');
    expect(cond({ NumericLessThan: { 'aws:x': '1' } })).toBe('implicit-deny');
    expect(cond({ StringEquals: 'oops' })).toBe('implicit-deny');
    expect(cond('oops')).toBe('implicit-deny');
    expect(
      cond({ ArnEquals: { 'aws:SourceArn': RULE }, StringEquals: { 'aws:SourceAccount': '999999999999' } }),
    ).toBe('implicit-deny');
  });

  it('lets an explicit deny win', () => {
    const deny = { ...allow(), Effect: 'Deny', Principal: '*' };
    expect(evaluatePolicy(policy(allow(), deny), request())).toBe('deny');
    expect(evaluatePolicy(policy(deny, allow()), request())).toBe('deny');
    expect(evaluatePolicy(policy({ ...allow(), Effect: 'Maybe' }), request())).toBe('implicit-deny');
  });

  it('matches IAM wildcards', () => {
    expect(wildcardMatch('a*c', 'abbbc')).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a.c', 'abc')).toBe(false);
    expect(wildcardMatch('ABC', 'abc', true)).toBe(true);
  });
});

describe('SQS message attribute MD5 (vectors recorded against AWS)', () => {
  it('matches AWS for string attributes and their subsets', () => {
    for (const vector of vectors.attributes) expect(md5OfAttributes(vector.attributes)).toBe(vector.md5);
    expect(md5Hex(vectors.body.text)).toBe(vectors.body.md5);
    expect(md5OfAttributes({})).toBeUndefined();
  });

  it('hashes binary values as bytes with transport type 2', () => {
    const a = md5OfAttributes({
      b: { DataType: 'Binary', BinaryValue: Buffer.from('hi').toString('base64') },
    });
    const b = md5OfAttributes({
      b: { DataType: 'Binary', BinaryValue: Buffer.from('ho').toString('base64') },
    });
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});

describe('SQS tagging hooks (for the Resource Groups Tagging API)', () => {
  it('lists, tags and untags queues by ARN', async () => {
    const { sqs } = await import('../../src/local/services/sqs/index.js');
    const { Emulator } = await import('../../src/local/core/emulator.js');
    const emulator = new Emulator([sqs]);
    await emulator.invoke(
      'sqs',
      'CreateQueue',
      { QueueName: 'tagged', tags: { a: '1' } },
      { region: 'us-east-1' },
    );
    const state = emulator.state<import('../../src/local/services/sqs/model.js').SqsState>(
      'sqs',
      'us-east-1',
    );
    const hooks = sqs.tagging;
    const arn = 'arn:aws:sqs:us-east-1:000000000000:tagged';
    expect(hooks?.list(state)).toEqual([{ arn, resourceType: 'sqs', tags: { a: '1' } }]);
    expect(hooks?.tag(state, arn, { b: '2' })).toBe(true);
    expect(hooks?.untag(state, arn, ['a'])).toBe(true);
    expect(hooks?.list(state)[0]?.tags).toEqual({ b: '2' });
    expect(hooks?.tag(state, `${arn}-x`, { b: '2' })).toBe(false);
    expect(hooks?.untag(state, `${arn}-x`, ['b'])).toBe(false);
    emulator.close();
  });
});
