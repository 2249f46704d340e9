import type { Operation } from './context.js';

/** The AWS wire protocols the emulator speaks; each is one module in `local/protocols/`. */
export type ProtocolName = 'json' | 'query' | 'rest-json' | 'rest-xml';

export type { TaggedResource } from './tagged.js';

import type { XmlElement, XmlValue } from '../protocols/xml-document.js';
import type { TaggedResource } from './tagged.js';

/** Lets the tagging API see and change a service's tags without knowing its state. */
export interface TaggingHooks<S> {
  list(state: S): TaggedResource[];
  /** Returns false when the ARN is not a resource of this service. */
  tag(state: S, arn: string, tags: Record<string, string>): boolean;
  untag(state: S, arn: string, keys: string[]): boolean;
}

/**
 * What the query protocol needs to know about a service's shapes (form-encoded in, XML out). The
 * decoder and encoder are shared (`protocols/query.ts`); these are only the hints.
 */
export interface QueryShapes {
  /** XML namespace of responses, e.g. `http://queue.amazonaws.com/doc/2012-11-05/`. */
  readonly xmlns: string;
  /** Wire member → input member for flattened members (SQS: `AttributeName` → `AttributeNames`). */
  readonly rename?: Readonly<Record<string, string>>;
  /** Per-operation renames, applied before `rename` (SQS CreateQueue: `Tag` → `tags`). */
  readonly renameIn?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Flattened maps: wire member → its key and value member names (SQS: `Attribute` →
   * `['Name', 'Value']`). `X.entry.N.key/value` maps need no hint.
   */
  readonly maps?: Readonly<Record<string, readonly [string, string]>>;
  /** Members read as booleans (`"true"` → true) and as numbers. */
  readonly booleans?: readonly string[];
  readonly numbers?: readonly string[];
  /** Output: list or map members written flattened, each item as the named element (SQS). */
  readonly flatOut?: Readonly<Record<string, string>>;
  /** Per-operation `flatOut` overrides (SQS batch results). */
  readonly flatOutIn?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Output element → the order of its members, as AWS writes them (the rest follow). */
  readonly orderOut?: Readonly<Record<string, readonly string[]>>;
  /** Operations whose empty result is still written as an (empty) `<OpResult>` element. */
  readonly emptyResult?: readonly string[];
  /** Output maps: member → key and value element names. Default `key`/`value` in `<entry>`. */
  readonly mapsOut?: Readonly<Record<string, readonly [string, string]>>;
}

/** @deprecated the old name of {@link QueryShapes}. */
export type QueryCodec = QueryShapes;

/**
 * What the REST-XML protocol needs to know about a service's documents (S3). The routing, the
 * header and query bindings, the parser and the writer are shared (`protocols/rest-xml.ts`,
 * `protocols/xml-document.ts`); these are only the hints.
 */
export interface RestXmlShapes {
  /** XML namespace of result documents, e.g. `http://s3.amazonaws.com/doc/2006-03-01/`. */
  readonly xmlns: string;
  /** Operation → the input member that holds its request document, and that document's decoder. */
  readonly payloads?: Readonly<Record<string, readonly [string, (root: XmlElement) => unknown]>>;
  /**
   * Operations whose body is not a document: the input member it goes to, as raw bytes (a Buffer)
   * or as UTF-8 text (S3: `PutObject` → `['Body', 'bytes']`, `PutBucketPolicy` → `['Policy', 'text']`).
   */
  readonly rawBodies?: Readonly<Record<string, readonly [string, 'bytes' | 'text']>>;
}

/** What a REST-XML operation returns: header-bound members by their SDK names, and raw bytes or a document. */
export interface RestXmlResult {
  readonly [member: string]: unknown;
  readonly Body?: Buffer;
  readonly Xml?: { readonly root: string; readonly value: XmlValue };
}

/**
 * Where a REST operation's input member comes from, or where an output member goes: a header, a
 * query parameter, the status code, or the whole body (`payload`: raw bytes as a Buffer on input,
 * a Buffer/Uint8Array/string written as is, or anything else as the protocol's document, on output).
 */
export type RestBinding =
  | { readonly header: string }
  | { readonly query: string }
  | { readonly payload: true }
  | { readonly status: true };

/** A REST route: method and path template with `{name}` (or `{name+}` greedy) segments. */
export interface RestRoute {
  readonly method: string;
  readonly path: string;
  readonly operation: string;
  /** Success status, 200 by default. */
  readonly status?: number;
  /**
   * Input members bound to headers, query parameters or the raw body. Unbound query parameters and
   * the document body's members are merged into the input as well; path parameters by name.
   */
  readonly input?: Readonly<Record<string, RestBinding>>;
  /** Output members written as headers, the status code or the raw body instead of the document. */
  readonly output?: Readonly<Record<string, RestBinding>>;
}

export interface ServiceDefinition<S = unknown> {
  /** The SigV4 signing name, as in the credential scope: `sqs`, `events`, `tagging`, ... */
  readonly signingName: string;
  /**
   * The wire protocols this service speaks, the preferred first (its envelope carries errors for
   * requests no protocol recognises). Default: inferred, `json` when `targetPrefix` is set, then
   * `query` when `query` is, then `rest-json` when `rest` is.
   */
  readonly protocols?: readonly ProtocolName[];
  /** For JSON protocols: the X-Amz-Target prefix, e.g. `AmazonSQS`, `AWSEvents`. */
  readonly targetPrefix?: string;
  /** `1.0` or `1.1` for JSON protocols. */
  readonly jsonVersion?: '1.0' | '1.1';
  readonly query?: QueryShapes;
  readonly rest?: readonly RestRoute[];
  /** For the REST-XML protocol (S3): its document hints. */
  readonly restXml?: RestXmlShapes;
  /** Builds the empty state of one account+region. */
  createState(scope: { accountId: string; region: string }): S;
  readonly operations: Readonly<Record<string, Operation<S>>>;
  readonly tagging?: TaggingHooks<S>;
  /** Called when the emulator closes or resets (timers, pending long polls). */
  dispose?(state: S): void;
  /**
   * A JSON-ready view of the state for `GET /_eventprobe/state` (what a failed test attaches).
   * Default: none (the service is listed with no resources).
   */
  snapshot?(state: S, now: number): unknown;
  /**
   * Persistence (`dataDir`): `save` returns JSON-ready data, `load` rebuilds the state from it.
   * Default: the generic serialiser of `core/persist.ts` (Maps, Sets, Dates, Buffers, bigints;
   * functions and promises are skipped: a `load` that rebuilds them can start from `fromJsonState`).
   */
  save?(state: S): unknown;
  load?(scope: { accountId: string; region: string }, data: unknown): S;
}

/** Helper that keeps the state type when declaring a service. */
export const defineService = <S>(def: ServiceDefinition<S>): ServiceDefinition<S> => def;

/** A service of any state type (the registry holds services with different states). */
// biome-ignore lint/suspicious/noExplicitAny: the registry is heterogeneous by design; each service is typed where it is defined.
export type AnyService = ServiceDefinition<any>;
