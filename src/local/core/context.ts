import type { Emulator } from './emulator.js';

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
  /** Request headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The emulator: clock, other services' state, cross-service delivery. */
  readonly emulator: Emulator;
}

/** An operation: input in (already decoded from the wire), output out (encoded by the protocol). */
export type Operation<S> = (input: Record<string, unknown>, ctx: OpContext<S>) => unknown;
