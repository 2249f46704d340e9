/** Base class of every error eventprobe throws. */
export class EventProbeError extends Error {
  override name = 'EventProbeError';
}
