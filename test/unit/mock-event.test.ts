import { DescribeSchemaCommand } from '@aws-sdk/client-schemas';
import { describe, expect, it } from 'vitest';
import { EventProbeError, InvalidInputError, SchemaUnsupportedError } from '../../src/errors.js';
import { sampleForPattern } from '../../src/events/mock/regex.js';
import {
  generateMockEvent,
  type MockEvent,
  mockEventFromSchema,
  type SchemasClientLike,
} from '../../src/events/mock.js';

const TIME = '2024-05-06T07:08:09.123Z';

/** Generated data, walked freely in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test data of unknown shape
type Loose = any;

/** An OpenAPI 3 schema as EventBridge's schema discovery writes it. */
const discovered = {
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
        'x-amazon-events-source': 'com.example.orders',
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
        required: ['orderId', 'customer'],
        properties: {
          orderId: { type: 'string' },
          total: { type: 'number', minimum: 10, maximum: 20 },
          quantity: { type: 'integer', minimum: 1, maximum: 3 },
          paid: { type: 'boolean' },
          customer: { $ref: '#/components/schemas/Customer' },
          items: { type: 'array', minItems: 2, items: { $ref: '#/components/schemas/Item' } },
          note: { type: 'string', nullable: true },
        },
      },
      Customer: {
        type: 'object',
        properties: {
          email: { type: 'string', format: 'email' },
          id: { type: 'string', format: 'uuid' },
          status: { type: 'string', enum: ['ACTIVE', 'BLOCKED'] },
        },
      },
      Item: { type: 'object', properties: { sku: { type: 'string', pattern: '^SKU-[0-9]{4}$' } } },
    },
  },
};

const openApi = (schemas: Record<string, unknown>) => ({
  openapi: '3.0.0',
  paths: {},
  components: { schemas },
});
const detailOf = (schema: unknown, extra: Record<string, unknown> = {}): Record<string, Loose> =>
  mockEventFromSchema(
    { $schema: 'http://json-schema.org/draft-04/schema#', ...(schema as object) },
    'JSONSchemaDraft4',
    {
      seed: 1,
      time: TIME,
      ...extra,
    },
  ).detail as Record<string, unknown>;

describe('mockEventFromSchema: OpenAPI 3 with the AWS envelope', () => {
  const event = mockEventFromSchema(JSON.stringify(discovered), 'OpenApi3', { seed: 42, time: TIME });

  it('fills the envelope', () => {
    expect(event.version).toBe('0');
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(event['detail-type']).toBe('OrderPlaced');
    expect(event.source).toBe('com.example.orders');
    expect(event.account).toBe('123456789012');
    expect(event.region).toBe('us-east-1');
    expect(event.time).toBe('2024-05-06T07:08:09Z');
    expect(event.resources).toEqual([]);
    expect(Object.keys(event)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
  });

  it('generates the detail through nested refs, honouring types, bounds, formats, enums and patterns', () => {
    const d = event.detail as Record<string, Loose>;
    expect(d.orderId).toMatch(/^orderId-[0-9a-f]{8}$/);
    expect(d.total).toBeGreaterThanOrEqual(10);
    expect(d.total).toBeLessThanOrEqual(20);
    expect(Number.isInteger(d.quantity)).toBe(true);
    expect(d.quantity).toBeGreaterThanOrEqual(1);
    expect(d.quantity).toBeLessThanOrEqual(3);
    expect(typeof d.paid).toBe('boolean');
    expect(d.customer.email).toMatch(/^email-[0-9a-f]{6}@example\.com$/);
    expect(d.customer.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.customer.status).toBe('ACTIVE');
    expect(d.items).toHaveLength(2);
    expect(d.items[0].sku).toBe('SKU-0000');
    expect(typeof d.note).toBe('string');
  });

  it('is deterministic with a seed, and differs without one', () => {
    const again = mockEventFromSchema(discovered, 'OpenApi3', { seed: 42, time: TIME });
    expect(again).toEqual(event);
    expect(mockEventFromSchema(discovered, 'OpenApi3', { seed: 'abc', time: TIME })).toEqual(
      mockEventFromSchema(discovered, 'OpenApi3', { seed: 'abc', time: TIME }),
    );
    expect(mockEventFromSchema(discovered, 'OpenApi3', { seed: 43, time: TIME }).id).not.toBe(event.id);
    expect(mockEventFromSchema(discovered, 'OpenApi3').id).not.toBe(
      mockEventFromSchema(discovered, 'OpenApi3').id,
    );
  });

  it('uses the given account, region, time (Date) and only required properties when asked', () => {
    const e = mockEventFromSchema(discovered, 'OpenApi3', {
      account: '111122223333',
      region: 'eu-west-1',
      time: new Date(TIME),
      requiredOnly: true,
    });
    expect(e.account).toBe('111122223333');
    expect(e.region).toBe('eu-west-1');
    expect(e.time).toBe('2024-05-06T07:08:09Z');
    expect(Object.keys(e.detail)).toEqual(['orderId', 'customer']);
    expect(e.detail.customer).toEqual({});
  });

  it('picks another root with eventRef (name or ref); a non-envelope root is the detail', () => {
    const byName = mockEventFromSchema(discovered, 'OpenApi3', { seed: 1, eventRef: 'Customer' });
    expect(byName['detail-type']).toBe('Customer');
    expect(byName.source).toBe('eventprobe.mock');
    expect(Object.keys(byName.detail)).toEqual(['email', 'id', 'status']);
    const byRef = mockEventFromSchema(discovered, 'OpenApi3', {
      seed: 1,
      eventRef: '#/components/schemas/Item',
    });
    expect(byRef.detail).toEqual({ sku: 'SKU-0000' });
    expect(() => mockEventFromSchema(discovered, 'OpenApi3', { eventRef: 'Nope' })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', option: 'eventRef' }),
    );
  });

  it('finds the root by x-amazon-events-source, or as the only unreferenced schema', () => {
    const tagged = openApi({
      Other: { type: 'object', properties: { a: { type: 'string' } } },
      Mine: {
        'x-amazon-events-source': 'src',
        'x-amazon-events-detail-type': 'dt',
        properties: { detail: { $ref: '#/components/schemas/Other' } },
      },
    });
    const e = mockEventFromSchema(tagged, 'OpenApi3', { seed: 2 });
    expect([e.source, e['detail-type']]).toEqual(['src', 'dt']);
    expect(Object.keys(e.detail)).toEqual(['a']);

    const plain = openApi({
      Event: { type: 'object', properties: { child: { $ref: '#/components/schemas/Child' } } },
      Child: { type: 'object', properties: { n: { type: 'integer' } } },
    });
    const p = mockEventFromSchema(plain, 'OpenApi3', { seed: 2 });
    expect(p['detail-type']).toBe('Event');
    expect(typeof (p.detail.child as Loose).n).toBe('number');

    const ambiguous = openApi({ A: { type: 'object' }, B: { type: 'object' } });
    expect(() => mockEventFromSchema(ambiguous, 'OpenApi3')).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', option: 'eventRef' }),
    );
  });

  it('reads source and detail-type from the envelope properties (const / enum) and a root that is a ref', () => {
    const doc = openApi({
      Root: { $ref: '#/components/schemas/Envelope' },
      Envelope: {
        title: 'ignored',
        properties: {
          source: { const: 'from-const' },
          'detail-type': { enum: ['from-enum'] },
          detail: { type: 'object', properties: { x: { type: 'integer' } } },
          extra: { type: 'string', enum: ['kept'] },
        },
      },
    });
    const e = mockEventFromSchema(doc, 'OpenApi3', { seed: 3, eventRef: 'Root' });
    expect(e.source).toBe('from-const');
    expect(e['detail-type']).toBe('from-enum');
    expect(e.extra).toBe('kept');
    expect(Object.keys(e).at(-1)).toBe('detail');
  });
});

describe('mockEventFromSchema: JSON Schema Draft 4', () => {
  const doc = {
    $schema: 'http://json-schema.org/draft-04/schema#',
    title: 'UserSignedUp',
    type: 'object',
    required: ['userId'],
    definitions: {
      address: { type: 'object', properties: { city: { type: 'string', minLength: 20 } } },
      'a/b~c': { type: 'string', enum: ['escaped'] },
    },
    properties: {
      userId: { type: 'string', maxLength: 5 },
      address: { $ref: '#/definitions/address' },
      odd: { $ref: '#/definitions/a~1b~0c' },
      age: { type: ['integer', 'null'], minimum: 18, exclusiveMinimum: true, maximum: 19 },
      nothing: { type: 'null' },
      tags: { type: 'array', items: { type: 'string' } },
      tuple: { type: 'array', items: [{ type: 'integer', minimum: 5, maximum: 5 }, { type: 'boolean' }] },
      none: { type: 'array', maxItems: 0, items: { type: 'string' } },
    },
  };

  it('generates from the root with definitions and refs (JSON pointer escapes)', () => {
    const e = mockEventFromSchema(JSON.stringify(doc), 'JSONSchemaDraft4', { seed: 5, time: TIME });
    expect(e['detail-type']).toBe('UserSignedUp');
    const d = e.detail as Record<string, Loose>;
    expect(d.userId).toHaveLength(5);
    expect(d.address.city.length).toBeGreaterThanOrEqual(20);
    expect(d.odd).toBe('escaped');
    expect(d.age).toBe(19);
    expect(d.nothing).toBeNull();
    expect(d.tags).toHaveLength(1);
    expect(d.tuple[0]).toBe(5);
    expect(typeof d.tuple[1]).toBe('boolean');
    expect(d.none).toEqual([]);
  });

  it('uses a definition as root by name, and the schema name when there is no title', () => {
    const e = mockEventFromSchema(doc, 'JSONSchemaDraft4', { eventRef: 'address', seed: 1 });
    expect(e['detail-type']).toBe('address');
    const untitled = mockEventFromSchema({ type: 'object' }, 'JSONSchemaDraft4', { schemaName: 'MySchema' });
    expect(untitled['detail-type']).toBe('MySchema');
    expect(untitled.detail).toEqual({});
  });
});

describe('value generation', () => {
  it('is tolerant of untyped properties, boolean schemas and required names without a schema', () => {
    const d = detailOf({
      type: 'object',
      required: ['declaredNowhere', 'never'],
      properties: {
        anything: {},
        alsoAnything: true,
        never: false,
        optionalNever: false,
        inferredObject: { properties: { x: { type: 'string', format: 'date-time' } } },
        inferredArray: { items: { type: 'integer', minimum: 0, maximum: 0 } },
        inferredString: { format: 'ipv4' },
        inferredNumber: { minimum: 5, maximum: 5 },
      },
    });
    expect(d.anything).toMatch(/^anything-/);
    expect(d.alsoAnything).toMatch(/^alsoAnything-/);
    expect('never' in d).toBe(false);
    expect('optionalNever' in d).toBe(false);
    expect(d.declaredNowhere).toMatch(/^declaredNowhere-/);
    expect(d.inferredObject).toEqual({ x: '2024-05-06T07:08:09Z' });
    expect(d.inferredArray).toEqual([0]);
    expect(d.inferredString).toMatch(/^192\.0\.2\.\d+$/);
    expect(d.inferredNumber).toBe(5);
  });

  it('merges allOf (refs followed, properties and required united) and takes the first oneOf/anyOf', () => {
    const d = detailOf({
      definitions: {
        base: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        more: { properties: { id: { maxLength: 40 }, n: { type: 'integer', minimum: 7, maximum: 7 } } },
      },
      type: 'object',
      properties: {
        merged: {
          allOf: [{ $ref: '#/definitions/base' }, { $ref: '#/definitions/more' }, true],
          type: 'object',
        },
        first: { oneOf: [{ type: 'integer', minimum: 1, maximum: 1 }, { type: 'string' }] },
        any: { anyOf: [{ $ref: '#/definitions/more' }, { type: 'string' }] },
        withSiblings: {
          type: 'object',
          properties: { a: { const: 1 } },
          oneOf: [{ properties: { b: { const: 2 } } }],
        },
        nullable: { type: 'string', nullable: true, enum: [null, 'x'] },
        onlyNull: { enum: [null] },
      },
    });
    expect(d.merged.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.merged.n).toBe(7);
    expect(d.first).toBe(1);
    expect(d.any.n).toBe(7);
    expect(d.withSiblings).toEqual({ b: 2 });
    expect(d.nullable).toBe('x');
    expect(d.onlyNull).toBeNull();
  });

  it('covers the odd corners: refs into arrays and at booleans, null-only types, unnamed values', () => {
    const d = detailOf({
      definitions: { list: [{ type: 'integer', minimum: 3, maximum: 3 }], yes: true },
      properties: {
        fromArray: { $ref: '#/definitions/list/0' },
        atTrue: { $ref: '#/definitions/yes' },
        allOfTrue: { allOf: [{ $ref: '#/definitions/yes' }, { properties: { k: { const: 'k' } } }] },
        oneOfTrue: { oneOf: [true, { type: 'integer' }] },
        onlyNull: { type: ['null'] },
        bare: { type: 'array' },
      },
    });
    expect(d.fromArray).toBe(3);
    expect(d.atTrue).toMatch(/^atTrue-/);
    expect(d.allOfTrue).toEqual({ k: 'k' });
    expect(d.oneOfTrue).toMatch(/^oneOfTrue-/);
    expect(d.onlyNull).toBeNull();
    expect(d.bare).toHaveLength(1);
    expect(mockEventFromSchema({}, 'JSONSchemaDraft4', { seed: 1 }).detail).toMatch(/^value-[0-9a-f]{8}$/);
    expect(mockEventFromSchema({ format: 'email' }, 'JSONSchemaDraft4', { seed: 1 }).detail).toMatch(
      /^user-/,
    );
    const boolRoot = mockEventFromSchema({ definitions: { t: true } }, 'JSONSchemaDraft4', { eventRef: 't' });
    expect(boolRoot['detail-type']).toBe('t');
    const enumNumbers = mockEventFromSchema(
      openApi({ E: { properties: { source: { enum: [1] }, detail: { type: 'object' } } } }),
      'OpenApi3',
    );
    expect(enumNumbers.source).toBe('eventprobe.mock');
  });

  it('uses const, example, examples and default', () => {
    const d = detailOf({
      properties: {
        c: { type: 'string', const: 'C' },
        e: { type: 'string', example: 'E' },
        es: { type: 'string', examples: ['ES'] },
        def: { type: 'object', default: { a: 1 } },
      },
    });
    expect(d).toEqual({ c: 'C', e: 'E', es: 'ES', def: { a: 1 } });
  });

  it('guards cycles: optional recursion is cut, required recursion becomes null, arrays empty', () => {
    const d = detailOf({
      definitions: {
        node: {
          type: 'object',
          required: ['value', 'parent'],
          properties: {
            value: { type: 'integer', minimum: 1, maximum: 1 },
            next: { $ref: '#/definitions/node' },
            parent: { $ref: '#/definitions/node' },
            children: { type: 'array', items: { $ref: '#/definitions/node' } },
          },
        },
        loop: { allOf: [{ $ref: '#/definitions/loop' }, { properties: { z: { const: 0 } } }] },
      },
      properties: { root: { $ref: '#/definitions/node' }, loop: { $ref: '#/definitions/loop' } },
    });
    expect(d.root).toEqual({ value: 1, parent: null, children: [] });
    expect(d.loop).toEqual({ z: 0 });
  });

  it('handles number bounds: exclusive (numeric), multipleOf, only a maximum, negative', () => {
    const d = detailOf({
      properties: {
        exNum: { type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 1.02 },
        exInt: { type: 'integer', exclusiveMinimum: 1, exclusiveMaximum: 3 },
        mult: { type: 'integer', minimum: 1, maximum: 10, multipleOf: 5 },
        negative: { type: 'integer', maximum: -10 },
        positiveMax: { type: 'number', maximum: 0.5 },
        exBoolMax: { type: 'integer', minimum: 0, maximum: 1, exclusiveMaximum: true },
        plain: { type: 'number' },
      },
    });
    expect(d.exNum).toBeCloseTo(1.01, 5);
    expect(d.exInt).toBe(2);
    expect([5, 10]).toContain(d.mult);
    expect(d.negative).toBeLessThanOrEqual(-10);
    expect(d.negative).toBeGreaterThanOrEqual(-1010);
    expect(d.positiveMax).toBeGreaterThanOrEqual(0);
    expect(d.positiveMax).toBeLessThanOrEqual(0.5);
    expect(d.exBoolMax).toBe(0);
    expect(d.plain).toBeGreaterThanOrEqual(0);
  });

  it('knows the usual string formats, and patterns', () => {
    const d = detailOf({
      properties: {
        date: { type: 'string', format: 'date' },
        time: { type: 'string', format: 'time' },
        uri: { type: 'string', format: 'uri' },
        host: { type: 'string', format: 'hostname' },
        v6: { type: 'string', format: 'ipv6' },
        other: { type: 'string', format: 'whatever' },
        '!!!': { type: 'string', format: 'email' },
        code: { type: 'string', pattern: '^[A-Z]{3}-\\d{2}(x|y)?$' },
        loose: { type: 'string', pattern: 'ord' },
        base: { type: 'string', pattern: '^value-' },
        fallback: { type: 'string', pattern: '^(?=a)[a-z]$' },
      },
    });
    expect(d.date).toBe('2024-05-06');
    expect(d.time).toBe('07:08:09');
    expect(d.uri).toMatch(/^https:\/\/example\.com\/[0-9a-f]{8}$/);
    expect(d.host).toMatch(/^host-[0-9a-f]{6}\.example\.com$/);
    expect(d.v6).toMatch(/^2001:db8::[0-9a-f]{4}$/);
    expect(d.other).toMatch(/^other-/);
    expect(d['!!!']).toMatch(/^user-[0-9a-f]{6}@example\.com$/);
    expect(d.code).toBe('AAA-00');
    expect(d.loose).toBe('ord');
    expect(d.base).toMatch(/^value-/);
    expect(d.fallback).toBe('a');
  });
});

describe('sampleForPattern', () => {
  it.each([
    ['^abc$', 'abc'],
    ['a+b*c?', 'a'],
    ['\\w\\s\\D\\.\\n\\t', 'a -.\n\t'],
    ['[^a0A_\\-. z9Z]', '!'],
    ['(?:ab|cd){2}x{1,}?', 'ababx'],
    ['(foo|bar)', 'foo'],
    ['price\\$', 'price$'],
    ['a.c', 'aac'],
  ])('%s → %j', (pattern, sample) => {
    expect(sampleForPattern(pattern)).toBe(sample);
  });

  it.each(['(?=x)', '\\1', '[abc', '(ab', 'a{x}', 'ab)c', '[^\\s\\S]'])('gives up on %s', (pattern) => {
    expect(sampleForPattern(pattern)).toBeUndefined();
  });
});

describe('overrides and contexts', () => {
  it('merges overrides deeply (objects by key, the rest replaced, undefined skipped)', () => {
    const e = mockEventFromSchema(discovered, 'OpenApi3', {
      seed: 1,
      overrides: {
        source: 'custom.source',
        resources: ['arn:aws:s3:::b'],
        detail: { orderId: 'o-1', customer: { status: 'BLOCKED' }, items: [], total: undefined },
        added: { deep: true },
      },
    });
    expect(e.source).toBe('custom.source');
    expect(e.resources).toEqual(['arn:aws:s3:::b']);
    const d = e.detail as Record<string, Loose>;
    expect(d.orderId).toBe('o-1');
    expect(d.customer.status).toBe('BLOCKED');
    expect(d.customer.email).toMatch(/@example\.com$/);
    expect(d.items).toEqual([]);
    expect(typeof d.total).toBe('number');
    expect(e.added).toEqual({ deep: true });
  });

  it('applies contexts in order, after overrides; a context may change the event in place', () => {
    const calls: string[] = [];
    const e = mockEventFromSchema(discovered, 'OpenApi3', {
      overrides: { detail: { orderId: 'from-overrides' } },
      contexts: [
        (ev) => {
          calls.push(String(ev.detail.orderId));
          return { ...ev, detail: { ...ev.detail, orderId: 'first' } };
        },
        (ev) => {
          calls.push(String(ev.detail.orderId));
          ev.region = 'ap-south-1';
        },
      ],
    });
    expect(calls).toEqual(['from-overrides', 'first']);
    expect(e.detail.orderId).toBe('first');
    expect(e.region).toBe('ap-south-1');
  });

  it('rejects a context that returns something else than an event', () => {
    expect(() =>
      mockEventFromSchema(discovered, 'OpenApi3', { contexts: [(() => 42) as unknown as () => MockEvent] }),
    ).toThrow(expect.objectContaining({ name: 'InvalidInputError', option: 'contexts[0]' }));
    expect(() =>
      mockEventFromSchema(discovered, 'OpenApi3', {
        contexts: [() => undefined, (() => () => 1) as unknown as () => MockEvent],
      }),
    ).toThrow(/contexts\[1\] returned function/);
  });
});

describe('errors', () => {
  const unsupported = (
    content: unknown,
    feature: RegExp,
    type: 'OpenApi3' | 'JSONSchemaDraft4' = 'JSONSchemaDraft4',
    eventRef?: string,
  ) => {
    let error: unknown;
    try {
      mockEventFromSchema(content as object, type, { schemaName: 'S1', ...(eventRef ? { eventRef } : {}) });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaUnsupportedError);
    expect((error as SchemaUnsupportedError).schemaName).toBe('S1');
    expect((error as Error).message).toMatch(feature);
  };

  it('names the unsupported feature and the schema', () => {
    unsupported(
      { properties: { a: { $ref: 'other.json#/x' } } },
      /external \$ref "other\.json#\/x" .* at #\.a/,
    );
    unsupported({ properties: { a: { $ref: '#/definitions/missing' } } }, /points at nothing/);
    unsupported({ properties: { a: { $ref: '#nope' } } }, /not a JSON pointer/);
    unsupported({ properties: { a: { $ref: 5 } } }, /\$ref that is not a string/);
    unsupported({ properties: { a: { type: 'file' } } }, /the type "file"/);
    unsupported({ properties: { a: { type: 7 } } }, /the type 7/);
    unsupported({ properties: { a: 'string' } }, /a schema that is "string"/);
    unsupported({ properties: { a: { enum: [] } } }, /an empty enum/);
    unsupported({ properties: { a: { allOf: [] } } }, /allOf that is not a non-empty list/);
    unsupported({ properties: { a: { allOf: [false] } } }, /allOf part that is false/);
    unsupported({ properties: { a: { oneOf: [] } } }, /oneOf that is not a non-empty list/);
    unsupported({ properties: { a: { type: 'string', pattern: '(' } } }, /not a valid regular expression/);
    unsupported({ properties: { a: { type: 'string', pattern: '^(?=x)y{3}$' } } }, /the pattern/);
    unsupported({ properties: { a: { type: 'integer', minimum: 5, maximum: 4 } } }, /numeric bounds/);
    unsupported({ properties: { a: { type: 'integer', multipleOf: 0.5 } } }, /numeric bounds/);
    unsupported({ properties: { a: { type: 'number', minimum: 1, maximum: 0 } } }, /no number satisfies/);
    unsupported({ properties: { a: { $ref: '#/properties/b/c' }, b: { const: 1 } } }, /points at nothing/);
    unsupported({ definitions: { f: false } }, /root schema that is `false`/, 'JSONSchemaDraft4', 'f');
    unsupported({ $ref: '#' }, /only refers to itself/);
    unsupported('{not json', /not valid JSON/);
    unsupported('[]', /not a JSON object/);
    unsupported({ openapi: '3.0.0', components: {} }, /no components\.schemas/, 'OpenApi3');
    unsupported({ openapi: '3.0.0' }, /no components\.schemas/, 'OpenApi3');
    unsupported({}, /type "Avro"/, 'Avro' as 'OpenApi3');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 70; i++) deep = { type: 'object', properties: { n: deep } };
    unsupported(deep, /nesting deeper than 64/);
  });

  it('rejects bad options, naming them', () => {
    const bad = (options: object, option: string) =>
      expect(() => mockEventFromSchema(discovered, 'OpenApi3', options)).toThrow(
        expect.objectContaining({ name: 'InvalidInputError', option }),
      );
    bad({ overrides: [] }, 'overrides');
    bad({ contexts: 'x' }, 'contexts');
    bad({ contexts: [() => undefined, 1] }, 'contexts[1]');
    bad({ eventRef: '' }, 'eventRef');
    bad({ account: 1 }, 'account');
    bad({ region: '' }, 'region');
    bad({ schemaName: '' }, 'schemaName');
    bad({ requiredOnly: 'yes' }, 'requiredOnly');
    bad({ seed: Number.NaN }, 'seed');
    bad({ seed: {} }, 'seed');
    bad({ time: 'not a date' }, 'time');
    expect(() => mockEventFromSchema(discovered, 'OpenApi3', null as unknown as object)).toThrow(
      InvalidInputError,
    );
  });
});

describe('generateMockEvent', () => {
  const client = (
    reply: (cmd: DescribeSchemaCommand) => unknown,
  ): SchemasClientLike & { calls: unknown[] } => {
    const calls: unknown[] = [];
    return {
      calls,
      send: async (cmd, opts) => {
        calls.push({ input: cmd.input, opts });
        return reply(cmd) as never;
      },
    };
  };

  it('describes the schema (latest or a version) and builds the event', async () => {
    const c = client(() => ({ Content: JSON.stringify(discovered), Type: 'OpenApi3', SchemaVersion: '3' }));
    const e = await generateMockEvent(c, {
      registryName: 'r',
      schemaName: 's',
      seed: 9,
      time: TIME,
      overrides: { detail: { orderId: 'x' } },
    });
    expect(e.detail.orderId).toBe('x');
    expect(e.source).toBe('com.example.orders');
    expect(e).toEqual(
      mockEventFromSchema(discovered, 'OpenApi3', {
        seed: 9,
        time: TIME,
        overrides: { detail: { orderId: 'x' } },
      }),
    );
    const signal = new AbortController().signal;
    await generateMockEvent(c, { registryName: 'r', schemaName: 's', schemaVersion: '2', signal });
    expect(c.calls).toEqual([
      { input: { RegistryName: 'r', SchemaName: 's' }, opts: {} },
      { input: { RegistryName: 'r', SchemaName: 's', SchemaVersion: '2' }, opts: { abortSignal: signal } },
    ]);
  });

  it('wraps registry errors, passes aborts through, and rejects a schema without content', async () => {
    const notFound = Object.assign(new Error('Schema does not exist'), { name: 'NotFoundException' });
    const failing = client(() => {
      throw notFound;
    });
    const err = await generateMockEvent(failing, {
      registryName: 'r',
      schemaName: 's',
      schemaVersion: '4',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventProbeError);
    expect((err as Error).message).toMatch(/schema "s" version 4 from registry "r": Schema does not exist/);
    expect((err as Error).cause).toBe(notFound);
    const err2 = await generateMockEvent(failing, { registryName: 'r', schemaName: 's' }).catch(
      (e: unknown) => e,
    );
    expect((err2 as Error).message).toMatch(/schema "s" from registry "r"/);

    const aborter = new AbortController();
    aborter.abort(new Error('stop'));
    await expect(
      generateMockEvent(failing, { registryName: 'r', schemaName: 's', signal: aborter.signal }),
    ).rejects.toThrow('stop');

    const empty = client(() => ({ Type: 'OpenApi3' }));
    await expect(generateMockEvent(empty, { registryName: 'r', schemaName: 's' })).rejects.toThrow(
      SchemaUnsupportedError,
    );
  });

  it("takes the envelope's region from the client's config unless given", async () => {
    const content = { Content: JSON.stringify(discovered), Type: 'OpenApi3' };
    const withRegion = (region: unknown): SchemasClientLike => ({
      config: { region },
      send: async () => content,
    });
    const opts = { registryName: 'r', schemaName: 's' };
    expect(
      (
        await generateMockEvent(
          withRegion(async () => 'eu-north-1'),
          opts,
        )
      ).region,
    ).toBe('eu-north-1');
    expect((await generateMockEvent(withRegion('sa-east-1'), opts)).region).toBe('sa-east-1');
    expect((await generateMockEvent(withRegion(''), opts)).region).toBe('us-east-1');
    expect(
      (
        await generateMockEvent(
          withRegion(async () => {
            throw new Error('no region');
          }),
          opts,
        )
      ).region,
    ).toBe('us-east-1');
    expect((await generateMockEvent(withRegion('sa-east-1'), { ...opts, region: 'x-1' })).region).toBe('x-1');
  });

  it('checks its options before calling AWS', async () => {
    const c = client(() => ({}));
    const bad = (options: object, option: string) =>
      expect(generateMockEvent(c, options as never)).rejects.toThrow(expect.objectContaining({ option }));
    await bad({ schemaName: 's' }, 'registryName');
    await bad({ registryName: 'r' }, 'schemaName');
    await bad({ registryName: 'r', schemaName: 's', schemaVersion: '' }, 'schemaVersion');
    await bad({ registryName: 'r', schemaName: 's', seed: Number.POSITIVE_INFINITY }, 'seed');
    await bad(undefined as unknown as object, 'options');
    expect(c.calls).toEqual([]);
  });

  it('accepts a real SchemasClient type', () => {
    type Real = import('@aws-sdk/client-schemas').SchemasClient;
    const check = (c: Real): SchemasClientLike => c;
    expect(typeof check).toBe('function');
    expect(new DescribeSchemaCommand({ RegistryName: 'r', SchemaName: 's' }).input.RegistryName).toBe('r');
  });
});
