import type { AwsError } from '../core/errors.js';
import type { AnyService, ProtocolName } from '../core/service.js';

/** A request as the router hands it to a protocol: no sockets, no streams. */
export interface WireRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The path, still percent-encoded, without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-cased header names; repeated headers joined with `,`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a protocol made of a request. `route` is protocol-private (REST: the route matched). */
export interface Decoded {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly route?: unknown;
}

/** A reply, ready for the wire (the server adds content-length and the request id header). */
export interface WireReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
}

/** One AWS wire protocol. Implementations are stateless objects; see `protocols/index.ts`. */
export interface Protocol {
  readonly name: ProtocolName;
  /**
   * Whether the request speaks this protocol to this service, judged from the request line and
   * headers alone (the body is not read yet: a refused body is never buffered).
   */
  accepts(service: AnyService, request: WireRequest): boolean;
  /** Operation name and plain input. Throws an AwsError (e.g. SerializationException) on garbage. */
  decode(service: AnyService, request: WireRequest, body: Buffer): Decoded;
  encodeResult(service: AnyService, request: Decoded, output: unknown, requestId: string): WireReply;
  /** The error in this protocol's envelope; `request` is absent when the request was never read. */
  encodeError(service: AnyService, error: AwsError, requestId: string, request?: WireRequest): WireReply;
  /** The largest body this protocol reads; the router's default (16 MiB) when absent. */
  readonly maxBodyBytes?: number;
  /** The error for a body over {@link maxBodyBytes} (size when known); the router's 413 when absent. */
  bodyTooLarge?(size: number | undefined): AwsError;
}
