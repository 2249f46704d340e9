import type { CompiledEventPattern } from '../../../events/pattern.js';
import type { Emulator } from '../../core/emulator.js';
import type { FunctionInvocation } from './invoke.js';
import type { LambdaState } from './state.js';

/** An event source mapping: its AWS-shaped configuration and its running poller. */
export interface EventSourceMapping {
  readonly uuid: string;
  /** The configuration as GetEventSourceMapping returns it (State computed on read). */
  readonly config: Record<string, unknown>;
  readonly kind: 'sqs' | 'kinesis' | 'dynamodb';
  /** Aborted to stop the poller (disable, delete, emulator close). */
  stop: AbortController | undefined;
  filters: CompiledEventPattern[];
}

/** What a poller needs: the mapping, how to invoke its function, and where it runs. */
export interface PollerContext {
  readonly emulator: Emulator;
  readonly state: LambdaState;
  readonly mapping: EventSourceMapping;
  readonly region: string;
  readonly signal: AbortSignal;
  /**
   * Invokes the mapping's function synchronously; undefined when throttled or gone. A sampled
   * `traceHeader` (an SQS message's AWSTraceHeader) makes the invocation part of that trace.
   */
  invoke(event: unknown, traceHeader?: string): Promise<FunctionInvocation | undefined>;
  /** True when the record passes the mapping's FilterCriteria (or there are none). */
  matches(record: unknown): boolean;
  /** Updates LastProcessingResult. */
  result(text: string): void;
}
