import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SchemasClient } from '@aws-sdk/client-schemas';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { XRayClient } from '@aws-sdk/client-xray';
import { InvalidInputError, ProbeDisposedError } from './errors.js';
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
}

/** Time, injectable so tests can control it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

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
  /** Per-request timeout in ms for control-plane calls (long polls get their wait added). Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Attempts per call, including the first; the SDK's standard retry mode backs off on throttling and 5xx. Default 5. */
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
      client = new Ctor({
        ...(options.region ? { region: options.region } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts: options.maxAttempts ?? 5,
        retryMode: 'standard',
        requestHandler: {
          requestTimeout: options.requestTimeoutMs ?? 30_000,
          connectionTimeout: 5_000,
          // The Kinesis client speaks HTTP/2; the SDK's own default is one stream per connection.
          // Dropping it makes large GetRecords replies ~50x slower and has crashed Node's HTTP/2 stack.
          ...(service === 'kinesis' ? { disableConcurrentStreams: true } : {}),
        },
      });
      this.#built.set(service, client);
    }
    return client;
  }

  /** The region the clients use (resolved by the SDK when not given). */
  async region(): Promise<string> {
    if (this.#options.region) return this.#options.region;
    const region = await this.get('sqs').config.region();
    return region;
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
