import { randomBytes } from 'node:crypto';

/** The names of the resources one run of a test file creates. */
export interface RunNames {
  /** What every name of this run starts with, e.g. `t3fa9c2d1-`. */
  readonly prefix: string;
  /** `<prefix><base>`: the same base gives the same name for the whole run. */
  name(base: string): string;
}

/**
 * Per-run resource names: a prefix of random hex digits that no other run shares, so test files run
 * in parallel against one endpoint (EVENTPROBE_TEST_ENDPOINT), or a run repeated against an endpoint
 * that kept the last run's resources, never collide. The prefix (10 characters: a letter, 8 hex
 * digits, `-`) keeps names valid wherever the base is (SQS, SNS, Kinesis, EventBridge, DynamoDB),
 * and names of one run sort together, after the prefix itself.
 */
export const runNames = (): RunNames => {
  const prefix = `t${randomBytes(4).toString('hex')}-`;
  return { prefix, name: (base) => `${prefix}${base}` };
};
