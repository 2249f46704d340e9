import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError, InvalidInputError } from '../../src/errors.js';
import { ignoreCaseMatcher } from '../../src/events/pattern/case.js';
import { ipBytes, isInRange, isSameIp, parseCidr } from '../../src/events/pattern/ip.js';
import {
  MAX_WILDCARD_COMPLEXITY,
  parseWildcard,
  wildcardComplexity,
  wildcardMatcher,
} from '../../src/events/pattern/wildcard.js';
import { compileEventPattern, testEventPattern, validateEventPattern } from '../../src/events/pattern.js';

interface Vector {
  readonly label: string;
  readonly expect: boolean | 'exception';
  readonly event: object;
  readonly pattern: object;
}

const fixtures = new URL('../fixtures/conformance/', import.meta.url);
const vectors = JSON.parse(
  readFileSync(new URL('eventbridge-pattern-vectors.json', fixtures), 'utf8'),
) as Vector[];
const snapshot = JSON.parse(
  readFileSync(new URL('eventbridge-pattern-errors.snapshot.json', fixtures), 'utf8'),
) as Record<
  string,
  { 'recorded-content': Record<string, { exception_message?: { Error: { Message: string } } }> }
>;

/** AWS's recorded error message for each exception vector, by label. */
const awsMessages = new Map<string, string>();
for (const [key, entry] of Object.entries(snapshot)) {
  const label = /\[(.+)\]$/.exec(key)?.[1] as string;
  const message = entry['recorded-content'][label]?.exception_message?.Error.Message;
  if (message !== undefined) awsMessages.set(label, message);
}

const reasonOf = (pattern: string | object): string => {
  try {
    validateEventPattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    return (error as InvalidEventPatternError).reason;
  }
  throw new Error(`pattern was accepted: ${JSON.stringify(pattern)}`);
};

/** The envelope fields TestEventPattern insists on, around the fields a test is about. */
const ENVELOPE = {
  id: '1',
  account: '123456789012',
  source: 'test',
  time: '2024-01-01T00:00:00Z',
  region: 'us-east-1',
  'detail-type': 'test',
};
/** testEventPattern with the test's fields inside a full event envelope (strings stay strings when they are not an object). */
const enveloped = (pattern: string | object, event: string | object): boolean => {
  let parsed: unknown = event;
  if (typeof event === 'string') {
    try {
      parsed = JSON.parse(event);
    } catch {
      return testEventPattern(pattern, event);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return testEventPattern(pattern, event);
  const full = Object.assign(Object.create(Object.getPrototypeOf(parsed)), ENVELOPE, parsed) as object;
  return testEventPattern(pattern, typeof event === 'string' ? JSON.stringify(full) : full);
};
const matches = (pattern: object, event: object): boolean => enveloped(pattern, event);

describe('conformance vectors recorded against AWS', () => {
  it('has all 155 vectors and an AWS message for every exception case', () => {
    expect(vectors).toHaveLength(155);
    for (const vector of vectors.filter((v) => v.expect === 'exception')) {
      expect(awsMessages.get(vector.label), vector.label).toBeDefined();
    }
  });

  for (const vector of vectors) {
    it(vector.label, () => {
      const pattern = JSON.stringify(vector.pattern);
      const event = JSON.stringify(vector.event);
      if (vector.expect === 'exception') {
        expect(() => testEventPattern(pattern, event)).toThrow(InvalidEventPatternError);
        expect(() => testEventPattern(pattern, event)).toThrow(
          expect.objectContaining({ message: awsMessages.get(vector.label) }),
        );
      } else {
        expect(testEventPattern(pattern, event)).toBe(vector.expect);
        // The same answer for object inputs.
        expect(testEventPattern(vector.pattern, vector.event)).toBe(vector.expect);
      }
    });
  }
});

describe('pattern document', () => {
  it('rejects anything but a JSON object', () => {
    expect(reasonOf('[1]')).toBe('Filter is not an object');
    expect(reasonOf('"text"')).toBe('Filter is not an object');
    expect(reasonOf('')).toBe('Filter is not an object');
    expect(reasonOf('   ')).toBe('Filter is not an object');
    expect(reasonOf(42 as unknown as object)).toBe('Filter is not an object');
    expect(reasonOf((() => 1) as unknown as object)).toBe('Filter is not an object');
    expect(reasonOf([])).toBe('Filter is not an object');
  });

  it('rejects text that is not JSON, with the JSON parser reason', () => {
    const values = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
    expect(reasonOf('not json')).toBe(`Unrecognized token 'not': was expecting ${values}`);
    expect(reasonOf('NaN')).toBe(
      "Non-standard token 'NaN': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow",
    );
    expect(reasonOf('}')).toBe(`Unexpected character ('}' (code 125)): expected a valid value ${values}`);
    expect(reasonOf('{"a": [1,')).toBe(
      'Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)"{"a": [1,"; line: 1, column: 7])',
    );
    expect(reasonOf('{"a": [1]')).toBe(
      'Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)"{"a": [1]"; line: 1, column: 1])',
    );
    expect(reasonOf('\n {"a": [1], ')).toBe(
      'Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)"\n {"a": [1], "; line: 2, column: 2])',
    );
    const long = `{"a": ["${'x'.repeat(600)}"]`;
    expect(reasonOf(long)).toBe(
      `Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)"${long.slice(0, 500)}"[truncated 110 chars]; line: 1, column: 1])`,
    );
    expect(reasonOf('{"a": ["x"],}')).toBe(
      "Unexpected character ('}' (code 125)): was expecting double-quote to start field name",
    );
    expect(reasonOf("{'a': ['x']}")).toBe(
      "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
    );
    expect(reasonOf('{"a" ["x"]}')).toBe(
      "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value",
    );
    expect(reasonOf('{"a": ["x"] "b": ["y"]}')).toBe(
      `Unexpected character ('"' (code 34)): was expecting comma to separate Object entries`,
    );
    expect(reasonOf('{"a": ["x" "y"]}')).toBe(
      `Unexpected character ('"' (code 34)): was expecting comma to separate Array entries`,
    );
    expect(reasonOf('{"a": ["x",]}')).toBe(
      `Unexpected character (']' (code 93)): expected a valid value ${values}`,
    );
    expect(reasonOf('{"a": [tru]}')).toBe(`Unrecognized token 'tru': was expecting ${values}`);
    expect(reasonOf('{"a"')).toBe('Unexpected end-of-input within/between Object entries');
    expect(reasonOf('{"a')).toBe(`Unexpected end-of-input: was expecting closing '"' for name`);
    expect(reasonOf('{"a": ["x')).toBe(
      'Unexpected end-of-input: was expecting closing quote for a string value',
    );
    expect(reasonOf('{"a": ["x\\')).toBe('Unexpected end-of-input in character escape sequence');
    expect(reasonOf('{"a": ["\\x"]}')).toBe("Unrecognized character escape 'x' (code 120)");
    expect(reasonOf('{"a": ["\\u12g4"]}')).toBe(
      "Unexpected character ('g' (code 103)): expected a hex-digit for character escape sequence",
    );
    expect(reasonOf('{"a": ["\\n\\u00e9\\t"], "b": ["x\ny"]}')).toBe(
      'Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value',
    );
    expect(reasonOf('{"a": [01]}')).toBe('Invalid numeric value: Leading zeroes not allowed');
    expect(reasonOf('{"a": [0')).toMatch(/^Unexpected end-of-input: expected close marker for Array/);
    expect(reasonOf('{"a": [-')).toBe('Unexpected end-of-input in a Number value');
    expect(reasonOf('{"a": ["\\u00')).toBe('Unexpected end-of-input in character escape sequence');
    expect(reasonOf('{"a": [ ]}')).toBe('Empty arrays are not allowed');
    expect(enveloped('{"a": ["\\uABcf", 1.5E+3, -0, -0.1e-2]} ', { a: 1500 })).toBe(true);
    expect(reasonOf('{"a": [-x]}')).toBe(
      "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
    );
    expect(reasonOf('{"a": [1.e5]}')).toBe(
      "Unexpected character ('e' (code 101)) in numeric value: Decimal point not followed by a digit",
    );
    expect(reasonOf('{"a": [1e]}')).toBe(
      "Unexpected character (']' (code 93)) in numeric value: Exponent indicator not followed by a digit",
    );
    expect(reasonOf('{"a": [1.')).toBe('Unexpected end-of-input in a Number value');
    expect(reasonOf('{"a": [1], "é": €}')).toBe(
      `Unexpected character ('€' (code 8364 / 0x20ac)): expected a valid value ${values}`,
    );
  });

  it('reads only the first JSON value, as AWS does', () => {
    expect(enveloped('{"a": ["x"]} trailing', { a: 'x' })).toBe(true);
    expect(reasonOf('[1, oops')).toBe('Filter is not an object');
    expect(reasonOf('-1')).toBe('Filter is not an object');
    expect(reasonOf('true')).toBe('Filter is not an object');
    expect(
      enveloped('{"n": [-1.5e+2, 0, 10E-1], "s": ["\\"\\\\\\/\\b\\f\\n\\r\\t\\u00E9"], "z": [null, false]}', {
        n: 1,
        s: '"\\/\b\f\n\r\té',
        z: false,
      }),
    ).toBe(true);
  });

  it('builds the message from the reason', () => {
    const error = (() => {
      try {
        compileEventPattern({ a: 1 });
      } catch (e) {
        return e as InvalidEventPatternError;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error?.message).toBe('Event pattern is not valid. Reason: "a" must be an object or an array');
    expect(error?.option).toBe('eventPattern');
  });

  it('rejects empty objects at any level', () => {
    expect(reasonOf('{}')).toBe('Empty objects are not allowed');
    expect(reasonOf({ detail: {} })).toBe('Empty objects are not allowed');
  });

  it('rejects arrays inside a field array', () => {
    expect(reasonOf({ a: [[1]] })).toBe('Match value must be String, number, true, false, or null');
  });

  it('ignores properties a JSON document would not have', () => {
    expect(matches({ a: ['x'], b: undefined } as object, { a: 'x' })).toBe(true);
  });
});

describe('$or', () => {
  it('validates its shape', () => {
    expect(reasonOf({ $or: { a: ['x'] } })).toBe('It must be an Array followed with $or.');
    expect(reasonOf({ $or: [{ a: ['x'] }, 'b'] })).toBe(
      'Only JSON object is allowed in array of $or relationship.',
    );
    expect(reasonOf({ $or: [{ a: ['x'] }] })).toBe('There must have at least 2 Objects in $or relationship.');
    expect(reasonOf({ $or: [] })).toBe('There must have at least 2 Objects in $or relationship.');
    expect(reasonOf({ $or: [{ a: ['x'] }, {}] })).toBe('Empty objects are not allowed');
  });

  it('reserves operator names as field names inside $or, at any depth', () => {
    expect(reasonOf({ $or: [{ prefix: ['x'] }, { b: ['y'] }] })).toBe(
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    );
    expect(reasonOf({ $or: [{ a: { numeric: ['x'] } }, { b: ['y'] }] })).toBe(
      'numeric is Ruler reserved fieldName which cannot be used inside $or.',
    );
    // Outside $or they are ordinary field names.
    expect(matches({ prefix: ['x'] }, { prefix: 'x' })).toBe(true);
  });

  it('combines with fields before and after it', () => {
    const pattern = { source: ['s'], $or: [{ a: ['1'] }, { b: ['2'] }], kind: ['k'] };
    expect(matches(pattern, { source: 's', a: '1', kind: 'k' })).toBe(true);
    expect(matches(pattern, { source: 's', b: '2', kind: 'k' })).toBe(true);
    expect(matches(pattern, { source: 's', b: '2' })).toBe(false);
    expect(matches(pattern, { source: 'x', a: '1', kind: 'k' })).toBe(false);
    expect(matches(pattern, { source: 's', c: '3', kind: 'k' })).toBe(false);
  });

  it('nests', () => {
    const pattern = {
      $or: [{ a: ['1'], $or: [{ b: ['2'] }, { c: ['3'] }] }, { d: ['4'] }],
    };
    expect(matches(pattern, { a: '1', c: '3' })).toBe(true);
    expect(matches(pattern, { a: '1', b: '2' })).toBe(true);
    expect(matches(pattern, { a: '1' })).toBe(false);
    expect(matches(pattern, { d: '4' })).toBe(true);
  });
});

describe('exact values', () => {
  it('compares numbers by value and never matches a string by a number', () => {
    expect(matches({ n: [5] }, JSON.parse('{"n": 5.0}') as object)).toBe(true);
    expect(enveloped('{"n": [5.0]}', '{"n": 5}')).toBe(true);
    expect(matches({ n: [5] }, { n: '5' })).toBe(false);
    expect(matches({ n: ['5'] }, { n: 5 })).toBe(false);
  });

  it('distinguishes booleans, null and their string forms', () => {
    expect(matches({ b: [true] }, { b: true })).toBe(true);
    expect(matches({ b: [true] }, { b: 'true' })).toBe(false);
    expect(matches({ b: [null] }, { b: null })).toBe(true);
    expect(matches({ b: [null] }, {})).toBe(false);
  });

  it('matches IP literals as addresses', () => {
    expect(matches({ ip: ['2001:db8::1'] }, { ip: '2001:0db8:0:0:0:0:0:1' })).toBe(true);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: '10.0.0.1' })).toBe(true);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: '10.0.0.2' })).toBe(false);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: 'host' })).toBe(false);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: 167772161 })).toBe(false);
    // Shaped like an IP but not one: an ordinary string.
    expect(matches({ ip: ['10.0.0.256'] }, { ip: '10.0.0.256' })).toBe(true);
  });

  it('supports the exactly operator', () => {
    expect(matches({ a: [{ exactly: 'x' }] }, { a: 'x' })).toBe(true);
    expect(matches({ a: [{ exactly: 'x' }] }, { a: 'X' })).toBe(false);
    expect(reasonOf({ a: [{ exactly: 1 }] })).toBe('exact match pattern must be a string');
    expect(reasonOf({ a: [{ exactly: 'x', b: 1 }] })).toBe('Only one key allowed in match expression');
  });
});

describe('match expressions', () => {
  it('needs exactly one known operator', () => {
    expect(reasonOf({ a: [{}] })).toBe('Match expression name not found');
    expect(reasonOf({ a: [{ regex: 'x' }] })).toBe('Unrecognized match type regex');
    expect(reasonOf({ a: [{ prefix: 'x', suffix: 'y' }] })).toBe('Only one key allowed in match expression');
    expect(reasonOf({ a: [{ suffix: 'x', b: 1 }] })).toBe('Only one key allowed in match expression');
    expect(reasonOf({ a: [{ 'equals-ignore-case': 'x', b: 1 }] })).toBe(
      'Only one key allowed in match expression',
    );
    expect(reasonOf({ a: [{ wildcard: 'x', b: 1 }] })).toBe('Only one key allowed in match expression');
    expect(reasonOf({ a: [{ cidr: '10.0.0.0/8', b: 1 }] })).toBe('Only one key allowed in match expression');
    expect(reasonOf({ a: [{ exists: true, b: 1 }] })).toBe('Only one key allowed in match expression');
  });

  it('prefix and suffix only match strings', () => {
    expect(matches({ a: [{ prefix: '12' }] }, { a: 123 })).toBe(false);
    expect(matches({ a: [{ suffix: '23' }] }, { a: 123 })).toBe(false);
    expect(matches({ a: [{ 'equals-ignore-case': 'x' }] }, { a: null })).toBe(false);
  });

  it('validates ignore-case prefix and suffix', () => {
    expect(reasonOf({ a: [{ prefix: {} }] })).toBe('Prefix expression name not found');
    expect(reasonOf({ a: [{ suffix: {} }] })).toBe('Suffix expression name not found');
    expect(reasonOf({ a: [{ prefix: { wildcard: 'x' } }] })).toBe('Unsupported prefix pattern: wildcard');
    expect(reasonOf({ a: [{ suffix: { wildcard: 'x' } }] })).toBe('Unsupported suffix pattern: wildcard');
    expect(reasonOf({ a: [{ prefix: { 'equals-ignore-case': 1 } }] })).toBe(
      'equals-ignore-case match pattern must be a string',
    );
    expect(reasonOf({ a: [{ prefix: { 'equals-ignore-case': 'x', b: 1 } }] })).toBe(
      'Only one key allowed in match expression',
    );
    expect(reasonOf({ a: [{ suffix: { 'equals-ignore-case': 'x' }, b: 1 }] })).toBe(
      'Only one key allowed in match expression',
    );
    expect(matches({ a: [{ prefix: { 'equals-ignore-case': 'ab' } }] }, { a: 5 })).toBe(false);
    expect(matches({ a: [{ suffix: { 'equals-ignore-case': 'ab' } }] }, { a: 'xAB' })).toBe(true);
    expect(matches({ a: [{ suffix: { 'equals-ignore-case': 'ab' } }] }, { a: 5 })).toBe(false);
  });

  it('exists must be a boolean, and exists:false fails when a value is present', () => {
    expect(reasonOf({ a: [{ exists: 'true' }] })).toBe('exists match pattern must be either true or false.');
    expect(matches({ a: [{ exists: false }] }, { a: 'x' })).toBe(false);
    expect(matches({ a: [{ exists: false }] }, { a: { b: 'x' } })).toBe(true);
    expect(matches({ a: [{ exists: true }] }, { a: null })).toBe(true);
  });
});

describe('numeric', () => {
  const numeric = (terms: unknown[]): string => reasonOf({ n: [{ numeric: terms }] });

  it('reports malformed expressions as AWS does', () => {
    expect(numeric([])).toBe('Invalid member in numeric match: ]');
    expect(numeric([5])).toBe('Invalid member in numeric match: 5');
    expect(numeric([[1]])).toBe('Invalid member in numeric match: [');
    expect(numeric([{}])).toBe('Invalid member in numeric match: {');
    expect(numeric([null])).toBe('Invalid member in numeric match: null');
    expect(numeric(['=', 'x'])).toBe('Value of equals must be numeric');
    expect(numeric(['=', 5, 6])).toBe('Too many elements in numeric expression');
    expect(numeric(['<=', 'x'])).toBe('Value of <= must be numeric');
    expect(numeric(['<', 5, 1])).toBe('Too many elements in numeric expression');
    expect(numeric(['>=', true])).toBe('Value of >= must be numeric');
    expect(numeric(['>', 1, 5])).toBe('Bad value in numeric range: 5');
    expect(numeric(['>', 1, '=', 5])).toBe('Bad numeric range operator: =');
    expect(numeric(['>', 1, '<', 5, 6])).toBe('Too many terms in numeric range expression');
    expect(numeric(['>', 5, '<', 1])).toBe('Bottom must be less than top');
    expect(numeric(['>=', 5, '<=', 5])).toBe('Bottom must be less than top');
    expect(numeric(['!', 1])).toBe('Unrecognized numeric range operator: !');
    expect(reasonOf({ n: [{ numeric: ['>', 1], x: 1 }] })).toBe('Too many elements in numeric expression');
  });

  it('applies every bound', () => {
    const test = (terms: unknown[], value: unknown): boolean =>
      matches({ n: [{ numeric: terms }] }, { n: value });
    expect(test(['=', 5], 5)).toBe(true);
    expect(test(['=', 5], 6)).toBe(false);
    expect(test(['<=', 5], 5)).toBe(true);
    expect(test(['<=', 5], 6)).toBe(false);
    expect(test(['<', 5], 5)).toBe(false);
    expect(test(['<', 5], -1)).toBe(true);
    expect(test(['>', 5], 5)).toBe(false);
    expect(test(['>=', 5], 5)).toBe(true);
    expect(test(['>=', 1, '<=', 5], 5)).toBe(true);
    expect(test(['>=', 1, '<=', 5], 1)).toBe(true);
    expect(test(['>', 1, '<', 5], 5)).toBe(false);
    expect(test(['>', 1, '<', 5], 1)).toBe(false);
    expect(test(['>', 1, '<', 5], 3)).toBe(true);
    expect(test(['>', 1, '<', 5], '3')).toBe(false);
    expect(test(['>', 1], '3')).toBe(false);
    expect(test(['<', 1], null)).toBe(false);
  });
});

describe('anything-but', () => {
  it('reports malformed expressions as AWS does', () => {
    expect(reasonOf({ a: [{ 'anything-but': {} }] })).toBe('Anything-But expression name not found');
    expect(reasonOf({ a: [{ 'anything-but': { numeric: ['>', 1] } }] })).toBe(
      'Unsupported anything-but pattern: numeric',
    );
    expect(reasonOf({ a: [{ 'anything-but': { suffix: null } }] })).toBe(
      'Value of anything-but must be an array or single string/number value.',
    );
    expect(reasonOf({ a: [{ 'anything-but': true }] })).toBe(
      'Value of anything-but must be an array or single string/number value.',
    );
    expect(reasonOf({ a: [{ 'anything-but': { suffix: ['x', ''] } }] })).toBe(
      'Null prefix/suffix not allowed',
    );
    expect(reasonOf({ a: [{ 'anything-but': { prefix: 'x', b: 1 } }] })).toBe(
      'Too many elements in numeric expression',
    );
    expect(reasonOf({ a: [{ 'anything-but': { prefix: 'x' }, b: 1 }] })).toBe(
      'Too many elements in numeric expression',
    );
    expect(reasonOf({ a: [{ 'anything-but': 'x', b: 1 }] })).toBe('Too many elements in numeric expression');
    expect(reasonOf({ a: [{ 'anything-but': [] }] })).toBe(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    );
    expect(reasonOf({ a: [{ 'anything-but': [1, 'x'] }] })).toBe(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    );
    expect(reasonOf({ a: [{ 'anything-but': [true] }] })).toBe(
      'Inside anything but list, start|null|boolean is not supported.',
    );
    expect(reasonOf({ a: [{ 'anything-but': { wildcard: 'a**' } }] })).toBe(
      'Consecutive wildcard characters at pos 2',
    );
  });

  it('matches any present value outside the set, of any type', () => {
    expect(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: 3 })).toBe(true);
    expect(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: 2 })).toBe(false);
    expect(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: '2' })).toBe(true);
    expect(matches({ a: [{ 'anything-but': 'x' }] }, { a: true })).toBe(true);
    expect(matches({ a: [{ 'anything-but': { 'equals-ignore-case': 'X' } }] }, { a: 5 })).toBe(true);
    expect(matches({ a: [{ 'anything-but': { suffix: 'x' } }] }, { a: 5 })).toBe(true);
  });
});

describe('wildcard', () => {
  it('handles escapes and reports their errors', () => {
    expect(matches({ a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' })).toBe(true);
    expect(matches({ a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' })).toBe(false);
    expect(matches({ a: [{ wildcard: 'a\\\\*' }] }, { a: 'a\\bc' })).toBe(true);
    expect(reasonOf({ a: [{ wildcard: 'ab\\c' }] })).toBe('Invalid escape character at pos 3');
    expect(reasonOf({ a: [{ wildcard: 'ab\\' }] })).toBe('Invalid escape character at pos 3');
  });

  it('counts error positions in UTF-8 bytes', () => {
    expect(reasonOf({ a: [{ wildcard: 'é**' }] })).toBe('Consecutive wildcard characters at pos 3');
    expect(reasonOf({ a: [{ wildcard: '€**' }] })).toBe('Consecutive wildcard characters at pos 4');
    expect(reasonOf({ a: [{ wildcard: '😀**' }] })).toBe('Consecutive wildcard characters at pos 5');
    expect(reasonOf({ a: [{ wildcard: '\\*\\\\**' }] })).toBe('Consecutive wildcard characters at pos 5');
  });

  it('only matches strings', () => {
    expect(matches({ a: [{ wildcard: '*' }] }, { a: 1 })).toBe(false);
    expect(matches({ a: [{ wildcard: '*' }] }, { a: '' })).toBe(true);
  });

  it('rejects fields whose wildcards are too complex together', () => {
    const tooComplex =
      'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';
    const four = ['*/datasync/*.bif', '*/datasync/*.tif', '*/datasync/*.tiff', '*/datasync/*.svs'];
    expect(reasonOf({ key: four.map((wildcard) => ({ wildcard })) })).toBe(tooComplex);
    // Two at a time is fine, and so is the same pattern repeated.
    expect(() =>
      validateEventPattern({ key: four.slice(0, 2).map((wildcard) => ({ wildcard })) }),
    ).not.toThrow();
    expect(() =>
      validateEventPattern({ key: [four[0], four[0], four[0]].map((wildcard) => ({ wildcard })) }),
    ).not.toThrow();
    // Different fields are measured separately...
    expect(() =>
      validateEventPattern({
        a: four.slice(0, 2).map((wildcard) => ({ wildcard })),
        b: four.slice(2).map((wildcard) => ({ wildcard })),
      }),
    ).not.toThrow();
    // ...but the first field of every $or alternative is shared.
    expect(
      reasonOf({
        $or: [
          { key: four.slice(0, 2).map((wildcard) => ({ wildcard })) },
          { key: four.slice(2).map((wildcard) => ({ wildcard })) },
        ],
      }),
    ).toBe(tooComplex);
    expect(() =>
      validateEventPattern({
        $or: [
          { a: ['x'], key: four.slice(0, 2).map((wildcard) => ({ wildcard })) },
          { a: ['y'], key: four.slice(2).map((wildcard) => ({ wildcard })) },
        ],
      }),
    ).not.toThrow();
    // anything-but wildcards count too.
    expect(reasonOf({ key: [{ 'anything-but': { wildcard: four } }] })).toBe(tooComplex);
  });
});

describe('cidr', () => {
  it('matches addresses inside the block only', () => {
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '10.255.0.1' })).toBe(true);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '11.0.0.0' })).toBe(false);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::1' })).toBe(false);
    expect(matches({ ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'host' })).toBe(false);
    expect(reasonOf({ ip: [{ cidr: '10.0.0.0/32' }] })).toBe('IPv4 mask bits must be < 32');
  });
});

describe('event structure', () => {
  it('takes leaves of one array element together', () => {
    const event = {
      a: [
        { b: 1, c: 2 },
        { b: 3, c: 4 },
      ],
    };
    expect(matches({ a: { b: [1], c: [2] } }, event)).toBe(true);
    expect(matches({ a: { b: [3], c: [4] } }, event)).toBe(true);
    expect(matches({ a: { b: [1], c: [4] } }, event)).toBe(false);
    expect(matches({ a: { b: [1, 3], c: [4] } }, event)).toBe(true);
  });

  it('combines array leaves with plain ones and with other arrays', () => {
    const event = { x: 'top', a: [{ b: 1 }, { b: 2 }], c: [{ d: 5 }, { d: 6 }] };
    expect(matches({ x: ['top'], a: { b: [2] } }, event)).toBe(true);
    expect(matches({ a: { b: [2] }, c: { d: [5] } }, event)).toBe(true);
    const nested = {
      a: [
        {
          b: [
            { c: 1, d: 2 },
            { c: 3, d: 4 },
          ],
          e: 5,
        },
      ],
    };
    expect(matches({ a: { b: { c: [3], d: [4] }, e: [5] } }, nested)).toBe(true);
    expect(matches({ a: { b: { c: [3], d: [2] } } }, nested)).toBe(false);
  });

  it('skips undefined properties of object events', () => {
    expect(matches({ a: [{ exists: false }] }, { a: undefined })).toBe(true);
  });

  it('compiles once and matches many events', () => {
    const match = compileEventPattern('{"source": ["app"], "detail": {"n": [{"numeric": [">", 1]}]}}');
    expect(match({ source: 'app', detail: { n: 2 } })).toBe(true);
    expect(match({ source: 'app', detail: { n: 1 } })).toBe(false);
    expect(match({ source: 'other', detail: { n: 2 } })).toBe(false);
    expect(match('not an object')).toBe(false);
  });

  it('reuses the matcher compiled for the same pattern text', () => {
    const text = '{"source": ["cached"]}';
    expect(compileEventPattern(text)).toBe(compileEventPattern(text));
    expect(compileEventPattern({ source: ['x'] })).not.toBe(compileEventPattern({ source: ['x'] }));
    for (let n = 0; n < 600; n++) compileEventPattern(`{"n": [${n}]}`);
    expect(compileEventPattern('{"n": [599]}')({ n: 599 })).toBe(true);
    expect(() => compileEventPattern('{"n": []}')).toThrow(InvalidEventPatternError);
  });

  it('rejects event text that is not JSON', () => {
    expect(() => enveloped({ a: ['x'] }, '{nope')).toThrow(InvalidInputError);
    expect(() => enveloped({ a: ['x'] }, '{nope')).toThrow(/^The event is not valid JSON: /);
  });
});

describe('ip helpers', () => {
  it('recognises and parses IP literals', () => {
    expect(ipBytes('1.2.3.4')).toEqual([1, 2, 3, 4]);
    expect(ipBytes('1.2.3.256')).toBeNull();
    expect(ipBytes('host')).toBeUndefined();
    expect(ipBytes('::')).toEqual(new Array(16).fill(0));
    expect(ipBytes('1:2:3:4:5:6:7:8')).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(ipBytes('1:2:3:4:5:6:7')).toBeNull();
    expect(ipBytes('1:2:3:4::5:6:7:8')).toBeNull();
    expect(ipBytes('1::2::3')).toBeNull();
    expect(ipBytes(':1::')).toBeNull();
    expect(ipBytes('::12345')).toBeNull();
    expect(ipBytes('ffff::')).toEqual([255, 255, ...new Array(14).fill(0)]);
  });

  it('compares addresses', () => {
    expect(isSameIp([127, 0, 0, 1], '127.0.0.1')).toBe(true);
    expect(isSameIp([127, 0, 0, 1], '127.0.0.2')).toBe(false);
    expect(isSameIp([127, 0, 0, 1], '::1')).toBe(false);
    expect(isSameIp([127, 0, 0, 1], 'localhost')).toBe(false);
    const range = parseCidr('10.1.2.3/16');
    expect(range).toEqual({ low: [10, 1, 2, 3], high: [10, 1, 255, 255] });
    expect(isInRange(range as never, '10.1.2.3')).toBe(true);
    expect(isInRange(range as never, '10.1.2.2')).toBe(false);
    expect(isInRange(range as never, '10.1.255.255')).toBe(true);
    expect(isInRange(range as never, '10.2.0.0')).toBe(false);
  });

  it('parses CIDRs with AWS reasons for each fault', () => {
    expect(parseCidr('10.0.0.0/8/')).toEqual({ low: [10, 0, 0, 0], high: [10, 255, 255, 255] });
    expect(parseCidr('10.0.0.0/0')).toEqual({ low: [10, 0, 0, 0], high: [255, 255, 255, 255] });
    expect(parseCidr('10.0.0.0/12')).toEqual({ low: [10, 0, 0, 0], high: [10, 15, 255, 255] });
    expect(parseCidr('10.0.0.0/')).toBe("Malformed CIDR, one '/' required");
    expect(parseCidr('1/2/3')).toBe("Malformed CIDR, one '/' required");
    expect(parseCidr('10.0.0.0/x')).toBe('Malformed CIDR, mask bits must be an integer');
    expect(parseCidr('10.0.0.0/99999999999')).toBe('Malformed CIDR, mask bits must be an integer');
    expect(parseCidr('10.0.0.0/-1')).toBe('Malformed CIDR, mask bits must not be negative');
    expect(parseCidr('/8')).toBe('Nonstandard IP address: ');
    expect(parseCidr('10.0.0.300/8')).toBe('Invalid IP address: 10.0.0.300');
    expect(parseCidr('1:2/64')).toBe('Invalid IP address: 1:2');
    expect(parseCidr('::/128')).toBe('IPv6 mask bits must be < 128');
    expect(parseCidr('::/127')).toEqual({ low: new Array(16).fill(0), high: [...new Array(15).fill(0), 1] });
  });
});

describe('wildcard helpers', () => {
  it('parses and matches', () => {
    expect(parseWildcard('a*b')).toEqual(['a', null, 'b']);
    const match = wildcardMatcher(['a', null, 'b', 'c', null, 'd', null, 'e']);
    expect(match('abcde')).toBe(true);
    expect(match('aXbcYdZe')).toBe(true);
    expect(match('abcXe')).toBe(false);
    expect(match('ae')).toBe(false);
    expect(match('bcde')).toBe(false);
    expect(match('abcd')).toBe(false);
    expect(wildcardMatcher(['a', null, 'a'])('a')).toBe(false);
    expect(wildcardMatcher(['a', null, 'a'])('aa')).toBe(true);
    expect(wildcardMatcher([null, 'x', 'y', null])('axy')).toBe(true);
    expect(wildcardMatcher([null, 'x', 'y', null, 'y'])('xy')).toBe(false);
    expect(wildcardMatcher(['x'])('x')).toBe(true);
    expect(wildcardMatcher([])('')).toBe(true);
  });

  it('measures complexity as AWS event-ruler does', () => {
    const of = (...patterns: string[]): number =>
      wildcardComplexity(patterns.map((p) => parseWildcard(p) as (string | null)[]));
    // The quotes AWS wraps values in are part of the measured pattern.
    expect(of('*')).toBe(2);
    expect(of('abc')).toBe(1);
    expect(of('*:*:*:*:*:event-bus/*')).toBe(11);
    expect(of('/Users/*/dir/dir/dir/dir/dir/doc.txt')).toBe(7);
    expect(of('*.bif', '*.tiff', '*.tif', '*.svs')).toBe(8);
    expect(of('*a*a*a*a*a*a*a*a*')).toBeGreaterThan(MAX_WILDCARD_COMPLEXITY);
  });

  it('gives up searching after a bounded number of states', () => {
    expect(wildcardComplexity([parseWildcard('a*b*c*d') as (string | null)[]], 1)).toBeLessThanOrEqual(2);
  });
});

describe('ignore-case helper', () => {
  it('matches each character by its lower- or upper-case form', () => {
    expect(ignoreCaseMatcher('EventB', 'prefix')('eVENTbridge')).toBe(true);
    expect(ignoreCaseMatcher('EventB', 'prefix')('Even')).toBe(false);
    expect(ignoreCaseMatcher('.png', 'suffix')('IMAGE.PNG')).toBe(true);
    expect(ignoreCaseMatcher('.png', 'suffix')('IMAGE.PNGX')).toBe(false);
    expect(ignoreCaseMatcher('straße', 'equals')('STRASSE')).toBe(true);
    expect(ignoreCaseMatcher('straße', 'equals')('STRASSEN')).toBe(false);
    expect(ignoreCaseMatcher('maß', 'suffix')('GROSSMASS')).toBe(true);
    expect(ignoreCaseMatcher('', 'equals')('')).toBe(true);
    expect(ignoreCaseMatcher('', 'equals')('a')).toBe(false);
    expect(ignoreCaseMatcher('😀a', 'suffix')('x😀A')).toBe(true);
  });
});

describe('testEventPattern refuses what EventBridge refuses', () => {
  it.each([
    [{ source: 'x' }, 'id, account, time, region, detail-type'],
    ['{"source": "x"}', 'id, account, time, region, detail-type'],
    ['"just a string"', 'id, account, source, time, region, detail-type'],
    [[ENVELOPE], 'id, account, source, time, region, detail-type'],
  ])('%j: "Parameter Event is not valid." naming what is missing', (event, missing) => {
    expect(() => testEventPattern({ source: ['x'] }, event as object)).toThrow(
      expect.objectContaining({
        option: 'event',
        message: expect.stringContaining(
          `Parameter Event is not valid. (EventBridge's TestEventPattern needs a full event envelope; missing: ${missing}.`,
        ),
      }),
    );
  });
  it('matches a full envelope, and a bare object through compileEventPattern', () => {
    expect(testEventPattern({ source: ['test'] }, ENVELOPE)).toBe(true);
    expect(compileEventPattern({ source: ['x'] })({ source: 'x' })).toBe(true);
  });
});
