import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyInputTransformer,
  type EventEnvelope,
  getPath,
  parseJsonPath,
  targetBody,
  templatePlaceholders,
} from '../../src/local/services/events/input.js';

// What AWS delivered for these templates, recorded against AWS (see test/fixtures/conformance/README.md).
const recorded = JSON.parse(
  readFileSync(new URL('../fixtures/conformance/eventbridge-inputs.snapshot.json', import.meta.url), 'utf8'),
) as Record<string, { 'recorded-content': Record<string, { Body: unknown }[]> }>;

const NESTED =
  'tests/aws/services/events/test_events_inputs.py::TestInputTransformer::test_input_transformer_nested_keys_replacement[';

const event = (detail: unknown): EventEnvelope => ({
  version: '0',
  id: '11111111-2222-3333-4444-555555555555',
  'detail-type': 'core.update-account-command',
  source: 'core.update-account-command',
  account: '111111111111',
  time: '2024-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

const context = {
  ruleName: 'r1',
  ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/bus/r1',
  ingestionTime: '2024-01-01T00:00:01Z',
};

const EVENT_DETAIL = { command: 'update-account', payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' } };

describe('JSONPath for InputPath', () => {
  it('parses dot, index and bracket forms', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.detail.payload')).toEqual(['detail', 'payload']);
    expect(parseJsonPath('$.detail-type')).toEqual(['detail-type']);
    expect(parseJsonPath('$.resources[0][\'a b\']["c"]')).toEqual(['resources', 0, 'a b', 'c']);
    expect(parseJsonPath('detail')).toBeUndefined();
    expect(parseJsonPath('$.')).toBeUndefined();
    expect(parseJsonPath('$[x]')).toBeUndefined();
    expect(parseJsonPath('$x')).toBeUndefined();
  });

  it('reads values and reports missing ones', () => {
    const doc = { a: { b: [1, { c: 2 }] } };
    expect(getPath(doc, ['a', 'b', 1, 'c'])).toEqual({ found: true, value: 2 });
    expect(getPath(doc, ['a', 'x'])).toEqual({ found: false });
    expect(getPath(doc, ['a', 'b', 5])).toEqual({ found: false });
    expect(getPath(doc, ['a', 0])).toEqual({ found: false });
    expect(getPath(doc, ['a', 'b', 'c'])).toEqual({ found: false });
  });
});

describe('target bodies', () => {
  const e = event(EVENT_DETAIL);
  it('sends the whole event, a constant, or an InputPath result', () => {
    expect(JSON.parse(targetBody({}, e, context) as string)).toEqual(e);
    expect(targetBody({ Input: '{"x":1}' }, e, context)).toBe('{"x":1}');
    expect(JSON.parse(targetBody({ InputPath: '$.detail' }, e, context) as string)).toEqual(EVENT_DETAIL);
    // As recorded: a string result is delivered as JSON text.
    expect(targetBody({ InputPath: '$.detail.payload.sf_id' }, e, context)).toBe('"baz"');
    expect(targetBody({ InputPath: '$.detail.nothing' }, e, context)).toBeUndefined();
    expect(targetBody({ InputPath: 'bad' }, e, context)).toBeUndefined();
  });

  it('lists template placeholders', () => {
    expect(templatePlaceholders('"<a> and <b.c> but not < d >"')).toEqual(['a', 'b.c']);
  });
});

describe('InputTransformer as recorded against AWS', () => {
  const pathsMap = {
    'detail-type': '$.detail-type',
    timestamp: '$.time',
    command: '$.detail.command',
  };
  const bodyOf = (key: string, name = 'custom-variables-match-all'): unknown =>
    recorded[key]?.['recorded-content'][name]?.[0]?.Body;

  it('string templates: values inserted raw, missing ones empty', () => {
    const template =
      '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"';
    const key = `tests/aws/services/events/test_events_inputs.py::TestInputTransformer::test_put_events_with_input_transformer_input_template_string[${template}]`;
    const e = { ...event(EVENT_DETAIL), time: 'date' };
    expect(applyInputTransformer({ InputPathsMap: pathsMap, InputTemplate: template }, e, context)).toBe(
      bodyOf(key),
    );
    const missing = { ...pathsMap, command: '$.detail.notinmessage' };
    expect(applyInputTransformer({ InputPathsMap: missing, InputTemplate: template }, e, context)).toBe(
      bodyOf(key, 'custom-variables-not-match-all'),
    );
  });

  it('JSON templates: unquoted placeholders become JSON values', () => {
    const key =
      'tests/aws/services/events/test_events_inputs.py::TestInputTransformer::test_put_events_with_input_transformer_input_template_json';
    const template = '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}';
    const e = { ...event(EVENT_DETAIL), time: 'date' };
    const out = applyInputTransformer({ InputPathsMap: pathsMap, InputTemplate: template }, e, context);
    expect(JSON.parse(out as string)).toEqual(bodyOf(key));
    const missing = { ...pathsMap, command: '$.detail.notinmessage' };
    const none = applyInputTransformer({ InputPathsMap: missing, InputTemplate: template }, e, context);
    expect(JSON.parse(none as string)).toEqual({
      detailType: 'core.update-account-command',
      time: 'date',
      command: null,
    });
  });

  it('predefined variables', () => {
    const str = applyInputTransformer(
      {
        InputTemplate:
          '"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"',
      },
      event(EVENT_DETAIL),
      context,
    );
    expect(str).toBe(
      `"Message containing all pre defined variables ${context.ruleArn} r1 2024-01-01T00:00:01Z"`,
    );
    const e = event(EVENT_DETAIL);
    const json = applyInputTransformer(
      {
        InputTemplate: '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}',
      },
      e,
      context,
    );
    const parsed = JSON.parse(json as string);
    expect(parsed.originalEventJson).toEqual(e);
    expect(Object.keys(parsed.originalEvent)).toEqual([
      'id',
      'account',
      'detailType',
      'time',
      'source',
      'region',
      'resources',
      'version',
    ]);
    expect(parsed.originalEvent.detailType).toBe('core.update-account-command');
  });

  const nestedDetail = {
    ...EVENT_DETAIL,
    listsingle: ['HIGH'],
    listmulti: ['ACTIVE', 'INACTIVE'],
    valid: true,
  };
  const nestedMap = {
    userId: '$.detail.payload.acc_id',
    payload: '$.detail.payload',
    listsingle: '$.detail.listsingle',
    listmulti: '$.detail.listmulti',
    systemstring: '$.detail.systemstring',
    valid: '$.detail.valid',
  };
  const nestedCases = Object.keys(recorded)
    .filter((k) => k.startsWith(NESTED))
    .map((k) => ({ key: k, template: k.slice(NESTED.length, -1).replaceAll('\\n', '\n') }));

  it('covers every recorded nested-keys template', () => {
    expect(nestedCases.length).toBeGreaterThanOrEqual(15);
  });

  for (const { key, template } of nestedCases) {
    it(`template ${template.replaceAll('\n', ' ')}`, () => {
      const expected = recorded[key]?.['recorded-content']['input-transformed-messages']?.[0]?.Body;
      const out = applyInputTransformer(
        { InputPathsMap: nestedMap, InputTemplate: template },
        event(nestedDetail),
        context,
      );
      if (expected === undefined) expect(out).toBeUndefined();
      else if (typeof expected === 'string') expect(out).toBe(expected);
      else expect(JSON.parse(out as string)).toEqual(expected);
    });
  }

  it('escapes strings inside quotes, fails invalid JSON results, ignores unknown placeholders', () => {
    const e = event({ q: 'say "hi"', n: 5, nul: null });
    const map = { q: '$.detail.q', n: '$.detail.n', nul: '$.detail.nul', bad: 'nope' };
    expect(
      JSON.parse(
        applyInputTransformer(
          { InputPathsMap: map, InputTemplate: '{"a": "<q> <n>"}' },
          e,
          context,
        ) as string,
      ),
    ).toEqual({
      a: 'say "hi" 5',
    });
    expect(
      applyInputTransformer({ InputPathsMap: map, InputTemplate: '{"a": <q>' }, e, context),
    ).toBeUndefined();
    expect(
      applyInputTransformer({ InputPathsMap: map, InputTemplate: '<nul>|<bad>|<zzz>|"<nul>"' }, e, context),
    ).toBe('||<zzz>|""');
    expect(applyInputTransformer({ InputPathsMap: map, InputTemplate: '"a \\" <n>"' }, e, context)).toBe(
      '"a \\" 5"',
    );
    expect(applyInputTransformer({ InputTemplate: 'x \\' }, e, context)).toBe('x \\');
  });
});
