/**
 * Validation helpers shared by every module (options, names, numbers). Depends on nothing but the
 * error classes, so the lowest layers (wait/, resources/) can use it without importing AWS clients.
 */
import { InvalidInputError } from './errors.js';

/** Checks that a number option is a positive finite number (or a whole number when asked). */
export const positiveNumber = (
  option: string,
  value: unknown,
  integer = false,
  /** Unit named in the hint, or null for a plain count. */
  unit: string | null = 'milliseconds',
): number => {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new InvalidInputError(
      `${option} must be a positive finite ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value) ?? String(value)}. ` +
        (unit === null
          ? 'Pass a whole number.'
          : `Pass a value in ${unit}${integer ? ' (a whole number)' : ''}.`),
      option,
    );
  }
  return value;
};
