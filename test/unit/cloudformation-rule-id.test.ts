import { describe, expect, it } from 'vitest';
import { parseRuleId, resolveRuleReference, ruleIdOf } from '../../src/cloudformation/index.js';
import { InvalidInputError } from '../../src/errors.js';

describe('parseRuleId', () => {
  it('reads a bare name as a rule on the default bus', () => {
    expect(parseRuleId('my-rule')).toEqual({ eventBusName: 'default', ruleName: 'my-rule' });
  });

  it('splits the CloudFormation "bus|rule" physical id', () => {
    expect(parseRuleId('orders|route-orders')).toEqual({ eventBusName: 'orders', ruleName: 'route-orders' });
  });

  it('reads rule ARNs on the default bus, a custom bus and a partner bus', () => {
    expect(parseRuleId('arn:aws:events:us-east-1:123456789012:rule/r1')).toEqual({
      eventBusName: 'default',
      ruleName: 'r1',
    });
    expect(parseRuleId('arn:aws:events:eu-west-1:123456789012:rule/orders/r2')).toEqual({
      eventBusName: 'orders',
      ruleName: 'r2',
    });
    expect(parseRuleId('arn:aws-cn:events:cn-north-1:123456789012:rule/aws.partner/x.com/1/bus/r3')).toEqual({
      eventBusName: 'aws.partner/x.com/1/bus',
      ruleName: 'r3',
    });
  });

  it.each([
    ['', /got ""/],
    ['   ', /got " {3}"/],
    ['a|b|c', /"a\|b\|c" is not of the form "bus\|rule"/],
    ['|rule', /is not of the form/],
    ['bus|', /is not of the form/],
    ['arn:aws:sqs:us-east-1:123456789012:q', /is not an EventBridge rule ARN/],
    ['arn:aws:events:us-east-1:123456789012:rule/bus/', /empty bus or rule name/],
    ['arn:aws:events:us-east-1:123456789012:rule//r', /empty bus or rule name/],
  ])('rejects %j naming the option', (id, message) => {
    const err = (() => {
      try {
        parseRuleId(id, 'rule');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toMatchObject({ option: 'rule', message: expect.stringMatching(message) });
  });

  it('rejects a non-string with the default option name', () => {
    expect(() => parseRuleId(42 as unknown as string)).toThrow(
      expect.objectContaining({ option: 'ruleName', message: expect.stringMatching(/got 42/) }),
    );
  });
});

describe('ruleIdOf', () => {
  it('gives the name on the default bus and bus|rule elsewhere', () => {
    expect(ruleIdOf({ eventBusName: 'default', ruleName: 'r' })).toBe('r');
    expect(ruleIdOf({ eventBusName: 'orders', ruleName: 'r' })).toBe('orders|r');
    expect(
      ruleIdOf({ eventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/orders', ruleName: 'r' }),
    ).toBe('orders|r');
    expect(
      ruleIdOf({ eventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/default', ruleName: 'r' }),
    ).toBe('r');
  });
});

describe('resolveRuleReference', () => {
  it('uses the id alone when no bus option is given', () => {
    expect(resolveRuleReference('orders|r')).toEqual({ eventBusName: 'orders', ruleName: 'r' });
  });

  it('takes the bus option for a bare name', () => {
    expect(resolveRuleReference('r', 'orders')).toEqual({ eventBusName: 'orders', ruleName: 'r' });
  });

  it('accepts a bus option (name or ARN) that agrees with the id', () => {
    expect(resolveRuleReference('orders|r', 'orders')).toEqual({ eventBusName: 'orders', ruleName: 'r' });
    const busArn = 'arn:aws:events:us-east-1:123456789012:event-bus/orders';
    expect(resolveRuleReference('arn:aws:events:us-east-1:123456789012:rule/orders/r', busArn)).toEqual({
      eventBusName: busArn,
      ruleName: 'r',
    });
  });

  it('refuses a bus option that contradicts the id', () => {
    expect(() => resolveRuleReference('orders|r', 'other', { busOption: 'bus' })).toThrow(
      expect.objectContaining({ option: 'bus', message: expect.stringMatching(/names bus "orders"/) }),
    );
    expect(() => resolveRuleReference('arn:aws:events:us-east-1:123456789012:rule/r', 'other')).toThrow(
      expect.objectContaining({ option: 'eventBusName' }),
    );
  });

  it('refuses an empty bus option and reports bad ids under the given option', () => {
    expect(() => resolveRuleReference('r', ' ')).toThrow(expect.objectContaining({ option: 'eventBusName' }));
    expect(() => resolveRuleReference('', undefined, { ruleOption: 'rule' })).toThrow(
      expect.objectContaining({ option: 'rule' }),
    );
  });
});
