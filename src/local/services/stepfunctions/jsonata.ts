/** The JSONata query language of Step Functions: `{% expression %}` strings, `$states`, variables. */
import jsonata from 'jsonata';
import { StatesError } from './paths.js';

const EXPR = /^\{%([\s\S]*)%\}$/;

export const isExpression = (v: unknown): v is string => typeof v === 'string' && EXPR.test(v);

/** `$states` and the variables visible to an expression. */
export interface JsonataScope {
  readonly states: Record<string, unknown>;
  readonly variables: Readonly<Record<string, unknown>>;
}

const cache = new Map<string, ReturnType<typeof jsonata>>();

const compile = (expr: string): ReturnType<typeof jsonata> => {
  let compiled = cache.get(expr);
  if (!compiled) {
    try {
      compiled = jsonata(expr);
    } catch (err) {
      throw new StatesError('States.QueryEvaluationError', `${(err as Error).message} in '${expr}'`);
    }
    if (cache.size > 500) cache.clear();
    cache.set(expr, compiled);
  }
  return compiled;
};

/** Checks that an expression parses (for definition validation); the parser's message or undefined. */
export const syntaxError = (text: string): string | undefined => {
  const m = EXPR.exec(text);
  try {
    jsonata((m?.[1] ?? text).trim());
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

const evaluateOne = async (text: string, scope: JsonataScope): Promise<unknown> => {
  const expr = (EXPR.exec(text)?.[1] ?? '').trim();
  const compiled = compile(expr);
  let value: unknown;
  try {
    value = await compiled.evaluate(scope.states.input, { ...scope.variables, states: scope.states });
  } catch (err) {
    throw new StatesError(
      'States.QueryEvaluationError',
      `An error occurred while evaluating the expression '${expr}': ${(err as Error).message}`,
    );
  }
  if (value === undefined) {
    throw new StatesError(
      'States.QueryEvaluationError',
      `The JSONata expression '${expr}' returned nothing (undefined).`,
    );
  }
  return JSON.parse(JSON.stringify(value));
};

/** Evaluates every `{% %}` string inside a value (objects and arrays walked; others kept). */
export const evaluateTemplate = async (template: unknown, scope: JsonataScope): Promise<unknown> => {
  if (isExpression(template)) return await evaluateOne(template, scope);
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (const t of template) out.push(await evaluateTemplate(t, scope));
    return out;
  }
  if (typeof template === 'object' && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = await evaluateTemplate(v, scope);
    return out;
  }
  return template;
};
