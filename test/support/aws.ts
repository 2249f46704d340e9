import { setTimeout as sleep } from 'node:timers/promises';
import { type LocalAws, type LocalAwsOptions, type Realism, startLocalAws } from '../../src/local/index.js';

/**
 * Where the integration suite runs. By default a fresh local emulator per test file (port 0).
 * With EVENTPROBE_TEST_ENDPOINT set (e.g. LocalStack, or `https://...` for real AWS with
 * EVENTPROBE_TEST_REAL_AWS=1 and credentials from the usual AWS env), the same tests run there;
 * tests that need emulator-only controls (faults, clocks) skip with a reason.
 */
export interface TestAws {
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Config to spread into any SDK v3 client constructor. */
  readonly clientConfig: {
    region: string;
    endpoint?: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  /** The in-process emulator, when the suite runs on it. */
  readonly local: LocalAws | undefined;
  /**
   * False when standard queues may reorder messages (the emulator under `realism`): tests that
   * compare the order of events from a standard queue compare them sorted then.
   */
  readonly keepsOrder: boolean;
  /** False when standard queues may deliver a message twice (the emulator under `realism`, and AWS). */
  readonly exactlyOnce: boolean;
  /**
   * Waits until EventBridge rules created or changed before the call match (the emulator's longest
   * rule delay under `realism`; at once otherwise). For a test's own rule plumbing; listeners have
   * readiness.
   */
  settleRules(): Promise<void>;
  close(): Promise<void>;
}

export const externalEndpoint = process.env.EVENTPROBE_TEST_ENDPOINT;
/** Reason to skip emulator-only tests, or undefined when running on the local emulator. */
export const emulatorOnly = externalEndpoint
  ? `needs the local emulator's controls; EVENTPROBE_TEST_ENDPOINT=${externalEndpoint} is set`
  : undefined;

/**
 * `EVENTPROBE_REALISM=aws` (or `off`, or a JSON object of RealismOptions) runs every emulator this
 * file starts with AWS's timing: the `integration-aws-timing` project sets it. A file's own options win.
 */
export const realismFromEnv = (value = process.env.EVENTPROBE_REALISM): LocalAwsOptions =>
  value === undefined || value === ''
    ? {}
    : { realism: value === 'aws' || value === 'off' ? value : (JSON.parse(value) as Realism) };

export const startTestAws = async (options: LocalAwsOptions = {}): Promise<TestAws> => {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  if (externalEndpoint) {
    return {
      endpoint: externalEndpoint,
      region,
      clientConfig: {
        region,
        endpoint: externalEndpoint,
        credentials: {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
          ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}),
        },
      },
      local: undefined,
      keepsOrder: true,
      exactlyOnce: true,
      settleRules: async () => {},
      close: async () => {},
    };
  }
  const local = await startLocalAws({ port: 0, ...realismFromEnv(), ...options });
  return {
    endpoint: local.endpoint,
    region,
    clientConfig: {
      region,
      endpoint: local.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    },
    local,
    keepsOrder: !local.emulator.realism.sqsReorder,
    exactlyOnce: local.emulator.realism.sqsDuplicateRate === 0,
    settleRules: () => sleep(local.emulator.realism.ruleDelayMs[1]),
    close: () => local.close(),
  };
};
