/**
 * What a target receives: the whole event, a constant `Input`, the result of an `InputPath`, or an
 * `InputTransformer` applied as EventBridge does. Pure functions, no state.
 */

/** A JSONPath as EventBridge accepts it in InputPath and InputPathsMap: `$`, `$.a.b`, `$.a[0]`, `$['a b']`. */
export type JsonPath = readonly (string | number)[];

/** Parses a JSONPath; undefined when it is not one EventBridge accepts. */
export const parseJsonPath = (path: string): JsonPath | undefined => {
  if (!path.startsWith('$')) return undefined;
  const segments: (string | number)[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) return undefined;
      segments.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const m = /^\[(?:(\d+)|'([^']*)'|"([^"]*)")\]/.exec(path.slice(i));
      if (!m) return undefined;
      segments.push(m[1] !== undefined ? Number(m[1]) : ((m[2] ?? m[3]) as string));
      i += m[0].length;
    } else {
      return undefined;
    }
  }
  return segments;
};

/** The value at `path` in `value`, or `{ found: false }`. */
export const getPath = (value: unknown, path: JsonPath): { found: boolean; value?: unknown } => {
  let current: unknown = value;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
};

/** The variables EventBridge defines for every input template. */
export const PREDEFINED_VARIABLES = [
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
] as const;

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;

/** The placeholder names used in a template, in order of appearance (with repeats). */
export const templatePlaceholders = (template: string): string[] =>
  [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);

/** The EventBridge event envelope, as delivered to targets. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export interface TransformContext {
  readonly ruleName: string;
  readonly ruleArn: string;
  /** ISO 8601 time the event was accepted. */
  readonly ingestionTime: string;
}

export interface InputTransformerSpec {
  readonly InputPathsMap?: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

/** Positions of template characters that are inside a JSON string literal. */
const quotedRanges = (template: string): boolean[] => {
  const inside: boolean[] = new Array(template.length).fill(false);
  let quoted = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '\\' && quoted) {
      inside[i] = true;
      if (i + 1 < template.length) inside[i + 1] = true;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    inside[i] = quoted;
  }
  return inside;
};

const escapeInString = (text: string): string => JSON.stringify(text).slice(1, -1);

/** JSON text of an object or array with its string quotes removed, as EventBridge renders them inside strings. */
const unquotedJson = (value: unknown): string => JSON.stringify(value).replaceAll('"', '');

/**
 * Applies an InputTransformer to an event. Returns the body to deliver, or undefined when
 * EventBridge would deliver nothing (the template does not produce a valid payload).
 *
 * - In a JSON template (one that starts with `{` or `[`), a placeholder inside a string literal
 *   is replaced by the value's text (strings raw, numbers and booleans as written, missing paths
 *   as nothing); outside string literals by the value's JSON (missing paths as `null`). The result
 *   must be valid JSON.
 * - Any other template is text: strings, numbers and booleans are inserted as written; objects and
 *   arrays inside quotes as their JSON without quote marks (`{a:1}`, `[x,y]`); outside quotes an
 *   object or array makes the template fail.
 */
export const applyInputTransformer = (
  transformer: InputTransformerSpec,
  event: EventEnvelope,
  context: TransformContext,
): string | undefined => {
  const values = new Map<string, { found: boolean; value?: unknown }>();
  for (const [key, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    const parsed = parseJsonPath(path);
    values.set(key, parsed ? getPath(event, parsed) : { found: false });
  }
  const { detail: _detail, 'detail-type': detailType, ...rest } = event;
  values.set('aws.events.rule-arn', { found: true, value: context.ruleArn });
  values.set('aws.events.rule-name', { found: true, value: context.ruleName });
  values.set('aws.events.event.ingestion-time', { found: true, value: context.ingestionTime });
  values.set('aws.events.event', {
    found: true,
    value: {
      id: rest.id,
      account: rest.account,
      detailType,
      time: context.ingestionTime,
      source: rest.source,
      region: rest.region,
      resources: rest.resources,
      version: rest.version,
    },
  });
  values.set('aws.events.event.json', { found: true, value: event });

  const template = transformer.InputTemplate;
  const isJson = /^\s*[{[]/.test(template);
  const quoted = quotedRanges(template);
  let failed = false;
  const out = template.replace(PLACEHOLDER, (match: string, name: string, offset: number) => {
    const entry = values.get(name);
    if (!entry) return match;
    const inQuotes = quoted[offset] === true;
    const { found, value } = entry;
    const structured = value !== null && typeof value === 'object';
    if (inQuotes) {
      if (!found || value === null) return '';
      if (structured) {
        if (isJson) failed = true;
        return escapeInString(unquotedJson(value));
      }
      return escapeInString(String(value));
    }
    if (isJson) return found ? JSON.stringify(value) : 'null';
    if (!found || value === null) return '';
    if (structured) {
      failed = true;
      return '';
    }
    return String(value);
  });
  if (failed) return undefined;
  if (isJson) {
    try {
      JSON.parse(out);
    } catch {
      return undefined;
    }
  }
  return out;
};

/**
 * The body a target receives for an event: the target's constant Input as is, the JSON of the
 * InputPath result, the transformed template, or the whole event. Undefined when nothing is sent.
 */
export const targetBody = (
  target: {
    readonly Input?: string;
    readonly InputPath?: string;
    readonly InputTransformer?: InputTransformerSpec;
  },
  event: EventEnvelope,
  context: TransformContext,
): string | undefined => {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const path = parseJsonPath(target.InputPath);
    const result = path ? getPath(event, path) : { found: false };
    return result.found ? JSON.stringify(result.value) : undefined;
  }
  if (target.InputTransformer !== undefined)
    return applyInputTransformer(target.InputTransformer, event, context);
  return JSON.stringify(event);
};
