import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/local/core/emulator.js';
import { AwsError } from '../../src/local/core/errors.js';
import {
  definitionOf,
  stateMachineProvider,
} from '../../src/local/services/cloudformation/providers/stepfunctions.js';
import { allServices } from '../../src/local/services/index.js';
import { evaluateRule } from '../../src/local/services/stepfunctions/choice.js';
import { parseDefinition } from '../../src/local/services/stepfunctions/definition.js';
import { configureStepFunctions } from '../../src/local/services/stepfunctions/index.js';
import { evaluateTemplate, syntaxError } from '../../src/local/services/stepfunctions/jsonata.js';
import {
  applyTemplate,
  evaluateDynamic,
  isIntrinsic,
  isValidPath,
  readPath,
  type StatesError,
  writePath,
} from '../../src/local/services/stepfunctions/paths.js';
import { delayScale } from '../../src/local/services/stepfunctions/run.js';
import { isKnownResource, resolveResource } from '../../src/local/services/stepfunctions/tasks.js';

const scope = { context: { Execution: { Name: 'e' } }, variables: { v: { n: 1 } } };

const fails = (fn: () => unknown): StatesError => {
  try {
    fn();
  } catch (err) {
    return err as StatesError;
  }
  throw new Error('expected a failure');
};

describe('paths', () => {
  it('reads dotted, bracketed, indexed, wildcard, context and variable paths', () => {
    const input = { a: { 'b c': [1, { d: 2 }] }, list: [{ x: 1 }, { x: 2 }] };
    expect(readPath('$', input, scope)).toBe(input);
    expect(readPath("$.a['b c'][1].d", input, scope)).toBe(2);
    expect(readPath('$.list[*].x', input, scope)).toEqual([1, 2]);
    expect(readPath('$.a.*', input, scope)).toEqual([[1, { d: 2 }]]);
    expect(readPath('$$.Execution.Name', input, scope)).toBe('e');
    expect(readPath('$v.n', input, scope)).toBe(1);
    expect(fails(() => readPath('$nope', input, scope)).error).toBe('States.Runtime');
    expect(fails(() => readPath('a.b', input, scope)).errorCause).toContain('Invalid JSONPath');
    expect(isValidPath('$.a[')).toBe(false);
    expect(isValidPath('$.')).toBe(false);
    expect(isValidPath('$$.x[')).toBe(false);
    expect(isValidPath('$v[')).toBe(false);
  });

  it('writes ResultPath values, creating objects on the way', () => {
    expect(writePath('$.a.b', { x: 1 }, 5)).toEqual({ x: 1, a: { b: 5 } });
    expect(writePath('$', { x: 1 }, 5)).toBe(5);
    expect(fails(() => writePath('$.a', 'text', 1)).errorCause).toContain('Unable to apply ReplacementPath');
    expect(fails(() => writePath('$.x.y', { x: 3 }, 1)).errorCause).toContain('Unable to apply');
    expect(fails(() => writePath('$.a[*]', {}, 1)).errorCause).toContain('Invalid ResultPath');
  });

  it('applies templates in arrays and nested objects', () => {
    expect(applyTemplate([{ 'a.$': '$.x' }, 'k'], { x: 1 }, scope)).toEqual([{ a: 1 }, 'k']);
  });
});

describe('intrinsic functions', () => {
  const run = (text: string, input: unknown = {}) => evaluateDynamic(text, input, scope);

  it('evaluates edge cases', () => {
    expect(run("States.Format('a\\{\\} {}', 'x')")).toBe('a{} x');
    expect(run("States.Format('{}', $.o)", { o: { k: 1 } })).toBe('{"k":1}');
    expect(run('States.ArrayRange(5, 1, -2)')).toEqual([5, 3, 1]);
    expect(run("States.StringSplit('abc', '')")).toEqual(['abc']);
    expect(run("States.Hash('abc', 'MD5')")).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(run("States.Hash($.o, 'SHA-1')", { o: 1 })).toHaveLength(40);
    const random = run('States.MathRandom(1, 3)') as number;
    expect(random === 1 || random === 2).toBe(true);
    expect(run('States.UUID()')).toMatch(/^[0-9a-f-]{36}$/);
    expect(run('States.Array(null, true, 1.5e1)')).toEqual([null, true, 15]);
  });

  it.each([
    "States.Format('{} {}', 1)",
    "States.Format('x', 1)",
    "States.StringToJson('{')",
    'States.JsonToString(1, 2)',
    'States.ArrayPartition($.a, 0)',
    'States.ArrayRange(1, 2, 0)',
    'States.ArrayRange(1, 5000, 1)',
    'States.ArrayGetItem($.a, 9)',
    'States.ArrayLength(1)',
    "States.Hash('a', 'SHA-3')",
    'States.JsonMerge($.o, $.o, true)',
    'States.JsonMerge($.a, $.o, false)',
    'States.MathAdd(1.5, $.s)',
    'States.ArrayGetItem($.a, 1.5)',
    'States.UUID(1)',
    'States.Base64Encode(1)',
  ])('refuses %s with States.IntrinsicFailure', (text) => {
    expect(fails(() => run(text, { a: [1], o: { k: 1 }, s: 'x' })).error).toBe('States.IntrinsicFailure');
  });

  it('tells well-formed calls of known functions from the rest', () => {
    expect(isIntrinsic('States.ArrayLength(States.Array(1))')).toBe(true);
    expect(isIntrinsic('States.Nope()')).toBe(false);
    expect(isIntrinsic('States.Array(1')).toBe(false);
    expect(isIntrinsic("States.Array('open)")).toBe(false);
    expect(isIntrinsic('States.Array(1 2)')).toBe(false);
    expect(isIntrinsic('States.Array(@)')).toBe(false);
    expect(isIntrinsic('States.Array')).toBe(false);
    expect(isIntrinsic('States.Array(States.Nope())')).toBe(false);
    expect(fails(() => run('Nope(1)')).errorCause).toContain('Invalid intrinsic function');
    expect(fails(() => run('States.Nope(1)')).errorCause).toContain('Unknown intrinsic function');
  });
});

describe('choice rules', () => {
  const is = (rule: Record<string, unknown>, input: unknown) => evaluateRule(rule, input, scope);

  it('compares strings, numbers, timestamps and booleans, with Path variants', () => {
    const input = {
      s: 'b',
      n: 2,
      t: '2026-01-02T00:00:00Z',
      u: '2026-01-01T00:00:00+01:00',
      b: false,
      z: null,
    };
    expect(is({ Variable: '$.s', StringGreaterThan: 'a' }, input)).toBe(true);
    expect(is({ Variable: '$.s', StringLessThanEquals: 'b' }, input)).toBe(true);
    expect(is({ Variable: '$.s', StringLessThan: 'a' }, input)).toBe(false);
    expect(is({ Variable: '$.s', StringEquals: 1 }, input)).toBe(false);
    expect(is({ Variable: '$.n', NumericEquals: 2 }, input)).toBe(true);
    expect(is({ Variable: '$.n', NumericGreaterThanPath: '$.n' }, input)).toBe(false);
    expect(is({ Variable: '$.s', NumericEquals: 2 }, input)).toBe(false);
    expect(is({ Variable: '$.t', TimestampGreaterThanPath: '$.u' }, input)).toBe(true);
    expect(is({ Variable: '$.s', TimestampEquals: '2026-01-01T00:00:00Z' }, input)).toBe(false);
    expect(is({ Variable: '$.b', BooleanEquals: false }, input)).toBe(true);
    expect(is({ Variable: '$.s', StringMatches: 'a\\*' }, { s: 'a*' })).toBe(true);
    expect(is({ Variable: '$.s', StringMatches: 'a.c*' }, { s: 'abc' })).toBe(false);
    expect(is({ Variable: '$.z', IsNull: true }, input)).toBe(true);
    expect(is({ Variable: '$.n', IsNumeric: true }, input)).toBe(true);
    expect(is({ Variable: '$.s', IsString: false }, input)).toBe(false);
    expect(is({ Variable: '$.b', IsBoolean: true }, input)).toBe(true);
    expect(is({ Variable: '$.gone', IsNull: false }, input)).toBe(false);
    expect(is({ Variable: '$.gone', IsPresent: false }, input)).toBe(true);
  });

  it('refuses rules without a Variable or an operator', () => {
    expect(fails(() => is({ StringEquals: 'a' }, {})).error).toBe('States.Runtime');
    expect(fails(() => is({ Variable: '$.a', Nope: 1 }, { a: 1 })).errorCause).toContain(
      'Unsupported choice rule',
    );
  });
});

describe('definitions', () => {
  const refuse = (def: unknown): string => {
    try {
      parseDefinition(typeof def === 'string' ? def : JSON.stringify(def));
    } catch (err) {
      expect(err).toBeInstanceOf(AwsError);
      expect((err as AwsError).code).toBe('InvalidDefinition');
      return (err as Error).message;
    }
    throw new Error('expected InvalidDefinition');
  };

  it.each([
    [undefined, 'The definition is required'],
    [[], 'Expected an object at /'],
    [{ StartAt: 'A', States: {} }, "The field 'States' is required"],
    [
      { QueryLanguage: 'SQL', StartAt: 'A', States: { A: { Type: 'Succeed' } } },
      'allowed values [JSONPath, JSONata]',
    ],
    [{ StartAt: 'B', States: { A: { Type: 'Succeed' } } }, "Missing 'Next' target: B at /StartAt"],
    [{ StartAt: 'A', States: { A: 1 } }, 'Expected an object at /States/A'],
    [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true, Next: 'A' } } }, 'mutually exclusive'],
    [{ StartAt: 'A', States: { A: { Type: 'Choice', Choices: [] } } }, "'Choices' should be non-empty"],
    [
      { StartAt: 'A', States: { A: { Type: 'Choice', Choices: [{ Next: 'A' }], Default: 'Z' } } },
      "Missing 'Next' target: Z at /States/A/Default",
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Parallel', Branches: [], End: true } } },
      "'Branches' should be non-empty",
    ],
    [
      { StartAt: 'A', States: { A: { Type: 'Pass', InputPath: 'x', End: true } } },
      "Invalid JSON path in field 'InputPath'",
    ],
    [
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:1:function:f',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Q' }],
            End: true,
          },
        },
      },
      'at /States/A/Catch[0]/Next',
    ],
    [
      {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: { A: { Type: 'Pass', Output: '{% 1 + %}', End: true } },
      },
      'SCHEMA_VALIDATION_FAILED',
    ],
    [
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED' },
              StartAt: 'P',
              States: { P: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      'Distributed Map',
    ],
    [
      {
        StartAt: 'M',
        States: {
          M: { Type: 'Map', Iterator: { StartAt: 'P', States: { P: { Type: 'Pass' } } }, End: true },
        },
      },
      '/States/M/Iterator/States/P/Next',
    ],
    [
      {
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'x.$': 1 }, Result: [{ a: 1 }], End: true } },
      },
      "'x.$'",
    ],
    [{ StartAt: 'A', States: { A: { Type: 'Pass', Parameters: [{ 'x.$': '$.[' }], End: true } } }, "'x.$'"],
  ])('refuses %j', (def, message) => {
    expect(refuse(def)).toContain(message);
  });

  it('accepts what it runs', () => {
    expect(
      parseDefinition(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })).StartAt,
    ).toBe('A');
    expect(syntaxError('{% 1 + %}')).toBeDefined();
    expect(syntaxError('{% 1 + 1 %}')).toBeUndefined();
  });
});

describe('JSONata templates', () => {
  it('evaluates nested expressions and reports failures as States.QueryEvaluationError', async () => {
    const s = { states: { input: { a: [1, 2] } }, variables: { x: 3 } };
    expect(await evaluateTemplate({ k: ['{% $sum($states.input.a) + $x %}', 'plain'] }, s)).toEqual({
      k: [6, 'plain'],
    });
    await expect(evaluateTemplate('{% $undefinedFn() %}', s)).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
    });
    await expect(evaluateTemplate('{% ( %}', s)).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
    });
  });
});

describe('task resources', () => {
  it('knows Lambda ARNs and the supported integrations only', () => {
    expect(resolveResource('arn:aws:lambda:us-east-1:123456789012:function:f:live')).toMatchObject({
      kind: 'function',
    });
    expect(resolveResource('arn:aws:states:::sns:publish.waitForTaskToken')).toMatchObject({
      resourceType: 'sns',
      resource: 'publish.waitForTaskToken',
      waitForTaskToken: true,
    });
    expect(isKnownResource('arn:aws:states:::lambda:invoke.sync')).toBe(false);
    expect(isKnownResource('arn:aws:states:::s3:putObject')).toBe(false);
  });
});

describe('settings and the CloudFormation provider', () => {
  it('validates delayScale', () => {
    const emulator = new Emulator(allServices);
    expect(delayScale(emulator)).toBe(1);
    configureStepFunctions(emulator, { delayScale: 0.5 });
    expect(delayScale(emulator)).toBe(0.5);
    configureStepFunctions(emulator, {});
    expect(delayScale(emulator)).toBe(1);
    expect(() => configureStepFunctions(emulator, { delayScale: -1 })).toThrow(RangeError);
  });

  it('builds the definition from either property with substitutions, and refuses the rest', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: DefinitionSubstitutions placeholders
    const [x, y] = ['${X}', '${Y}'];
    expect(definitionOf({ Definition: { a: x }, DefinitionSubstitutions: { X: 1, Y: 'y' } }, 'L')).toBe(
      '{"a":"1"}',
    );
    expect(definitionOf({ DefinitionString: y, DefinitionSubstitutions: { Y: 'y' } }, 'L')).toBe('y');
    expect(() => definitionOf({ DefinitionS3Location: {} }, 'L')).toThrow(
      'DefinitionS3Location is not supported',
    );
    expect(() => definitionOf({}, 'L')).toThrow('one of Definition or DefinitionString is required');
  });

  it('creates, updates and deletes through the states service', async () => {
    const emulator = new Emulator(allServices);
    const ctx = {
      region: 'us-east-1',
      accountId: emulator.accountId,
      stackName: 's',
      stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1',
      logicalId: 'Flow',
      stackTags: [{ Key: 'k', Value: 'v' }],
      invoke: async (service: string, operation: string, input: Record<string, unknown>) =>
        (await emulator.invoke(service, operation, input, { region: 'us-east-1' })) as Record<
          string,
          unknown
        >,
    };
    const def = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };
    const props = {
      StateMachineName: 'flow',
      RoleArn: 'arn:aws:iam::000000000000:role/r',
      Definition: def,
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      Tags: [{ Key: 'own', Value: '1' }],
    };
    const made = await stateMachineProvider.create(props, ctx);
    expect(made.ref).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:flow');
    const described = await ctx.invoke('states', 'DescribeStateMachine', { stateMachineArn: made.ref });
    expect(described.loggingConfiguration).toEqual({ level: 'ALL', includeExecutionData: true });
    const tags = await ctx.invoke('states', 'ListTagsForResource', { resourceArn: made.ref });
    expect(tags.tags).toEqual([
      { key: 'k', value: 'v' },
      { key: 'own', value: '1' },
    ]);
    const updated = await stateMachineProvider.update(
      made,
      { ...props, TracingConfiguration: { Enabled: true } },
      props,
      ctx,
    );
    expect(updated.attributes.StateMachineRevisionId).not.toBe(made.attributes.StateMachineRevisionId);
    await stateMachineProvider.delete(updated, props, ctx);
    await stateMachineProvider.delete(updated, props, ctx);
    await expect(
      stateMachineProvider.delete({ ...updated, physicalId: 'nope' }, props, ctx),
    ).rejects.toMatchObject({ code: 'InvalidArn' });
    emulator.close();
  });
});
