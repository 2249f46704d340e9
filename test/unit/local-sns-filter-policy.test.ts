import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type FilterMessageAttribute,
  FilterPolicyError,
  matchesFilterPolicy,
  parseFilterPolicy,
} from '../../src/local/services/sns/filter-policy.js';

interface ErrorCase {
  label: string;
  policy: string;
  code: string;
  message: string;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/conformance/sns-filter-policy-errors.json', import.meta.url), 'utf8'),
) as { cases: ErrorCase[] };

const reason = (policy: string): string => {
  try {
    parseFilterPolicy(policy);
  } catch (err) {
    expect(err).toBeInstanceOf(FilterPolicyError);
    return (err as Error).message;
  }
  return 'valid';
};

const attrs = (
  values: Record<string, string | number | string[] | { binary: string }>,
): Record<string, FilterMessageAttribute> =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      Array.isArray(v)
        ? { DataType: 'String.Array', StringValue: JSON.stringify(v) }
        : typeof v === 'number'
          ? { DataType: 'Number', StringValue: String(v) }
          : typeof v === 'object'
            ? { DataType: 'Binary', BinaryValue: v.binary }
            : { DataType: 'String', StringValue: v },
    ]),
  );

const onAttributes = (policy: object, values: Parameters<typeof attrs>[0]): boolean =>
  matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy)).policy, 'MessageAttributes', {
    body: 'irrelevant',
    attributes: attrs(values),
  });

const onBody = (policy: object, body: unknown): boolean =>
  matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy)).policy, 'MessageBody', {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {},
  });

describe('SNS filter policy validation', () => {
  it.each(fixture.cases.map((c) => [c.label, c] as const))('%s: answers as AWS did', (_label, c) => {
    expect(c.code).toBe('InvalidParameter');
    expect(`Invalid parameter: Attributes Reason: FilterPolicy: ${reason(c.policy)}`).toBe(c.message);
  });

  it('limits keys to 5 and combinations to 150 (also across $or branches)', () => {
    const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`k${i}`, ['v']]));
    expect(reason(JSON.stringify(six))).toBe('Filter policy can not have more than 5 keys');
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    expect(reason(JSON.stringify({ a: values(151) }))).toBe('Filter policy is too complex');
    expect(reason(JSON.stringify({ a: values(150) }))).toBe('valid');
    expect(reason(JSON.stringify({ a: values(13), b: values(12) }))).toBe('Filter policy is too complex');
    expect(reason(JSON.stringify({ a: values(10), b: values(15) }))).toBe('valid');
    expect(reason(JSON.stringify({ $or: [{ a: values(100) }, { b: values(51) }] }))).toBe(
      'Filter policy is too complex',
    );
    expect(reason(JSON.stringify({ $or: [{ a: values(100) }, { b: values(50) }] }))).toBe('valid');
    // Nested keys count as keys of their leaf paths.
    expect(
      reason(JSON.stringify({ a: { b: { c: ['x'], d: ['x'] } }, e: ['x'], f: ['x'], g: ['x'], h: ['x'] })),
    ).toBe('Filter policy can not have more than 5 keys');
  });

  it('rejects malformed documents and $or forms', () => {
    expect(reason('{invalid')).toMatch(/^failed to parse JSON\. /);
    expect(reason('[1]')).toBe('Filter policy must be a JSON object');
    expect(reason('{"$or":[{"a":["x"]}]}')).toBe('Or condition must have at least two elements');
    expect(reason('{"$or":[{"a":["x"]}, 1]}')).toBe('Or condition elements must be objects');
    expect(reason('{"a":[{}]}')).toBe('Empty objects are not allowed');
    expect(reason('{"a":[{"anything-but":[]}]}')).toBe('Empty arrays are not allowed');
    expect(reason('{"a":[{"anything-but":[true]}]}')).toMatch(/not supported/);
    expect(reason('{"a":[{"anything-but":null}]}')).toMatch(/not supported/);
    expect(reason('{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}')).toBe(
      'Only one key allowed in match expression',
    );
    expect(reason('{"a":[{"numeric":"x"}]}')).toBe('Value of numeric must be an array.');
    expect(reason('{"a":[{"numeric":["=",1,2]}]}')).toBe('Too many elements in numeric expression');
    expect(reason('{"a":[{"cidr":"10.0.0.0/33"}]}')).toBe('Malformed CIDR, mask bits must be an integer');
    expect(reason('{"a":[{"cidr":"1/2/3"}]}')).toBe("Malformed CIDR, one '/' required");
  });

  it('tells nested policies apart', () => {
    expect(parseFilterPolicy('{"a":["x"]}').nested).toBe(false);
    expect(parseFilterPolicy('{"a":{"b":["x"]}}').nested).toBe(true);
  });
});

describe('SNS filter policy matching on message attributes', () => {
  it('matches exact strings and numbers by type', () => {
    expect(onAttributes({ store: ['example_corp'] }, { store: 'example_corp' })).toBe(true);
    expect(onAttributes({ store: ['example_corp'] }, { store: 'other' })).toBe(false);
    expect(onAttributes({ price: [100] }, { price: 100.0 })).toBe(true);
    expect(onAttributes({ price: [100] }, { price: '100' })).toBe(false);
    expect(onAttributes({ price: ['100'] }, { price: 100 })).toBe(false);
    expect(onAttributes({ a: ['x'], b: ['y'] }, { a: 'x', b: 'y' })).toBe(true);
    expect(onAttributes({ a: ['x'], b: ['y'] }, { a: 'x', b: 'z' })).toBe(false);
  });

  it('does not match when an attribute is missing (except exists:false)', () => {
    expect(onAttributes({ store: ['x'] }, {})).toBe(false);
    expect(onAttributes({ store: [{ 'anything-but': 'x' }] }, {})).toBe(false);
    expect(onAttributes({ store: [{ exists: false }] }, {})).toBe(true);
    expect(onAttributes({ store: [{ exists: false }] }, { store: 'x' })).toBe(false);
    expect(onAttributes({ store: [{ exists: true }] }, { store: 'x' })).toBe(true);
    expect(onAttributes({ store: [{ exists: true }] }, {})).toBe(false);
    // Binary attributes cannot be matched.
    expect(onAttributes({ store: [{ exists: true }] }, { store: { binary: 'AQI=' } })).toBe(false);
  });

  it('supports prefix, suffix, equals-ignore-case, anything-but and cidr', () => {
    expect(onAttributes({ a: [{ prefix: 'auto-' }] }, { a: 'auto-insurance' })).toBe(true);
    expect(onAttributes({ a: [{ prefix: 'auto-' }] }, { a: 'home' })).toBe(false);
    expect(onAttributes({ a: [{ suffix: '.png' }] }, { a: 'x.png' })).toBe(true);
    expect(onAttributes({ a: [{ suffix: '.png' }] }, { a: 'x.jpg' })).toBe(false);
    expect(onAttributes({ a: [{ 'equals-ignore-case': 'ReD' }] }, { a: 'rEd' })).toBe(true);
    expect(onAttributes({ a: [{ 'equals-ignore-case': 'ReD' }] }, { a: 'blue' })).toBe(false);
    expect(onAttributes({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'z' })).toBe(true);
    expect(onAttributes({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'x' })).toBe(false);
    expect(onAttributes({ a: [{ 'anything-but': 100 }] }, { a: 100 })).toBe(false);
    expect(onAttributes({ a: [{ 'anything-but': 100 }] }, { a: 101 })).toBe(true);
    expect(onAttributes({ a: [{ 'anything-but': { prefix: 'auto' } }] }, { a: 'autox' })).toBe(false);
    expect(onAttributes({ a: [{ 'anything-but': { prefix: 'auto' } }] }, { a: 'home' })).toBe(true);
    expect(onAttributes({ a: [{ 'anything-but': { prefix: 'auto' } }] }, { a: 5 })).toBe(false);
    expect(onAttributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' })).toBe(true);
    expect(onAttributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' })).toBe(false);
    expect(onAttributes({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 'not-an-ip' })).toBe(false);
    expect(
      onAttributes(
        { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] },
        { ip: '2001:0db8:1234:1a00:0000:0000:0000:0001' },
      ),
    ).toBe(true);
    expect(onAttributes({ ip: [{ cidr: '2001:db8:1234:1a00::/64' }] }, { ip: '10.0.0.1' })).toBe(false);
  });

  it('supports numeric ranges and equality', () => {
    const range = { price: [{ numeric: ['>', 0, '<=', 150] }] };
    expect(onAttributes(range, { price: 150 })).toBe(true);
    expect(onAttributes(range, { price: 0 })).toBe(false);
    expect(onAttributes(range, { price: 150.5 })).toBe(false);
    expect(onAttributes({ price: [{ numeric: ['=', 3.5] }] }, { price: 3.5 })).toBe(true);
    expect(onAttributes({ price: [{ numeric: ['>=', 10] }] }, { price: 10 })).toBe(true);
    expect(onAttributes({ price: [{ numeric: ['<', 10] }] }, { price: 10 })).toBe(false);
    expect(onAttributes({ price: [{ numeric: ['>=', 10] }] }, { price: 'ten' })).toBe(false);
    expect(
      matchesFilterPolicy({ price: [{ numeric: ['>', 1] }] }, 'MessageAttributes', {
        body: '',
        attributes: { price: { DataType: 'Number', StringValue: 'abc' } },
      }),
    ).toBe(false);
    expect(
      matchesFilterPolicy({ price: [{ numeric: ['>', 1] }] }, 'MessageAttributes', {
        body: '',
        attributes: { price: { DataType: 'Number.float', StringValue: '2.5' } },
      }),
    ).toBe(true);
  });

  it('matches String.Array attributes when any element matches', () => {
    expect(onAttributes({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(onAttributes({ tags: ['c'] }, { tags: ['a', 'b'] })).toBe(false);
    expect(onAttributes({ nums: [{ numeric: ['>', 5] }] }, { nums: [1, 10] as unknown as string[] })).toBe(
      true,
    );
    expect(onAttributes({ tags: [{ exists: true }] }, { tags: ['value1'] })).toBe(true);
    const broken = (StringValue: string) =>
      matchesFilterPolicy({ tags: ['a'] }, 'MessageAttributes', {
        body: '',
        attributes: { tags: { DataType: 'String.Array', StringValue } },
      });
    expect(broken('not json')).toBe(false);
    expect(broken('"a"')).toBe(false);
  });

  it('supports $or and null/boolean literals', () => {
    const policy = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
    };
    expect(onAttributes(policy, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(onAttributes(policy, { source: 'aws.cloudwatch', namespace: 'AWS/ES' })).toBe(false);
    expect(onAttributes(policy, { source: 'other', metricName: 'CPUUtilization' })).toBe(false);
  });
});

describe('SNS filter policy matching on the message body', () => {
  it('matches nested keys, arrays of values and arrays of objects', () => {
    const policy = { Records: { s3: { object: { key: [{ prefix: 'auto-' }] } } } };
    expect(onBody(policy, { Records: [{ s3: { object: { key: 'auto-insurance.xml' } } }] })).toBe(true);
    expect(onBody(policy, { Records: [{ s3: { object: [[{ key: 'auto-insurance.xml' }]] } }] })).toBe(true);
    expect(onBody(policy, { Records: [{ s3: { object: { key: 'home.xml' } } }] })).toBe(false);
    expect(onBody({ tags: ['b'] }, { tags: ['a', 'b'] })).toBe(true);
    expect(onBody({ tags: [{ exists: true }] }, { tags: [] })).toBe(false);
    expect(onBody({ tags: [{ exists: false }] }, { tags: [] })).toBe(true);
    expect(onBody({ detail: { scope: ['Service'] } }, { detail: 'Service' })).toBe(false);
  });

  it('compares JSON types: numbers, booleans and null', () => {
    expect(onBody({ n: [5] }, { n: 5 })).toBe(true);
    expect(onBody({ n: [5] }, { n: '5' })).toBe(false);
    expect(onBody({ ok: [true] }, { ok: true })).toBe(true);
    expect(onBody({ ok: [true] }, { ok: 'true' })).toBe(false);
    expect(onBody({ v: [null] }, { v: null })).toBe(true);
    expect(onBody({ v: [{ 'anything-but': 'x' }] }, { v: null })).toBe(false);
    expect(onBody({ v: [{ numeric: ['>', 1] }] }, { v: 2 })).toBe(true);
  });

  it('supports $or inside nested levels', () => {
    const policy = {
      detail: {
        scope: ['Service'],
        $or: [{ source: ['aws.cloudwatch'] }, { type: ['CloudWatch Alarm State Change'] }],
      },
    };
    expect(onBody(policy, { detail: { scope: 'Service', source: 'aws.cloudwatch' } })).toBe(true);
    expect(onBody(policy, { detail: { scope: 'Service', type: 'CloudWatch Alarm State Change' } })).toBe(
      true,
    );
    expect(onBody(policy, { detail: { scope: 'Service', source: 'other' } })).toBe(false);
  });

  it('does not match bodies that are not JSON objects', () => {
    expect(onBody({ a: ['x'] }, 'plain text')).toBe(false);
    expect(onBody({ a: ['x'] }, '["x"]')).toBe(false);
  });
});
