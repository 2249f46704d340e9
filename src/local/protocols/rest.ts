import { AwsError } from '../core/errors.js';
import type { AnyService, RestRoute } from '../core/service.js';
import type { Decoded, WireReply, WireRequest } from './types.js';

export interface RestMatch {
  readonly route: RestRoute;
  readonly params: Record<string, string>;
}

const compile = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split('/')
      .map((seg) => {
        const m = /^\{(\w+)(\+?)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        return m[2] === '+' ? `(?<${m[1]}>.+)` : `(?<${m[1]}>[^/]+)`;
      })
      .join('/')}/?$`,
  );

const cache = new WeakMap<RestRoute, RegExp>();

const decodePathParam = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new AwsError(
      'SerializationException',
      `The path segment "${value}" is not valid percent-encoding.`,
      400,
    );
  }
};

/** Finds the route for a method and a path (without query string); decodes path parameters. */
export const matchRoute = (
  routes: readonly RestRoute[],
  method: string,
  path: string,
): RestMatch | undefined => {
  for (const route of routes) {
    if (route.method !== method) continue;
    let re = cache.get(route);
    if (!re) {
      re = compile(route.path);
      cache.set(route, re);
    }
    const m = re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodePathParam(v);
    return { route, params };
  }
  return undefined;
};

/** Query parameters: a repeated one (e.g. `tagKeys`) becomes a list. */
const queryObject = (query: URLSearchParams): Record<string, string | string[]> => {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of query) {
    if (k === '__proto__') continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
};

/**
 * The input of a REST operation: unbound query parameters, then the document body's members (unless
 * the body is bound as the payload), then bound headers/query parameters/payload, then path parameters.
 */
export const restInput = (
  match: RestMatch,
  request: WireRequest,
  body: Buffer,
  parseDocument: (body: Buffer) => Record<string, unknown>,
): Record<string, unknown> => {
  const bindings = Object.entries(match.route.input ?? {});
  const hasPayload = bindings.some(([, b]) => 'payload' in b);
  const input: Record<string, unknown> = {
    ...queryObject(request.query),
    ...(hasPayload ? {} : parseDocument(body)),
  };
  for (const [member, binding] of bindings) {
    if ('header' in binding) {
      const value = request.headers[binding.header.toLowerCase()];
      if (value !== undefined) input[member] = value;
    } else if ('query' in binding) {
      delete input[binding.query];
      const values = request.query.getAll(binding.query);
      if (values.length > 0) input[member] = values.length === 1 ? values[0] : values;
    } else if ('payload' in binding) {
      input[member] = body;
    }
  }
  return { ...input, ...match.params };
};

/**
 * A REST result: members bound to the status code and headers go there, a bound payload is the
 * body (bytes as they are, anything else through `document`), the rest is the document body.
 */
export const restReply = (
  decoded: Decoded,
  output: unknown,
  document: { contentType: string; encode(value: Record<string, unknown>): string },
): WireReply => {
  const route = decoded.route as RestRoute | undefined;
  const out = { ...((output ?? {}) as Record<string, unknown>) };
  let status = route?.status ?? 200;
  const headers: Record<string, string> = { 'content-type': document.contentType };
  let body: string | Uint8Array | undefined;
  for (const [member, binding] of Object.entries(route?.output ?? {})) {
    const value = out[member];
    delete out[member];
    if (value === undefined || value === null) continue;
    if ('status' in binding) status = Number(value);
    else if ('header' in binding) headers[binding.header.toLowerCase()] = String(value);
    else if ('payload' in binding) {
      if (value instanceof Uint8Array) {
        body = value;
        headers['content-type'] = 'application/octet-stream';
      } else if (typeof value === 'string') body = value;
      else body = document.encode(value as Record<string, unknown>);
    }
  }
  return { status, headers, body: body ?? document.encode(out) };
};

/** The route of a request for a service's REST routes, matched on method and (raw) path. */
export const restMatch = (service: AnyService, request: WireRequest): RestMatch | undefined =>
  service.rest ? matchRoute(service.rest, request.method, request.path) : undefined;
