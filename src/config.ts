import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { SchemasClient } from '@aws-sdk/client-schemas';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import {
  AwsConfigError,
  EndpointConnectionError,
  InvalidInputError,
  ProbeDisposedError,
  RequestTimeoutError,
} from './errors.js';
import { positiveNumber } from './validate.js';

export { positiveNumber } from './validate.js';

/** Static credentials or a provider, as the SDK takes them. */
export type CredentialsOption =
  | { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string }
  | (() => Promise<{
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
      expiration?: Date;
    }>);

/** The AWS clients a probe uses. Pass your own to share connection pools, middleware or mocks. */
export interface ProbeClients {
  readonly sqs: SQSClient;
  readonly eventBridge: EventBridgeClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
  readonly xray: XRayClient;
  readonly cloudFormation: CloudFormationClient;
  readonly sns: SNSClient;
  readonly kinesis: KinesisClient;
  readonly schemas: SchemasClient;
  readonly stepFunctions: SFNClient;
  // compute checks (invoke, logs)
  readonly lambda: LambdaClient;
  readonly logs: CloudWatchLogsClient;
  readonly dynamoDb: DynamoDBClient;
  readonly dynamoDbStreams: DynamoDBStreamsClient;
  /** Built with `forcePathStyle: true` when an endpoint is set (emulators serve buckets by path). */
  readonly s3: S3Client;
}

/** Time, injectable so tests can control it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock as options take it: `{ now() }` or a plain function returning ms since the epoch (the emulator's form). */
export type ClockOption = Clock | (() => number);

/** The `{ now() }` form of a clock option (the system clock when none is given). */
export const toClock = (clock: ClockOption | undefined): Clock => {
  if (clock === undefined) return systemClock;
  if (typeof clock === 'function') return { now: clock };
  if (typeof (clock as Partial<Clock> | null)?.now !== 'function') {
    throw new InvalidInputError(
      'clock must be { now(): number } or a function returning ms since the epoch.',
      'clock',
    );
  }
  return clock;
};

/** Where and how to reach AWS. Every field is optional; the usual AWS environment fills the rest. */
export interface AwsConfigOptions {
  /** AWS region. Default: the SDK's resolution (AWS_REGION, profile). */
  readonly region?: string;
  /** Credentials or a provider. Default: the SDK's default chain; with an `endpoint` and no AWS credentials in the environment, dummy credentials (emulators accept any). */
  readonly credentials?: CredentialsOption;
  /**
   * One endpoint for every service, e.g. `http://127.0.0.1:4566` for `eventprobe local` or LocalStack.
   * Default: `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` from the environment, else AWS.
   */
  readonly endpoint?: string;
  /** Your own clients, used as they are (no endpoint/credentials/timeouts applied). Default: built from the fields above. */
  readonly clients?: Partial<ProbeClients>;
  /**
   * Per-request timeout in ms (long polls get their wait added). A request the endpoint does not
   * answer in time is abandoned and retried; after `maxAttempts` the call fails with a
   * `RequestTimeoutError` naming the endpoint, so a silent endpoint costs about
   * `requestTimeoutMs × maxAttempts`. Default 30 000.
   */
  readonly requestTimeoutMs?: number;
  /** Attempts per call, including the first; the SDK's standard retry mode backs off on throttling, 5xx, timeouts and refused connections. Default 5. */
  readonly maxAttempts?: number;
  /** Environment to read endpoint variables from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The SDK's service ids, as in `AWS_ENDPOINT_URL_<ID>`. */
const ENV_IDS: Record<keyof ProbeClients, string> = {
  sqs: 'SQS',
  eventBridge: 'EVENTBRIDGE',
  tagging: 'RESOURCE_GROUPS_TAGGING_API',
  xray: 'XRAY',
  cloudFormation: 'CLOUDFORMATION',
  sns: 'SNS',
  kinesis: 'KINESIS',
  schemas: 'SCHEMAS',
  stepFunctions: 'SFN',
  lambda: 'LAMBDA',
  logs: 'CLOUDWATCH_LOGS',
  dynamoDb: 'DYNAMODB',
  dynamoDbStreams: 'DYNAMODB_STREAMS',
  s3: 'S3',
};

const CONSTRUCTORS = {
  sqs: SQSClient,
  eventBridge: EventBridgeClient,
  tagging: ResourceGroupsTaggingAPIClient,
  xray: XRayClient,
  cloudFormation: CloudFormationClient,
  sns: SNSClient,
  kinesis: KinesisClient,
  schemas: SchemasClient,
  stepFunctions: SFNClient,
  lambda: LambdaClient,
  logs: CloudWatchLogsClient,
  dynamoDb: DynamoDBClient,
  dynamoDbStreams: DynamoDBStreamsClient,
  s3: S3Client,
} as const;

/** The endpoint a service's client uses: explicit option, then the SDK's env variables, else AWS. */
export const endpointFor = (
  service: keyof ProbeClients,
  options: Pick<AwsConfigOptions, 'endpoint' | 'env'>,
): string | undefined => {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? env[`AWS_ENDPOINT_URL_${ENV_IDS[service]}`] ?? env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint === '') return undefined;
  try {
    new URL(endpoint);
  } catch {
    throw new InvalidInputError(
      `endpoint "${endpoint}" is not a URL. Give a full URL such as http://127.0.0.1:4566.`,
      'endpoint',
    );
  }
  return endpoint;
};

const hasEnvCredentials = (env: Readonly<Record<string, string | undefined>>): boolean =>
  Boolean(
    env.AWS_ACCESS_KEY_ID ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );

const DUMMY_CREDENTIALS = { accessKeyId: 'eventprobe', secretAccessKey: 'eventprobe' } as const;

/** The part of an SDK client's middleware stack eventprobe uses. */
interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string; priority: 'high' },
  ): void;
}

const REGION_HINT =
  'Set AWS_REGION (e.g. `export AWS_REGION=us-east-1`, any region works with an emulator) or pass the `region` option.';
const CREDENTIALS_HINT =
  'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, SSO, ...), or pass the `credentials` option. ' +
  'With an emulator any values work, e.g. `export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`.';
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Builds a client, turning the SDK's bare "Region is missing" into an {@link AwsConfigError}. */
const newClient = <T>(build: () => T): T => {
  try {
    return build();
  } catch (error) {
    throw explainAwsError(error, 'AWS', 0) ?? error;
  }
};

/**
 * The eventprobe error for an SDK failure that is about reaching AWS rather than about the call:
 * no region, no credentials, a silent endpoint, an unreachable one. Undefined for everything else.
 */
export const explainAwsError = (
  error: unknown,
  endpoint: string,
  requestTimeoutMs: number,
): Error | undefined => {
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  if (typeof e !== 'object' || e === null) return undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (message === 'Region is missing' || message.startsWith('Region not accepted')) {
    return new AwsConfigError(`No AWS region is configured. ${REGION_HINT}`, 'region', { cause: error });
  }
  if (e.name === 'CredentialsProviderError') {
    return new AwsConfigError(
      `No AWS credentials were found (${message}). ${CREDENTIALS_HINT}`,
      'credentials',
      {
        cause: error,
      },
    );
  }
  if (e.name === 'TimeoutError' && (e.code === 'ETIMEDOUT' || message.includes('timed out'))) {
    return new RequestTimeoutError(
      `${endpoint} did not answer within requestTimeoutMs (${requestTimeoutMs} ms) on any attempt. ` +
        'Check that the endpoint is up and answering; raise `requestTimeoutMs` (or `maxAttempts`) only if it is just slow.',
      endpoint,
      requestTimeoutMs,
      { cause: error },
    );
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return new EndpointConnectionError(
      `Could not connect to ${endpoint} (${e.code}). Check the endpoint URL (the \`endpoint\` option or AWS_ENDPOINT_URL) ` +
        'and that the service there is running (e.g. `npx eventprobe local`).',
      endpoint,
      e.code,
      { cause: error },
    );
  }
  return undefined;
};

/** Lazily built clients from one config: built on first use, shared afterwards, destroyed by `destroy()`. */
export class ClientSet {
  readonly #options: AwsConfigOptions;
  /** The clients this set built (injected ones are never cached here, nor destroyed). */
  readonly #built = new Map<keyof ProbeClients, ProbeClients[keyof ProbeClients]>();
  #closed = false;

  constructor(options: AwsConfigOptions = {}) {
    if (options.requestTimeoutMs !== undefined) positiveNumber('requestTimeoutMs', options.requestTimeoutMs);
    if (options.maxAttempts !== undefined) positiveNumber('maxAttempts', options.maxAttempts, true, null);
    if (options.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(options.region)) {
      throw new InvalidInputError(
        `region "${options.region}" is not an AWS region name (like us-east-1).`,
        'region',
      );
    }
    // Resolve every endpoint now, so a malformed one fails at createProbe, not mid-test.
    for (const service of Object.keys(ENV_IDS) as (keyof ProbeClients)[]) endpointFor(service, options);
    this.#options = options;
  }

  /** @throws ProbeDisposedError after `close()`: a closed set builds (and hands out) no client again. */
  get<K extends keyof ProbeClients>(service: K): ProbeClients[K] {
    if (this.#closed) throw new ProbeDisposedError(`Getting the ${service} client`);
    const injected = this.#options.clients?.[service];
    if (injected) return injected;
    let client = this.#built.get(service) as ProbeClients[K] | undefined;
    if (!client) {
      const options = this.#options;
      const endpoint = endpointFor(service, options);
      // The SDK's default chain reads the real process environment, so that is what decides.
      const credentials =
        options.credentials ??
        (endpoint !== undefined && !hasEnvCredentials(process.env) ? DUMMY_CREDENTIALS : undefined);
      const Ctor = CONSTRUCTORS[service] as unknown as new (config: object) => ProbeClients[K];
      const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
      client = newClient(
        () =>
          new Ctor({
            ...(options.region ? { region: options.region } : {}),
            ...(endpoint ? { endpoint } : {}),
            ...(credentials ? { credentials } : {}),
            maxAttempts: options.maxAttempts ?? 5,
            retryMode: 'standard',
            ...(service === 's3' && endpoint ? { forcePathStyle: true } : {}),
            requestHandler: {
              requestTimeout: requestTimeoutMs,
              // Without it the SDK only logs a warning and keeps waiting on a silent endpoint for ever.
              throwOnRequestTimeout: true,
              connectionTimeout: 5_000,
              // The Kinesis client speaks HTTP/2; the SDK's own default is one stream per connection.
              // Dropping it makes large GetRecords replies ~50x slower and has crashed Node's HTTP/2 stack.
              ...(service === 'kinesis' ? { disableConcurrentStreams: true } : {}),
            },
          }),
      );
      const where = endpoint ?? `AWS ${ENV_IDS[service]} (the SDK's default endpoint)`;
      (client as { middlewareStack: MiddlewareStackLike }).middlewareStack.add(
        (next) => async (args) => {
          try {
            return await next(args);
          } catch (error) {
            throw explainAwsError(error, where, requestTimeoutMs) ?? error;
          }
        },
        { step: 'initialize', name: 'eventprobeExplainErrors', priority: 'high' },
      );
      this.#built.set(service, client);
    }
    return client;
  }

  /** The region the clients use (resolved by the SDK when not given). */
  async region(): Promise<string> {
    if (this.#options.region) return this.#options.region;
    try {
      return await this.get('sqs').config.region();
    } catch (error) {
      throw explainAwsError(error, 'AWS', 0) ?? error;
    }
  }

  /** Destroys the clients this set built (not injected ones). Idempotent. */
  destroy(): void {
    for (const client of this.#built.values()) client.destroy();
    this.#built.clear();
  }

  /** Destroys the built clients and refuses every later `get` (a disposed probe's set). Idempotent. */
  close(): void {
    this.#closed = true;
    this.destroy();
  }
}
