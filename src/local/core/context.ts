import type { Emulator } from './emulator.js';
import type { ProtocolName } from './service.js';

/** What an operation handler gets besides its input. Knows nothing of HTTP. */
export interface OpContext<S> {
  /** The state of this service in the caller's account and region. */
  readonly state: S;
  readonly accountId: string;
  readonly region: string;
  readonly service: string;
  readonly operation: string;
  readonly requestId: string;
  /** Cancelled when the client goes away or the emulator closes (long polls listen to it). */
  readonly signal: AbortSignal;
  /** The `X-Amzn-Trace-Id` request header, if the caller sent one. */
  readonly traceHeader: string | undefined;
  /** The wire protocol the request came in on; undefined for in-process calls between services. */
  readonly protocol: ProtocolName | undefined;
  /**
   * The base URL the client reached the emulator at (`http://127.0.0.1:4566`), for URLs a service
   * hands out (SQS queue URLs); undefined for in-process calls that did not pass one on.
   */
  readonly endpoint: string | undefined;
  /** The emulator: clock, other services' state, cross-service delivery. */
  readonly emulator: Emulator;
}

/** An operation: input in (already decoded from the wire), output out (encoded by the protocol). */
export type Operation<S> = (input: Record<string, unknown>, ctx: OpContext<S>) => unknown;
