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

/** Jackson's streaming read of one pattern text: a cursor and the open containers (for its messages). */
class PatternReader {
  i = 0;
  readonly containers: { readonly kind: 'Object' | 'Array'; readonly at: number }[] = [];

  constructor(readonly text: string) {}

  fail(reason: string): never {
    throw new InvalidEventPatternError(reason);
  }
  describe(at: number): string {
    const code = this.text.charCodeAt(at);
    if (code < 32) return `(CTRL-CHAR, code ${code})`;
    const char = this.text[at] as string;
    return code > 255 ? `'${char}' (code ${code} / 0x${code.toString(16)})` : `'${char}' (code ${code})`;
  }
  unexpected(comment: string): never {
    return this.fail(`Unexpected character (${this.describe(this.i)}): ${comment}`);
  }
  location(at: number): string {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    const snippet =
      this.text.length > SNIPPET_LENGTH
        ? `${this.text.slice(0, SNIPPET_LENGTH)}"[truncated ${this.text.length - SNIPPET_LENGTH} chars]`
        : `${this.text}"`;
    return `[Source: (String)"${snippet}; line: ${line}, column: ${column}]`;
  }
  endOfInput(): never {
    const open = this.containers[this.containers.length - 1] as { kind: string; at: number };
    return this.fail(
      `Unexpected end-of-input: expected close marker for ${open.kind} (start marker at ${this.location(open.at)})`,
    );
  }
  skipSpace(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i] as string)) this.i++;
  }

  readString(what: string): void {
    this.i++;
    for (;;) {
      if (this.i >= this.text.length) this.fail(`Unexpected end-of-input: was expecting closing ${what}`);
      const code = this.text.charCodeAt(this.i);
      if (code === 34) break;
      if (code < 32) {
        this.fail(
          `Illegal unquoted character (${this.describe(this.i)}): has to be escaped using backslash to be included in string value`,
        );
      }
      if (code === 92) {
        this.i++;
        if (this.i >= this.text.length) this.fail('Unexpected end-of-input in character escape sequence');
        const escaped = this.text[this.i] as string;
        if (escaped === 'u') {
          for (let k = 0; k < 4; k++) {
            this.i++;
            if (this.i >= this.text.length) this.fail('Unexpected end-of-input in character escape sequence');
            if (!isHexDigit(this.text.charCodeAt(this.i)))
              this.unexpected('expected a hex-digit for character escape sequence');
          }
        } else if (!'"\\/bfnrt'.includes(escaped)) {
          this.fail(`Unrecognized character escape ${this.describe(this.i)}`);
        }
      }
      this.i++;
    }
    this.i++;
  }

  digits(): number {
    const start = this.i;
    while (isDigit(this.text.charCodeAt(this.i))) this.i++;
    return this.i - start;
  }
  numericError(comment: string): never {
    return this.i >= this.text.length
      ? this.fail('Unexpected end-of-input in a Number value')
      : this.fail(`Unexpected character (${this.describe(this.i)}) in numeric value: ${comment}`);
  }
  readNumber(): void {
    if (this.text[this.i] === '-') {
      this.i++;
      if (!isDigit(this.text.charCodeAt(this.i)))
        this.numericError('expected digit (0-9) to follow minus sign, for valid numeric value');
    }
    if (this.text[this.i] === '0' && isDigit(this.text.charCodeAt(this.i + 1)))
      this.fail('Invalid numeric value: Leading zeroes not allowed');
    this.digits();
    if (this.text[this.i] === '.') {
      this.i++;
      if (this.digits() === 0) this.numericError('Decimal point not followed by a digit');
    }
    if (this.text[this.i] === 'e' || this.text[this.i] === 'E') {
      this.i++;
      if (this.text[this.i] === '+' || this.text[this.i] === '-') this.i++;
      if (this.digits() === 0) this.numericError('Exponent indicator not followed by a digit');
    }
  }

  readToken(): void {
    const token =
      /^[\p{L}\p{N}_$]+/u.exec(this.text.slice(this.i))?.[0] ??
      this.unexpected(`expected a valid value ${VALUE_LIST}`);
    if (token === 'NaN' || token === 'Infinity') {
      this.fail(
        `Non-standard token '${token}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow`,
      );
    }
    if (token !== 'true' && token !== 'false' && token !== 'null') {
      this.fail(`Unrecognized token '${token}': was expecting ${VALUE_LIST}`);
    }
    this.i += token.length;
  }

  readValue(): void {
    this.skipSpace();
    if (this.i >= this.text.length) this.endOfInput();
    const char = this.text[this.i] as string;
    if (char === '{') this.readObject();
    else if (char === '[') this.readArray();
    else if (char === '"') this.readString('quote for a string value');
    else if (char === '-' || /[0-9]/.test(char)) this.readNumber();
    else this.readToken();
  }

  readObject(): void {
    this.containers.push({ kind: 'Object', at: this.i });
    this.i++;
    this.skipSpace();
    if (this.text[this.i] !== '}') {
      for (;;) {
        this.skipSpace();
        if (this.i >= this.text.length) this.endOfInput();
        if (this.text[this.i] !== '"') this.unexpected('was expecting double-quote to start field name');
        this.readString(`'"' for name`);
        this.skipSpace();
        if (this.i >= this.text.length) this.fail('Unexpected end-of-input within/between Object entries');
        if (this.text[this.i] !== ':')
          this.unexpected('was expecting a colon to separate field name and value');
        this.i++;
        this.readValue();
        this.skipSpace();
        if (this.i >= this.text.length) this.endOfInput();
        if (this.text[this.i] === '}') break;
        if (this.text[this.i] !== ',') this.unexpected('was expecting comma to separate Object entries');
        this.i++;
      }
    }
    this.i++;
    this.containers.pop();
  }

  readArray(): void {
    this.containers.push({ kind: 'Array', at: this.i });
    this.i++;
    this.skipSpace();
    if (this.text[this.i] !== ']') {
      for (;;) {
        this.readValue();
        this.skipSpace();
        if (this.i >= this.text.length) this.endOfInput();
        if (this.text[this.i] === ']') break;
        if (this.text[this.i] !== ',') this.unexpected('was expecting comma to separate Array entries');
        this.i++;
      }
    }
    this.i++;
    this.containers.pop();
  }

  /** The parsed root object, or undefined when the text does not start with one. */
  read(): unknown {
    this.skipSpace();
    if (this.i >= this.text.length) return undefined;
    const start = this.i;
    if (this.text[this.i] !== '{') {
      // AWS only looks at the first token here: anything else is "not an object", unless it is no token.
      if (!'["-0123456789'.includes(this.text[this.i] as string)) this.readToken();
      return undefined;
    }
    this.readObject();
    return JSON.parse(this.text.slice(start, this.i));
  }
}

/**
 * Returns the parsed root object, `undefined` when the text does not start with one; throws
 * InvalidEventPatternError with the parser's reason for a syntax error.
 */
export const readPatternJson = (text: string): unknown => new PatternReader(text).read();
