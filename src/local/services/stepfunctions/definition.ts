/**
 * Definition checks: what CreateStateMachine refuses, with Step Functions' `InvalidDefinition`
 * message form (`Invalid State Machine Definition: 'CODE: detail at /path'`).
 */
import { AwsError } from '../../core/errors.js';
import { syntaxError } from './jsonata.js';
import { isIntrinsic, isValidPath } from './paths.js';
import { isKnownResource } from './tasks.js';

export type Json = Record<string, unknown>;

export interface MachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, Json>;
  readonly QueryLanguage?: string;
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
}

const TYPES = ['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];
const PATH_FIELDS = ['InputPath', 'OutputPath', 'ResultPath', 'ItemsPath', 'SecondsPath', 'TimestampPath'];
const JSONPATH_ONLY = ['InputPath', 'OutputPath', 'ResultPath', 'Parameters', 'ResultSelector', 'ItemsPath'];
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Walks `.$` fields of a template, reporting those that are neither a path nor an intrinsic. */
const checkTemplate = (template: unknown, at: string, errors: string[]): void => {
  if (Array.isArray(template)) {
    for (const [i, t] of template.entries()) checkTemplate(t, `${at}[${i}]`, errors);
    return;
  }
  if (!isRecord(template)) return;
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$')) {
      const ok = typeof v === 'string' && (v.startsWith('$') ? isValidPath(v) : isIntrinsic(v));
      if (!ok) {
        errors.push(
          `SCHEMA_VALIDATION_FAILED: The value for the field '${k}' must be a valid JSONPath or a valid intrinsic function call at ${at}`,
        );
      }
    } else checkTemplate(v, `${at}/${k}`, errors);
  }
};

const checkExpressions = (value: unknown, at: string, errors: string[]): void => {
  if (typeof value === 'string' && value.startsWith('{%') && value.endsWith('%}')) {
    const problem = syntaxError(value);
    if (problem) errors.push(`SCHEMA_VALIDATION_FAILED: ${problem} at ${at}`);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkExpressions(v, `${at}[${i}]`, errors);
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) checkExpressions(v, `${at}/${k}`, errors);
  }
};

const checkTarget = (
  states: Json,
  target: unknown,
  at: string,
  errors: string[],
  reached: Set<string>,
): void => {
  if (typeof target !== 'string' || !Object.hasOwn(states, target)) {
    errors.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${String(target)} at ${at}`);
  } else reached.add(target);
};

const checkState = (
  name: string,
  state: Json,
  ctx: { states: Json; base: string; language: string; reached: Set<string>; errors: string[] },
): void => {
  const at = `${ctx.base}/States/${name}`;
  const { errors } = ctx;
  const type = state.Type;
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    errors.push(`SCHEMA_VALIDATION_FAILED: Value is not a valid state type: ${String(type)} at ${at}/Type`);
    return;
  }
  const language = typeof state.QueryLanguage === 'string' ? state.QueryLanguage : ctx.language;
  for (const field of language === 'JSONata' ? JSONPATH_ONLY : JSONATA_ONLY) {
    if (field in state) {
      errors.push(
        `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported by the ${language} query language at ${at}`,
      );
    }
  }
  if (language === 'JSONPath') {
    for (const f of PATH_FIELDS) {
      const v = state[f];
      if (v !== undefined && v !== null && (typeof v !== 'string' || !isValidPath(v))) {
        errors.push(`INVALID_JSON_PATH: Invalid JSON path in field '${f}': ${String(v)} at ${at}/${f}`);
      }
    }
    for (const f of ['Parameters', 'ResultSelector', 'ItemSelector', 'Assign']) {
      checkTemplate(state[f], `${at}/${f}`, errors);
    }
  } else checkExpressions(state, at, errors);
  const terminal = type === 'Succeed' || type === 'Fail' || type === 'Choice';
  if (!terminal) {
    if (state.End === true && state.Next !== undefined) {
      errors.push(`SCHEMA_VALIDATION_FAILED: The fields 'Next' and 'End' are mutually exclusive at ${at}`);
    } else if (state.End !== true) checkTarget(ctx.states, state.Next, `${at}/Next`, errors, ctx.reached);
  }
  for (const [i, c] of (Array.isArray(state.Catch) ? state.Catch : []).entries()) {
    checkTarget(ctx.states, (c as Json).Next, `${at}/Catch[${i}]/Next`, errors, ctx.reached);
  }
  if (type === 'Choice') {
    const choices = Array.isArray(state.Choices) ? state.Choices : [];
    if (choices.length === 0) {
      errors.push(`SCHEMA_VALIDATION_FAILED: The field 'Choices' should be non-empty at ${at}/Choices`);
    }
    for (const [i, c] of choices.entries()) {
      checkTarget(ctx.states, (c as Json).Next, `${at}/Choices[${i}]/Next`, errors, ctx.reached);
    }
    if (state.Default !== undefined) {
      checkTarget(ctx.states, state.Default, `${at}/Default`, errors, ctx.reached);
    }
  }
  if (type === 'Task') {
    if (typeof state.Resource !== 'string' || !isKnownResource(state.Resource)) {
      errors.push(
        `SCHEMA_VALIDATION_FAILED: The resource provided ${String(state.Resource)} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region. at ${at}/Resource`,
      );
    }
  }
  if (type === 'Parallel') {
    const branches = Array.isArray(state.Branches) ? state.Branches : [];
    if (branches.length === 0) {
      errors.push(`SCHEMA_VALIDATION_FAILED: The field 'Branches' should be non-empty at ${at}`);
    }
    for (const [i, b] of branches.entries()) {
      checkMachine(b, `${at}/Branches[${i}]`, language, errors);
    }
  }
  if (type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    const field = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
    if (isRecord(processor) && isRecord(processor.ProcessorConfig)) {
      if (processor.ProcessorConfig.Mode === 'DISTRIBUTED') {
        errors.push(
          `UNSUPPORTED_FEATURE: Distributed Map (ProcessorConfig.Mode DISTRIBUTED) is not supported by the eventprobe emulator; use an inline Map at ${at}/${field}/ProcessorConfig`,
        );
      }
    }
    checkMachine(processor, `${at}/${field}`, language, errors);
  }
};

const checkMachine = (def: unknown, base: string, language: string, errors: string[]): void => {
  if (!isRecord(def)) {
    errors.push(`SCHEMA_VALIDATION_FAILED: Expected an object at ${base || '/'}`);
    return;
  }
  const lang = typeof def.QueryLanguage === 'string' ? def.QueryLanguage : language;
  if (lang !== 'JSONPath' && lang !== 'JSONata') {
    errors.push(
      `SCHEMA_VALIDATION_FAILED: Value is not one of the allowed values [JSONPath, JSONata] at ${base}/QueryLanguage`,
    );
    return;
  }
  const states = def.States;
  if (!isRecord(states) || Object.keys(states).length === 0) {
    errors.push(`SCHEMA_VALIDATION_FAILED: The field 'States' is required and must be non-empty at ${base}`);
    return;
  }
  const reached = new Set<string>();
  if (typeof def.StartAt !== 'string' || !Object.hasOwn(states, def.StartAt)) {
    errors.push(
      `MISSING_TRANSITION_TARGET: Missing 'Next' target: ${String(def.StartAt)} at ${base}/StartAt`,
    );
  } else reached.add(def.StartAt);
  for (const [name, state] of Object.entries(states)) {
    if (!isRecord(state)) {
      errors.push(`SCHEMA_VALIDATION_FAILED: Expected an object at ${base}/States/${name}`);
      continue;
    }
    checkState(name, state, { states, base, language: lang, reached, errors });
  }
  for (const name of Object.keys(states)) {
    if (!reached.has(name)) {
      errors.push(`MISSING_TRANSITION_TARGET: State "${name}" is not reachable. at ${base}/States/${name}`);
    }
  }
};

const invalid = (detail: string): AwsError =>
  new AwsError('InvalidDefinition', `Invalid State Machine Definition: '${detail}'`, 400);

/** Parses and checks a definition; throws InvalidDefinition listing every problem found. */
export const parseDefinition = (text: unknown): MachineDefinition => {
  if (typeof text !== 'string') throw invalid('SCHEMA_VALIDATION_FAILED: The definition is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`INVALID_JSON_DESCRIPTION: ${(err as Error).message}`);
  }
  const errors: string[] = [];
  checkMachine(parsed, '', 'JSONPath', errors);
  if (errors.length > 0) throw invalid(errors.join(', '));
  return parsed as MachineDefinition;
};
