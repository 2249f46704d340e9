import type { Operation } from './context.js';

export type ProtocolName = 'json' | 'query' | 'rest-json';

/** A resource as the Resource Groups Tagging API sees it. */
export interface TaggedResource {
  readonly arn: string;
  /** `service` or `service:type`, as in ResourceTypeFilters: `sqs`, `events:rule`, `sns`, ... */
  readonly resourceType: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Lets the tagging API see and change a service's tags without knowing its state. */
export interface TaggingHooks<S> {
  list(state: S): TaggedResource[];
  /** Returns false when the ARN is not a resource of this service. */
  tag(state: S, arn: string, tags: Record<string, string>): boolean;
  untag(state: S, arn: string, keys: string[]): boolean;
}

/** Query-protocol codec for a service that speaks it (form-encoded in, XML out). */
export interface QueryCodec {
  /** XML namespace of responses, e.g. `http://queue.amazonaws.com/doc/2012-11-05/`. */
  readonly xmlns: string;
  /** Turns flattened form parameters (minus Action/Version) into the operation's JSON-shaped input. */
  decode(operation: string, params: Record<string, string>): Record<string, unknown>;
  /** Renders the operation's result as the XML that goes inside `<OpResult>` (may be empty). */
  encode(operation: string, output: unknown): string;
}

/** A REST route: method and path template with `{name}` (or `{name+}` greedy) segments. */
export interface RestRoute {
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  /** Success status, 200 by default. */
  readonly status?: number;
  /** The input member that receives the raw request body (instead of parsing it as JSON). */
  readonly payload?: string;
  /** Request headers (lower-case names) copied into input members, e.g. `x-amz-log-type` → `LogType`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An operation result sent as is: status, headers and a raw body (for REST operations whose
 * output is a payload with members in headers, like Lambda's Invoke).
 */
export class RawReply {
  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: string,
  ) {}
}

export interface ServiceDefinition<S = unknown> {
  /** The SigV4 signing name, as in the credential scope: `sqs`, `events`, `tagging`, ... */
  readonly signingName: string;
  /** For JSON protocols: the X-Amz-Target prefix, e.g. `AmazonSQS`, `AWSEvents`. */
  readonly targetPrefix?: string;
  /** `1.0` or `1.1` for JSON protocols. */
  readonly jsonVersion?: '1.0' | '1.1';
  readonly query?: QueryCodec;
  readonly rest?: readonly RestRoute[];
  /** Builds the empty state of one account+region. */
  createState(scope: { accountId: string; region: string }): S;
  readonly operations: Readonly<Record<string, Operation<S>>>;
  readonly tagging?: TaggingHooks<S>;
  /** Called when the emulator closes (timers, pending long polls). */
  dispose?(state: S): void;
}

/** Helper that keeps the state type when declaring a service. */
export const defineService = <S>(def: ServiceDefinition<S>): ServiceDefinition<S> => def;

/** A service of any state type (the registry holds services with different states). */
// biome-ignore lint/suspicious/noExplicitAny: the registry is heterogeneous by design; each service is typed where it is defined.
export type AnyService = ServiceDefinition<any>;
