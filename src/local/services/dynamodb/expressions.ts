/**
 * DynamoDB expressions: a tokenizer and recursive-descent parsers for condition, filter, key
 * condition, projection and update expressions, with placeholder substitution, the reserved-word
 * check, and the evaluators. Messages follow DynamoDB's.
 */
import type { AwsError } from '../../core/errors.js';
import { isReserved } from './reserved.js';
import {
  type AttributeValue,
  addDecimal,
  checkValue,
  compareScalar,
  equalValues,
  formatDecimal,
  type Item,
  parseDecimal,
  TYPE_NAMES,
  typeOf,
  validation,
} from './values.js';

export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'KeyConditionExpression'
  | 'ProjectionExpression'
  | 'UpdateExpression';

/** A document path with placeholders resolved: attribute names and list indexes. */
export type Path = readonly (string | number)[];

export type Operand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttributeValue; readonly ref: string }
  | { readonly kind: 'size'; readonly path: Path }
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: Operand }
  | { readonly kind: 'list_append'; readonly a: Operand; readonly b: Operand }
  | { readonly kind: 'arith'; readonly op: '+' | '-'; readonly a: Operand; readonly b: Operand };

export type Condition =
  | { readonly kind: 'and'; readonly a: Condition; readonly b: Condition }
  | { readonly kind: 'or'; readonly a: Condition; readonly b: Condition }
  | { readonly kind: 'not'; readonly a: Condition }
  | { readonly kind: 'cmp'; readonly op: string; readonly a: Operand; readonly b: Operand }
  | { readonly kind: 'between'; readonly a: Operand; readonly lo: Operand; readonly hi: Operand }
  | { readonly kind: 'in'; readonly a: Operand; readonly list: readonly Operand[] }
  | { readonly kind: 'fn'; readonly name: string; readonly args: readonly Operand[] };

export interface UpdateAction {
  readonly clause: 'SET' | 'REMOVE' | 'ADD' | 'DELETE';
  readonly path: Path;
  readonly value?: Operand;
}

/**
 * The placeholders of one request, shared by all its expressions, so names and values that no
 * expression uses can be reported as AWS does.
 */
export class Placeholders {
  readonly #names: Record<string, string>;
  readonly #values: Record<string, AttributeValue>;
  readonly #usedNames = new Set<string>();
  readonly #usedValues = new Set<string>();

  constructor(names: unknown, values: unknown) {
    this.#names = {};
    this.#values = {};
    if (names !== undefined && names !== null) {
      const entries = Object.entries(names as Record<string, unknown>);
      if (entries.length === 0) throw validation('ExpressionAttributeNames must not be empty');
      for (const [k, v] of entries) {
        if (!/^#[A-Za-z0-9_]+$/.test(k)) {
          throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${k}"`);
        }
        this.#names[k] = String(v);
      }
    }
    if (values !== undefined && values !== null) {
      const entries = Object.entries(values as Record<string, unknown>);
      if (entries.length === 0) throw validation('ExpressionAttributeValues must not be empty');
      for (const [k, v] of entries) {
        if (!/^:[A-Za-z0-9_]+$/.test(k)) {
          throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${k}"`);
        }
        try {
          this.#values[k] = checkValue(v);
        } catch (err) {
          throw validation(
            `ExpressionAttributeValues contains invalid value: ${(err as Error).message} for key ${k}`,
          );
        }
      }
    }
  }

  get hasNames(): boolean {
    return Object.keys(this.#names).length > 0;
  }

  get hasValues(): boolean {
    return Object.keys(this.#values).length > 0;
  }

  name(ref: string, kind: ExpressionKind): string {
    const name = this.#names[ref];
    if (name === undefined) {
      throw validation(
        `Invalid ${kind}: An expression attribute name used in the document path is not defined; attribute name: ${ref}`,
      );
    }
    this.#usedNames.add(ref);
    return name;
  }

  value(ref: string, kind: ExpressionKind): AttributeValue {
    const value = this.#values[ref];
    if (value === undefined) {
      throw validation(
        `Invalid ${kind}: An expression attribute value used in expression is not defined; attribute value: ${ref}`,
      );
    }
    this.#usedValues.add(ref);
    return value;
  }

  /** Throws when a name or value was given that no expression used. */
  checkAllUsed(): void {
    const names = Object.keys(this.#names).filter((k) => !this.#usedNames.has(k));
    if (names.length > 0) {
      throw validation(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`,
      );
    }
    const values = Object.keys(this.#values).filter((k) => !this.#usedValues.has(k));
    if (values.length > 0) {
      throw validation(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

type TokenType = 'ident' | 'name' | 'value' | 'number' | 'punct' | 'eof';

interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly pos: number;
}

const PUNCT = ['<>', '<=', '>=', '=', '<', '>', '(', ')', '[', ']', ',', '.', '+', '-'];

const tokenize = (source: string, kind: ExpressionKind): Token[] => {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = source.slice(i);
    const m = /^(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\d+)/.exec(rest);
    if (m) {
      const text = m[1] as string;
      const type: TokenType = text.startsWith('#')
        ? 'name'
        : text.startsWith(':')
          ? 'value'
          : /^\d/.test(text)
            ? 'number'
            : 'ident';
      tokens.push({ type, text, pos: i });
      i += text.length;
      continue;
    }
    const p = PUNCT.find((q) => rest.startsWith(q));
    if (!p) {
      const bad: Token = { type: 'punct', text: c, pos: i };
      const after = /^\s*([#:]?[A-Za-z0-9_]+|\S)/.exec(source.slice(i + 1));
      const next: Token[] = after
        ? [
            {
              type: 'ident',
              text: after[1] as string,
              pos: i + 1 + after[0].length - (after[1] as string).length,
            },
          ]
        : [];
      throw syntaxError(kind, source, bad, [...tokens.slice(-1), bad, ...next]);
    }
    tokens.push({ type: 'punct', text: p, pos: i });
    i += p.length;
  }
  tokens.push({ type: 'eof', text: '<EOF>', pos: source.length });
  return tokens;
};

/** AWS quotes the offending token with its neighbours: `near: "a * :b"`. */
const syntaxError = (
  kind: ExpressionKind,
  source: string,
  token: Token,
  tokens: readonly Token[] = [],
): AwsError => {
  const at = tokens.indexOf(token);
  const prev = at > 0 ? tokens[at - 1] : undefined;
  const next = at >= 0 ? tokens[at + 1] : undefined;
  const start = prev ? prev.pos : token.pos;
  const end = next && next.type !== 'eof' ? next.pos + next.text.length : token.pos + token.text.length;
  const near = token.type === 'eof' ? source.slice(start).trim() : source.slice(start, end);
  return validation(`Invalid ${kind}: Syntax error; token: "${token.text}", near: "${near}"`);
};

const CONDITION_FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);
const UPDATE_FUNCTIONS = new Set(['if_not_exists', 'list_append']);
const COMPARATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);

class Parser {
  #i = 0;
  readonly #tokens: Token[];
  constructor(
    readonly source: string,
    readonly kind: ExpressionKind,
    readonly refs: Placeholders,
  ) {
    if (source.trim() === '') throw validation(`Invalid ${kind}: The expression can not be empty;`);
    this.#tokens = tokenize(source, kind);
  }

  get peek(): Token {
    return this.#tokens[this.#i] as Token;
  }

  peekAt(offset: number): Token {
    return this.#tokens[Math.min(this.#i + offset, this.#tokens.length - 1)] as Token;
  }

  next(): Token {
    const t = this.peek;
    if (t.type !== 'eof') this.#i++;
    return t;
  }

  fail(token: Token = this.peek): AwsError {
    return syntaxError(this.kind, this.source, token, this.#tokens);
  }

  expect(text: string): void {
    const t = this.next();
    if (t.text !== text) throw this.fail(t);
  }

  isKeyword(word: string, token: Token = this.peek): boolean {
    return token.type === 'ident' && token.text.toUpperCase() === word;
  }

  end(): void {
    if (this.peek.type !== 'eof') throw this.fail();
  }

  // -- paths

  path(): Path {
    const out: (string | number)[] = [this.pathName()];
    for (;;) {
      if (this.peek.text === '.') {
        this.next();
        out.push(this.pathName());
      } else if (this.peek.text === '[') {
        this.next();
        const t = this.next();
        if (t.type !== 'number') throw this.fail(t);
        this.expect(']');
        out.push(Number(t.text));
      } else return out;
    }
  }

  pathName(): string {
    const t = this.next();
    if (t.type === 'name') return this.refs.name(t.text, this.kind);
    if (t.type !== 'ident') throw this.fail(t);
    if (isReserved(t.text)) {
      throw validation(
        `Invalid ${this.kind}: Attribute name is a reserved keyword; reserved keyword: ${t.text}`,
      );
    }
    return t.text;
  }

  // -- conditions

  condition(): Condition {
    let left = this.conjunction();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', a: left, b: this.conjunction() };
    }
    return left;
  }

  conjunction(): Condition {
    let left = this.negation();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', a: left, b: this.negation() };
    }
    return left;
  }

  negation(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', a: this.negation() };
    }
    return this.predicate();
  }

  predicate(): Condition {
    if (this.peek.text === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const t = this.peek;
    if (t.type === 'ident' && this.peekAt(1).text === '(' && t.text !== 'size') {
      return this.conditionFunction();
    }
    const a = this.operand();
    const op = this.peek;
    if (op.type === 'punct' && COMPARATORS.has(op.text)) {
      this.next();
      const b = this.operand();
      this.checkComparable(op.text, a, b);
      return { kind: 'cmp', op: op.text, a, b };
    }
    if (this.isKeyword('BETWEEN')) {
      this.next();
      const lo = this.operand();
      if (!this.isKeyword('AND')) throw this.fail();
      this.next();
      const hi = this.operand();
      this.checkBetween(lo, hi);
      return { kind: 'between', a, lo, hi };
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expect('(');
      const list = [this.operand()];
      while (this.peek.text === ',') {
        this.next();
        list.push(this.operand());
      }
      this.expect(')');
      if (list.length > 100) throw this.fail();
      return { kind: 'in', a, list };
    }
    throw this.fail(op);
  }

  /** Comparators take operands of any type; a type mismatch evaluates to false. */
  checkComparable(_op: string, _a: Operand, _b: Operand): void {}

  checkBetween(lo: Operand, hi: Operand): void {
    if (lo.kind !== 'value' || hi.kind !== 'value') return;
    if (typeOf(lo.value) !== typeOf(hi.value) || compareScalar(lo.value, hi.value) > 0) {
      throw validation(
        `Invalid ${this.kind}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {${typeOf(lo.value)}:${scalarText(lo.value)}}, upper bound operand: AttributeValue: {${typeOf(hi.value)}:${scalarText(hi.value)}}`,
      );
    }
  }

  conditionFunction(): Condition {
    const name = this.next().text;
    if (UPDATE_FUNCTIONS.has(name)) {
      throw validation(
        `Invalid ${this.kind}: The function is not allowed to be used this way in an expression; function: ${name}`,
      );
    }
    if (!CONDITION_FUNCTIONS.has(name)) {
      throw validation(`Invalid ${this.kind}: Invalid function name; function: ${name}`);
    }
    const args = this.arguments();
    const arity = name === 'attribute_exists' || name === 'attribute_not_exists' ? 1 : 2;
    if (args.length !== arity) {
      throw validation(
        `Invalid ${this.kind}: Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${args.length}`,
      );
    }
    if (args[0]?.kind !== 'path') {
      throw validation(
        `Invalid ${this.kind}: Operator or function requires a document path; operator or function: ${name}`,
      );
    }
    const second = args[1];
    if (name === 'attribute_type' && second?.kind === 'value') {
      const t = 'S' in second.value ? second.value.S : undefined;
      if (t === undefined || !(TYPE_NAMES as readonly string[]).includes(t)) {
        throw validation(
          t === undefined
            ? `Invalid ${this.kind}: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${typeOf(second.value)}`
            : `Invalid ${this.kind}: Invalid attribute type name found; type: ${t}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
        );
      }
    }
    if (name === 'begins_with' && second?.kind === 'value' && !['S', 'B'].includes(typeOf(second.value))) {
      throw validation(
        `Invalid ${this.kind}: Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${typeOf(second.value)}`,
      );
    }
    return { kind: 'fn', name, args };
  }

  arguments(): Operand[] {
    this.expect('(');
    const args: Operand[] = [];
    if (this.peek.text !== ')') {
      args.push(this.operand());
      while (this.peek.text === ',') {
        this.next();
        args.push(this.operand());
      }
    }
    this.expect(')');
    return args;
  }

  /** A condition operand: a path, a value, or size(path). */
  operand(): Operand {
    const t = this.peek;
    if (t.type === 'value') {
      this.next();
      return { kind: 'value', value: this.refs.value(t.text, this.kind), ref: t.text };
    }
    if (t.type === 'ident' && this.peekAt(1).text === '(') {
      this.next();
      if (t.text !== 'size') {
        if (CONDITION_FUNCTIONS.has(t.text) || UPDATE_FUNCTIONS.has(t.text)) {
          throw validation(
            `Invalid ${this.kind}: The function is not allowed to be used this way in an expression; function: ${t.text}`,
          );
        }
        throw validation(`Invalid ${this.kind}: Invalid function name; function: ${t.text}`);
      }
      const args = this.arguments();
      if (args.length !== 1) {
        throw validation(
          `Invalid ${this.kind}: Incorrect number of operands for operator or function; operator or function: size, number of operands: ${args.length}`,
        );
      }
      const [arg] = args;
      if (arg?.kind !== 'path') {
        throw validation(
          `Invalid ${this.kind}: Operator or function requires a document path; operator or function: size`,
        );
      }
      return { kind: 'size', path: arg.path };
    }
    if (t.type === 'ident' || t.type === 'name') return { kind: 'path', path: this.path() };
    throw this.fail(t);
  }

  // -- update expressions

  update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seen = new Set<string>();
    while (this.peek.type !== 'eof') {
      const t = this.next();
      const clause = t.type === 'ident' ? t.text.toUpperCase() : '';
      if (clause !== 'SET' && clause !== 'REMOVE' && clause !== 'ADD' && clause !== 'DELETE')
        throw this.fail(t);
      if (seen.has(clause)) {
        throw validation(
          `Invalid UpdateExpression: The "${clause}" section can only be used once in an update expression;`,
        );
      }
      seen.add(clause);
      do {
        if (actions.length > 0 && this.peek.text === ',') this.next();
        actions.push(this.updateAction(clause));
      } while (this.peek.text === ',');
    }
    return actions;
  }

  updateAction(clause: UpdateAction['clause']): UpdateAction {
    const path = this.path();
    if (clause === 'REMOVE') return { clause, path };
    if (clause === 'SET') {
      this.expect('=');
      return { clause, path, value: this.setValue() };
    }
    const t = this.next();
    if (t.type !== 'value') throw this.fail(t);
    const value = this.refs.value(t.text, this.kind);
    const type = typeOf(value);
    const allowed = clause === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS'];
    if (!allowed.includes(type)) {
      throw validation(
        `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ${clause}, operand type: ${typeLabel(value)}`,
      );
    }
    return { clause, path, value: { kind: 'value', value, ref: t.text } };
  }

  setValue(): Operand {
    const a = this.setOperand();
    const op = this.peek.text;
    if (op === '+' || op === '-') {
      this.next();
      const b = this.setOperand();
      this.checkLiteralTypes(op, [a, b], 'N');
      return { kind: 'arith', op, a, b };
    }
    return a;
  }

  /** Literal operands of `+`, `-` and list_append are type-checked when the expression is parsed. */
  checkLiteralTypes(name: string, operands: readonly Operand[], type: string): void {
    for (const o of operands) {
      if (o.kind === 'value' && typeOf(o.value) !== type) {
        throw validation(
          `Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${typeOf(o.value)}`,
        );
      }
    }
  }

  setOperand(): Operand {
    const t = this.peek;
    if (t.type === 'value') {
      this.next();
      return { kind: 'value', value: this.refs.value(t.text, this.kind), ref: t.text };
    }
    if (t.type === 'ident' && this.peekAt(1).text === '(') {
      this.next();
      if (!UPDATE_FUNCTIONS.has(t.text)) {
        throw validation(`Invalid UpdateExpression: Invalid function name; function: ${t.text}`);
      }
      this.expect('(');
      const first = this.setValue();
      this.expect(',');
      const second = this.setValue();
      this.expect(')');
      if (t.text === 'list_append') this.checkLiteralTypes('list_append', [first, second], 'L');
      if (t.text === 'if_not_exists') {
        if (first.kind !== 'path') {
          throw validation(
            'Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists',
          );
        }
        return { kind: 'if_not_exists', path: first.path, fallback: second };
      }
      return { kind: 'list_append', a: first, b: second };
    }
    if (t.type === 'ident' || t.type === 'name') return { kind: 'path', path: this.path() };
    throw this.fail(t);
  }
}

const typeLabel = (v: AttributeValue): string =>
  ({
    S: 'STRING',
    N: 'NUMBER',
    B: 'BINARY',
    SS: 'SS',
    NS: 'NS',
    BS: 'BS',
    M: 'MAP',
    L: 'LIST',
    NULL: 'NULL',
    BOOL: 'BOOLEAN',
  })[typeOf(v)];

const scalarText = (v: AttributeValue): string => String((v as Record<string, unknown>)[typeOf(v)]);

// ---------------------------------------------------------------------------------------------
// Public parse functions

export const parseCondition = (source: string, kind: ExpressionKind, refs: Placeholders): Condition => {
  const p = new Parser(source, kind, refs);
  const c = p.condition();
  p.end();
  return c;
};

export const parseProjection = (source: string, refs: Placeholders): Path[] => {
  const p = new Parser(source, 'ProjectionExpression', refs);
  const paths = [p.path()];
  while (p.peek.text === ',') {
    p.next();
    paths.push(p.path());
  }
  p.end();
  checkOverlaps(paths, 'ProjectionExpression');
  return paths;
};

export const parseUpdate = (source: string, refs: Placeholders): UpdateAction[] => {
  const p = new Parser(source, 'UpdateExpression', refs);
  const actions = p.update();
  checkOverlaps(
    actions.map((a) => a.path),
    'UpdateExpression',
  );
  return actions;
};

export const pathText = (path: Path): string =>
  path.map((e, i) => (typeof e === 'number' ? `[${e}]` : i === 0 ? e : `.${e}`)).join('');

const checkOverlaps = (paths: readonly Path[], kind: ExpressionKind): void => {
  for (let i = 0; i < paths.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = paths[j] as Path;
      const b = paths[i] as Path;
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((e, k) => e === b[k])) {
        throw validation(
          `Invalid ${kind}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${a.join(', ')}], path two: [${b.join(', ')}]`,
        );
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Evaluation

export const resolvePath = (item: Item, path: Path): AttributeValue | undefined => {
  let current: AttributeValue | undefined = { M: item };
  for (const element of path) {
    if (current === undefined) return undefined;
    const c = current as { L?: AttributeValue[]; M?: Item };
    if (typeof element === 'number') current = c.L?.[element];
    else current = c.M && Object.hasOwn(c.M, element) ? c.M[element] : undefined;
  }
  return current;
};

const operandValue = (item: Item, o: Operand): AttributeValue | undefined => {
  switch (o.kind) {
    case 'path':
      return resolvePath(item, o.path);
    case 'value':
      return o.value;
    case 'size':
      return sizeOf(resolvePath(item, o.path));
    default:
      return updateValue(item, o);
  }
};

const sizeOf = (v: AttributeValue | undefined): AttributeValue | undefined => {
  if (v === undefined) return undefined;
  let n: number | undefined;
  if ('S' in v) n = [...v.S].length;
  else if ('B' in v) n = Buffer.from(v.B, 'base64').length;
  else if ('SS' in v) n = v.SS.length;
  else if ('NS' in v) n = v.NS.length;
  else if ('BS' in v) n = v.BS.length;
  else if ('L' in v) n = v.L.length;
  else if ('M' in v) n = Object.keys(v.M).length;
  return n === undefined ? undefined : { N: String(n) };
};

const ordered = (a: AttributeValue, b: AttributeValue): boolean => {
  const t = typeOf(a);
  return t === typeOf(b) && (t === 'N' || t === 'S' || t === 'B');
};

const compare = (op: string, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean => {
  if (op === '<>') return a === undefined || b === undefined || !equalValues(a, b);
  if (a === undefined || b === undefined) return false;
  if (op === '=') return equalValues(a, b);
  if (!ordered(a, b)) return false;
  const c = compareScalar(a, b);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
};

const containsValue = (haystack: AttributeValue, needle: AttributeValue): boolean => {
  if ('S' in haystack) return 'S' in needle && haystack.S.includes(needle.S);
  if ('B' in haystack) {
    return 'B' in needle && Buffer.from(haystack.B, 'base64').includes(Buffer.from(needle.B, 'base64'));
  }
  if ('SS' in haystack) return 'S' in needle && haystack.SS.includes(needle.S);
  if ('BS' in haystack) return 'B' in needle && haystack.BS.includes(needle.B);
  if ('NS' in haystack) return 'N' in needle && haystack.NS.some((n) => equalValues({ N: n }, needle));
  if ('L' in haystack) return haystack.L.some((e) => equalValues(e, needle));
  return false;
};

const beginsWith = (a: AttributeValue | undefined, b: AttributeValue | undefined): boolean => {
  if (a === undefined || b === undefined) return false;
  if ('S' in a && 'S' in b) return a.S.startsWith(b.S);
  if ('B' in a && 'B' in b) {
    const x = Buffer.from(a.B, 'base64');
    const y = Buffer.from(b.B, 'base64');
    return x.subarray(0, y.length).equals(y);
  }
  return false;
};

const callFunction = (item: Item, name: string, args: readonly Operand[]): boolean => {
  const [first, second] = args as [Operand, Operand | undefined];
  const a = operandValue(item, first);
  switch (name) {
    case 'attribute_exists':
      return a !== undefined;
    case 'attribute_not_exists':
      return a === undefined;
    case 'attribute_type': {
      const t = second ? operandValue(item, second) : undefined;
      return a !== undefined && t !== undefined && 'S' in t && typeOf(a) === t.S;
    }
    case 'begins_with':
      return beginsWith(a, second ? operandValue(item, second) : undefined);
    default: {
      const b = second ? operandValue(item, second) : undefined;
      return a !== undefined && b !== undefined && containsValue(a, b);
    }
  }
};

/** Whether an item (or `{}` for a missing item) satisfies a condition. */
export const evaluate = (item: Item, c: Condition): boolean => {
  switch (c.kind) {
    case 'and':
      return evaluate(item, c.a) && evaluate(item, c.b);
    case 'or':
      return evaluate(item, c.a) || evaluate(item, c.b);
    case 'not':
      return !evaluate(item, c.a);
    case 'cmp':
      return compare(c.op, operandValue(item, c.a), operandValue(item, c.b));
    case 'between': {
      const v = operandValue(item, c.a);
      return compare('>=', v, operandValue(item, c.lo)) && compare('<=', v, operandValue(item, c.hi));
    }
    case 'in': {
      const v = operandValue(item, c.a);
      return v !== undefined && c.list.some((o) => compare('=', v, operandValue(item, o)));
    }
    default:
      return callFunction(item, c.name, c.args);
  }
};

// -- projection

/** The item with only the attributes (and nested elements) the paths name. */
export const project = (item: Item, paths: readonly Path[]): Item => {
  const out: { M: Item } = { M: {} };
  for (const path of paths) {
    const value = resolvePath(item, path);
    if (value === undefined) continue;
    let target: AttributeValue = out;
    for (let i = 0; i < path.length; i++) {
      const element = path[i] as string | number;
      const last = i === path.length - 1;
      const source = resolvePath(item, path.slice(0, i + 1)) as AttributeValue;
      const fresh: AttributeValue = last ? structuredClone(value) : 'L' in source ? { L: [] } : { M: {} };
      if ('M' in target) {
        target.M[element as string] ??= fresh;
        target = target.M[element as string] as AttributeValue;
      } else if ('L' in target) {
        target.L[element as number] ??= fresh;
        target = target.L[element as number] as AttributeValue;
      }
    }
  }
  return compact(out.M);
};

const compactValue = (v: AttributeValue): AttributeValue => {
  if ('L' in v) return { L: v.L.filter((e) => e !== undefined).map(compactValue) };
  if ('M' in v) return { M: compact(v.M) };
  return v;
};

const compact = (item: Item): Item =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, compactValue(v)]));

// -- updates

const badOperand = (): AwsError =>
  validation('An operand in the update expression has an incorrect data type');

const missingOperand = (): AwsError =>
  validation('The provided expression refers to an attribute that does not exist in the item');

const updateValue = (item: Item, o: Operand): AttributeValue => {
  switch (o.kind) {
    case 'value':
      return o.value;
    case 'path': {
      const v = resolvePath(item, o.path);
      if (v === undefined) throw missingOperand();
      return v;
    }
    case 'size':
      throw badOperand();
    case 'if_not_exists':
      return resolvePath(item, o.path) ?? updateValue(item, o.fallback);
    case 'list_append': {
      const a = updateValue(item, o.a);
      const b = updateValue(item, o.b);
      if (!('L' in a) || !('L' in b)) throw badOperand();
      return { L: [...a.L, ...b.L] };
    }
    default: {
      const a = updateValue(item, o.a);
      const b = updateValue(item, o.b);
      if (!('N' in a) || !('N' in b)) throw badOperand();
      return { N: formatDecimal(addDecimal(parseDecimal(a.N), parseDecimal(b.N), o.op === '-')) };
    }
  }
};

const invalidPath = (): AwsError =>
  validation('The document path provided in the update expression is invalid for update');

/** The container that holds the last element of a path, in the item being updated. */
const parentOf = (item: Item, path: Path): AttributeValue | undefined =>
  path.length === 1 ? { M: item } : resolvePath(item, path.slice(0, -1));

const setAt = (item: Item, path: Path, value: AttributeValue): void => {
  const parent = parentOf(item, path);
  const last = path[path.length - 1] as string | number;
  if (typeof last === 'number') {
    if (parent === undefined || !('L' in parent)) throw invalidPath();
    if (last >= parent.L.length) parent.L.push(value);
    else parent.L[last] = value;
  } else {
    if (parent === undefined || !('M' in parent)) throw invalidPath();
    parent.M[last] = value;
  }
};

const removeAt = (item: Item, path: Path): void => {
  const parent = parentOf(item, path);
  const last = path[path.length - 1] as string | number;
  if (parent === undefined) throw invalidPath();
  if (typeof last === 'number') {
    if (!('L' in parent)) throw invalidPath();
    if (last < parent.L.length) parent.L.splice(last, 1);
  } else {
    if (!('M' in parent)) throw invalidPath();
    delete parent.M[last];
  }
};

const setElements = (v: AttributeValue): string[] | undefined =>
  'SS' in v ? v.SS : 'NS' in v ? v.NS : 'BS' in v ? v.BS : undefined;

const sameElement = (type: string, a: string, b: string): boolean =>
  type === 'NS' ? equalValues({ N: a }, { N: b }) : a === b;

const addTo = (current: AttributeValue | undefined, value: AttributeValue): AttributeValue => {
  if (current === undefined) return value;
  const type = typeOf(value);
  if (typeOf(current) !== type) throw badOperand();
  if ('N' in current && 'N' in value) {
    return { N: formatDecimal(addDecimal(parseDecimal(current.N), parseDecimal(value.N))) };
  }
  const have = setElements(current) as string[];
  const merged = [...have];
  for (const e of setElements(value) as string[]) {
    if (!merged.some((m) => sameElement(type, m, e))) merged.push(e);
  }
  return { [type]: merged } as AttributeValue;
};

const deleteFrom = (current: AttributeValue, value: AttributeValue): AttributeValue | undefined => {
  const type = typeOf(value);
  if (typeOf(current) !== type) throw badOperand();
  const remove = setElements(value) as string[];
  const kept = (setElements(current) as string[]).filter((e) => !remove.some((r) => sameElement(type, r, e)));
  return kept.length === 0 ? undefined : ({ [type]: kept } as AttributeValue);
};

/**
 * Applies update actions to a copy of `item`. Every value is computed from the item as it was
 * before the update (as DynamoDB does). Returns the new item.
 */
export const applyUpdate = (item: Item, actions: readonly UpdateAction[]): Item => {
  const next = structuredClone(item);
  const values = actions.map((a) =>
    a.clause === 'SET' && a.value ? structuredClone(updateValue(item, a.value)) : undefined,
  );
  actions.forEach((action, i) => {
    switch (action.clause) {
      case 'SET':
        setAt(next, action.path, values[i] as AttributeValue);
        break;
      case 'REMOVE':
        removeAt(next, action.path);
        break;
      case 'ADD': {
        const value = (action.value as { value: AttributeValue }).value;
        setAt(next, action.path, addTo(resolvePath(next, action.path), value));
        break;
      }
      default: {
        const value = (action.value as { value: AttributeValue }).value;
        const current = resolvePath(next, action.path);
        if (current === undefined) break;
        const left = deleteFrom(current, value);
        if (left === undefined) removeAt(next, action.path);
        else setAt(next, action.path, left);
      }
    }
  });
  return next;
};
