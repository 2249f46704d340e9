// CONTRACT STUB — the pattern-matcher helper replaces this file with the real implementation.
import { InvalidEventPatternError } from '../errors.js';

/** A pattern checked once, applied to many events. */
export type CompiledEventPattern = (event: unknown) => boolean;

/** Validates a pattern as EventBridge does; throws InvalidEventPatternError with AWS's reason. */
export const compileEventPattern = (pattern: string | object): CompiledEventPattern => {
  throw new InvalidEventPatternError(`not implemented yet: ${typeof pattern}`);
};

/** True when `event` matches `pattern`, exactly as EventBridge's TestEventPattern answers. */
export const testEventPattern = (pattern: string | object, event: string | object): boolean =>
  compileEventPattern(pattern)(typeof event === 'string' ? JSON.parse(event) : event);
