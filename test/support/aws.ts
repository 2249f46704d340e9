import { type LocalAws, type LocalAwsOptions, startLocalAws } from '../../src/local/index.js';

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
  close(): Promise<void>;
}

export const externalEndpoint = process.env.EVENTPROBE_TEST_ENDPOINT;
/** Reason to skip emulator-only tests, or undefined when running on the local emulator. */
export const emulatorOnly = externalEndpoint
  ? `needs the local emulator's controls; EVENTPROBE_TEST_ENDPOINT=${externalEndpoint} is set`
  : undefined;

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
      close: async () => {},
    };
  }
  const local = await startLocalAws({ port: 0, ...options });
  return {
    endpoint: local.endpoint,
    region,
    clientConfig: {
      region,
      endpoint: local.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    },
    local,
    close: () => local.close(),
  };
};
