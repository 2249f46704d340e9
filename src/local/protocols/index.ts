/**
 * The AWS wire protocols, one module each, behind one interface ({@link Protocol}).
 *
 * The router (`server.ts`) reads the SigV4 credential scope to find the service (falling back to
 * the `X-Amz-Target` prefix for unsigned JSON requests), then asks each protocol the service
 * speaks, in the service's order, whether it {@link Protocol.accepts} the request: from the
 * request line and headers only, so a body can be refused before it is read. The chosen protocol
 * decodes the request into `{ operation, input }` (a plain object: services never see HTTP), the
 * emulator runs the operation, and the same protocol encodes the result or the AwsError in its
 * envelope. A request no protocol accepts gets UnknownOperationException in the envelope of the
 * service's first protocol.
 *
 * Declaring a service (`core/service.ts`, `ServiceDefinition`):
 * - `json` (AWS JSON 1.0/1.1): `targetPrefix` and `jsonVersion`. Input and output are the JSON.
 * - `query` (form in, XML out): `query: QueryShapes` - the XML namespace plus hints for the one
 *   shared decoder/encoder (renamed flattened members, flattened maps, booleans, numbers, and
 *   flattened output lists). No per-service codec code.
 * - `rest-json` (and `rest-xml`): `rest: RestRoute[]` - method, path template (`{Name}`,
 *   `{Key+}`), success status, and bindings: `input: { InvocationType: { header:
 *   'x-amz-invocation-type' }, Payload: { payload: true }, MaxItems: { query: 'max-items' } }` (a
 *   bound payload arrives as the raw body Buffer), `output: { StatusCode: { status: true },
 *   FunctionError: { header: 'x-amz-function-error' }, Payload: { payload: true } }` (a payload
 *   that is a Uint8Array or string is written as is).
 * - `protocols`: the protocols it speaks, preferred first; inferred from the fields above when
 *   absent. The operation context says which one a request came in on (`ctx.protocol`) and the
 *   base URL the client used (`ctx.endpoint`), never the headers.
 *
 * Adding a protocol: one module implementing {@link Protocol}, one line in {@link protocols}. A REST
 * protocol reuses `rest.ts` (route matching, `restInput`, `restReply`) with its own document codec
 * and error envelope; `accepts` may look at any header (S3: the `host` for virtual-hosted buckets).
 *
 * Porting a service written against the older definition: JSON services need no change (the
 * protocol is inferred from `targetPrefix`/`jsonVersion`); an operation that read `ctx.headers`
 * declares bindings on its route instead and reads the input member (`ctx.traceHeader` and
 * `ctx.endpoint` stay); a query codec becomes `QueryShapes` hints.
 */
import type { AnyService, ProtocolName } from '../core/service.js';
import { jsonProtocol } from './json.js';
import { queryProtocol } from './query.js';
import { restJsonProtocol } from './rest-json.js';
import { restXmlProtocol } from './rest-xml.js';
import type { Protocol } from './types.js';

export type { Decoded, Protocol, WireReply, WireRequest } from './types.js';

/** Every protocol module, by name. */
// biome-ignore format: one line per protocol keeps additions conflict-free
export const protocols: Partial<Record<ProtocolName, Protocol>> = {
  json: jsonProtocol,
  query: queryProtocol,
  'rest-json': restJsonProtocol,
  'rest-xml': restXmlProtocol,
};

/** The protocols a service speaks, preferred first (declared, or inferred from its fields). */
export const protocolsOf = (service: AnyService): Protocol[] => {
  const names: ProtocolName[] = service.protocols
    ? [...service.protocols]
    : [
        ...(service.targetPrefix !== undefined || service.jsonVersion !== undefined
          ? (['json'] as const)
          : []),
        ...(service.query ? (['query'] as const) : []),
        ...(service.rest ? (['rest-json'] as const) : []),
      ];
  return names.map((name) => {
    const protocol = protocols[name];
    if (!protocol) throw new Error(`service ${service.signingName}: no protocol module for "${name}"`);
    return protocol;
  });
};
