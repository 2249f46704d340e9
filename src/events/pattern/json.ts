/**
 * Reads pattern text the way EventBridge's JSON parser (Jackson, streaming) does: only the first JSON
 * value counts (text after the root object is never read), a pattern that does not start with an
 * object is "not an object" whatever follows, and syntax errors carry Jackson's wording.
 */

import { InvalidEventPatternError } from '../../errors.js';

const VALUE_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
const SNIPPET_LENGTH = 500;

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isHexDigit = (code: number): boolean =>
  isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

/**
 * Returns the parsed root object, `undefined` when the text does not start with one; throws
 * InvalidEventPatternError with the parser's reason for a syntax error.
 */
export const readPatternJson = (text: string): unknown => {
  let i = 0;
  const containers: { readonly kind: 'Object' | 'Array'; readonly at: number }[] = [];

  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(reason);
  };
  const describe = (at: number): string => {
    const code = text.charCodeAt(at);
    if (code < 32) return `(CTRL-CHAR, code ${code})`;
    const char = text[at] as string;
    return code > 255 ? `'${char}' (code ${code} / 0x${code.toString(16)})` : `'${char}' (code ${code})`;
  };
  const unexpected = (comment: string): never => fail(`Unexpected character (${describe(i)}): ${comment}`);
  const location = (at: number): string => {
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const snippet =
      text.length > SNIPPET_LENGTH
        ? `${text.slice(0, SNIPPET_LENGTH)}"[truncated ${text.length - SNIPPET_LENGTH} chars]`
        : `${text}"`;
    return `[Source: (String)"${snippet}; line: ${line}, column: ${column}]`;
  };
  const endOfInput = (): never => {
    const open = containers[containers.length - 1] as { kind: string; at: number };
    return fail(
      `Unexpected end-of-input: expected close marker for ${open.kind} (start marker at ${location(open.at)})`,
    );
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };

  const readString = (what: string): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail(`Unexpected end-of-input: was expecting closing ${what}`);
      const code = text.charCodeAt(i);
      if (code === 34) break;
      if (code < 32) {
        fail(
          `Illegal unquoted character (${describe(i)}): has to be escaped using backslash to be included in string value`,
        );
      }
      if (code === 92) {
        i++;
        if (i >= text.length) fail('Unexpected end-of-input in character escape sequence');
        const escaped = text[i] as string;
        if (escaped === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= text.length) fail('Unexpected end-of-input in character escape sequence');
            if (!isHexDigit(text.charCodeAt(i)))
              unexpected('expected a hex-digit for character escape sequence');
          }
        } else if (!'"\\/bfnrt'.includes(escaped)) {
          fail(`Unrecognized character escape ${describe(i)}`);
        }
      }
      i++;
    }
    i++;
  };

  const digits = (): number => {
    const start = i;
    while (isDigit(text.charCodeAt(i))) i++;
    return i - start;
  };
  const numericError = (comment: string): never =>
    i >= text.length
      ? fail('Unexpected end-of-input in a Number value')
      : fail(`Unexpected character (${describe(i)}) in numeric value: ${comment}`);
  const readNumber = (): void => {
    if (text[i] === '-') {
      i++;
      if (!isDigit(text.charCodeAt(i)))
        numericError('expected digit (0-9) to follow minus sign, for valid numeric value');
    }
    if (text[i] === '0' && isDigit(text.charCodeAt(i + 1)))
      fail('Invalid numeric value: Leading zeroes not allowed');
    digits();
    if (text[i] === '.') {
      i++;
      if (digits() === 0) numericError('Decimal point not followed by a digit');
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (digits() === 0) numericError('Exponent indicator not followed by a digit');
    }
  };

  const readToken = (): void => {
    const token =
      /^[\p{L}\p{N}_$]+/u.exec(text.slice(i))?.[0] ?? unexpected(`expected a valid value ${VALUE_LIST}`);
    if (token === 'NaN' || token === 'Infinity') {
      fail(`Non-standard token '${token}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow`);
    }
    if (token !== 'true' && token !== 'false' && token !== 'null') {
      fail(`Unrecognized token '${token}': was expecting ${VALUE_LIST}`);
    }
    i += token.length;
  };

  const readValue = (): void => {
    skipSpace();
    if (i >= text.length) endOfInput();
    const char = text[i] as string;
    if (char === '{') readObject();
    else if (char === '[') readArray();
    else if (char === '"') readString('quote for a string value');
    else if (char === '-' || /[0-9]/.test(char)) readNumber();
    else readToken();
  };

  const readObject = (): void => {
    containers.push({ kind: 'Object', at: i });
    i++;
    skipSpace();
    if (text[i] !== '}') {
      for (;;) {
        skipSpace();
        if (i >= text.length) endOfInput();
        if (text[i] !== '"') unexpected('was expecting double-quote to start field name');
        readString(`'"' for name`);
        skipSpace();
        if (i >= text.length) fail('Unexpected end-of-input within/between Object entries');
        if (text[i] !== ':') unexpected('was expecting a colon to separate field name and value');
        i++;
        readValue();
        skipSpace();
        if (i >= text.length) endOfInput();
        if (text[i] === '}') break;
        if (text[i] !== ',') unexpected('was expecting comma to separate Object entries');
        i++;
      }
    }
    i++;
    containers.pop();
  };

  const readArray = (): void => {
    containers.push({ kind: 'Array', at: i });
    i++;
    skipSpace();
    if (text[i] !== ']') {
      for (;;) {
        readValue();
        skipSpace();
        if (i >= text.length) endOfInput();
        if (text[i] === ']') break;
        if (text[i] !== ',') unexpected('was expecting comma to separate Array entries');
        i++;
      }
    }
    i++;
    containers.pop();
  };

  skipSpace();
  if (i >= text.length) return undefined;
  const start = i;
  if (text[i] !== '{') {
    // AWS only looks at the first token here: anything else is "not an object", unless it is no token.
    if (!'["-0123456789'.includes(text[i] as string)) readToken();
    return undefined;
  }
  readObject();
  return JSON.parse(text.slice(start, i));
};
