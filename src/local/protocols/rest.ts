import type { RestRoute } from '../core/service.js';

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
    for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
    return { route, params };
  }
  return undefined;
};
