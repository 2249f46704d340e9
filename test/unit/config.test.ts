import { createServer, type Server, type Socket } from 'node:net';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientSet,
  endpointFor,
  explainAwsError,
  positiveNumber,
  systemClock,
  toClock,
} from '../../src/config.js';
import {
  AwsConfigError,
  EndpointConnectionError,
  InvalidInputError,
  RequestTimeoutError,
} from '../../src/errors.js';
import { Emulator } from '../../src/local/core/emulator.js';

/** Runs `fn` with some process.env variables set (undefined deletes), restoring them afterwards. */
const withEnv = async <T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
};

const NO_AWS_FILES = {
  AWS_CONFIG_FILE: '/nonexistent/eventprobe/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/eventprobe/credentials',
  AWS_PROFILE: undefined,
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('reaching AWS', () => {
  // Accepts every connection and never answers: the silent endpoint of issue 15.
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentUrl = '';
  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it.each(['sqs', 'kinesis'] as const)(
    'a %s call to an endpoint that never answers fails with RequestTimeoutError after maxAttempts',
    async (service) => {
      const set = new ClientSet({
        region: 'us-east-1',
        endpoint: silentUrl,
        env: {},
        requestTimeoutMs: 150,
        maxAttempts: 2,
      });
      const before = sockets.size;
      const call =
        service === 'sqs'
          ? set.get('sqs').send(new ListQueuesCommand({}))
          : set.get('kinesis').send(new ListStreamsCommand({}));
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect(error).toMatchObject({ endpoint: silentUrl, requestTimeoutMs: 150 });
      expect((error as Error).message).toContain(silentUrl);
      expect((error as Error).message).toContain('requestTimeoutMs (150 ms)');
      expect(sockets.size).toBeGreaterThan(before);
      set.destroy();
    },
  );

  it('a refused connection is an EndpointConnectionError naming the endpoint', async () => {
    const set = new ClientSet({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      env: {},
      maxAttempts: 1,
    });
    const error = await set
      .get('sqs')
      .send(new ListQueuesCommand({}))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointConnectionError);
    expect(error).toMatchObject({ endpoint: 'http://127.0.0.1:1', code: 'ECONNREFUSED' });
    expect((error as Error).message).toContain('AWS_ENDPOINT_URL');
    set.destroy();
  });

  it('no region anywhere is an AwsConfigError naming AWS_REGION and the region option', async () => {
    await withEnv(NO_AWS_FILES, async () => {
      const set = new ClientSet({ env: {} });
      const fromRegion = await set.region().catch((e: unknown) => e);
      expect(fromRegion).toBeInstanceOf(AwsConfigError);
      expect(fromRegion).toMatchObject({ option: 'region' });
      expect((fromRegion as Error).message).toMatch(/AWS_REGION.*`region` option/);
      const fromCall = await set
        .get('sqs')
        .send(new ListQueuesCommand({}))
        .catch((e: unknown) => e);
      expect(fromCall).toBeInstanceOf(AwsConfigError);
      set.destroy();
    });
  });

  it('no credentials anywhere is an AwsConfigError naming the credentials option', async () => {
    await withEnv(NO_AWS_FILES, async () => {
      const set = new ClientSet({ region: 'us-east-1', env: {}, maxAttempts: 1 });
      const error = await set
        .get('sqs')
        .send(new ListQueuesCommand({}))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsConfigError);
      expect(error).toMatchObject({ option: 'credentials' });
      expect((error as Error).message).toContain('AWS_ACCESS_KEY_ID');
      set.destroy();
    });
  });

  it('leaves every other error alone', () => {
    expect(explainAwsError(null, 'x', 1)).toBeUndefined();
    expect(explainAwsError('boom', 'x', 1)).toBeUndefined();
    expect(explainAwsError({ name: 'QueueDoesNotExist' }, 'x', 1)).toBeUndefined();
    expect(explainAwsError({ name: 'TimeoutError', message: 'deadline' }, 'x', 1)).toBeUndefined();
    expect(explainAwsError({ code: 'EWHATEVER' }, 'x', 1)).toBeUndefined();
    expect(
      explainAwsError(
        new Error('Region not accepted: region="x" is not a valid hostname component.'),
        'x',
        1,
      ),
    ).toBeInstanceOf(AwsConfigError);
  });

  it('a client that cannot be built for another reason throws the SDK error', () => {
    const set = new ClientSet({ region: 'us-east-1', env: {}, clients: {} });
    expect(() => (set as unknown as { get(s: string): unknown }).get('nope')).toThrow();
  });
});

describe('toClock', () => {
  it('takes { now() } or a function, and defaults to the system clock', () => {
    const clock = { now: () => 5 };
    expect(toClock(clock)).toBe(clock);
    expect(toClock(() => 7).now()).toBe(7);
    expect(toClock(undefined)).toBe(systemClock);
    expect(() => toClock({} as never)).toThrow(expect.objectContaining({ option: 'clock' }));
  });
  it('the emulator takes both forms too', () => {
    expect(new Emulator([], { clock: { now: () => 42 } }).now()).toBe(42);
    expect(new Emulator([], { clock: () => 7 }).now()).toBe(7);
  });
});

describe('positiveNumber', () => {
  it('accepts positive finite numbers', () => {
    expect(positiveNumber('timeout', 1.5)).toBe(1.5);
    expect(positiveNumber('count', 3, true, null)).toBe(3);
  });
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1', null, undefined])(
    'rejects %s naming the option',
    (v) => {
      const error = (() => {
        try {
          positiveNumber('timeout', v);
        } catch (e) {
          return e as InvalidInputError;
        }
      })();
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error?.option).toBe('timeout');
      expect(error?.message).toContain('Pass a value in milliseconds.');
    },
  );
  it('says what kind of number it wants', () => {
    expect(() => positiveNumber('n', 1.5, true)).toThrow(
      'positive finite integer, got 1.5. Pass a value in milliseconds (a whole number).',
    );
    expect(() => positiveNumber('n', 1.5, true, null)).toThrow('Pass a whole number.');
    expect(() => positiveNumber('s', -1, false, 'seconds')).toThrow('Pass a value in seconds.');
  });
});

describe('endpointFor', () => {
  it('prefers the option, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL: 'http://all:1', AWS_ENDPOINT_URL_SQS: 'http://sqs:2' };
    expect(endpointFor('sqs', { endpoint: 'http://mine:3', env })).toBe('http://mine:3');
    expect(endpointFor('sqs', { env })).toBe('http://sqs:2');
    expect(endpointFor('eventBridge', { env })).toBe('http://all:1');
    expect(
      endpointFor('tagging', { env: { AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API: 'http://t:4' } }),
    ).toBe('http://t:4');
    expect(endpointFor('sqs', { env: {} })).toBeUndefined();
    expect(endpointFor('sqs', { env: { AWS_ENDPOINT_URL: '' } })).toBeUndefined();
  });
  it('reads process.env by default', () => {
    const saved = process.env.AWS_ENDPOINT_URL_XRAY;
    process.env.AWS_ENDPOINT_URL_XRAY = 'http://xray:5';
    try {
      expect(endpointFor('xray', {})).toBe('http://xray:5');
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_XRAY;
      else process.env.AWS_ENDPOINT_URL_XRAY = saved;
    }
  });
  it('rejects something that is not a URL', () => {
    expect(() => endpointFor('sqs', { endpoint: 'localhost 4566' })).toThrow(
      expect.objectContaining({ option: 'endpoint', message: expect.stringContaining('is not a URL') }),
    );
  });
});

describe('ClientSet', () => {
  it.each([
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs'],
    [{ maxAttempts: 1.5 }, 'maxAttempts'],
    [{ region: 'Europe' }, 'region'],
    [{ endpoint: 'nope' }, 'endpoint'],
    [{ env: { AWS_ENDPOINT_URL_SNS: '::' } }, 'endpoint'],
  ])('validates %j up front', (options, option) => {
    expect(() => new ClientSet(options)).toThrow(expect.objectContaining({ option }));
  });

  it('builds each client once with region, endpoint, retry and timeouts; dummy credentials for an endpoint', async () => {
    const set = new ClientSet({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      env: {},
      requestTimeoutMs: 1234,
      maxAttempts: 2,
    });
    const sqs = set.get('sqs');
    expect(set.get('sqs')).toBe(sqs);
    expect(await sqs.config.region()).toBe('eu-west-1');
    expect(await set.region()).toBe('eu-west-1');
    const endpoint = await sqs.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    expect(await sqs.config.credentials()).toMatchObject({
      accessKeyId: 'eventprobe',
      secretAccessKey: 'eventprobe',
    });
    expect(await sqs.config.maxAttempts()).toBe(2);
    expect(await sqs.config.retryStrategy()).toMatchObject({ mode: 'standard' });
    set.destroy();
    expect(set.get('sqs')).not.toBe(sqs);
    set.destroy();
  });

  it('uses the environment’s credentials when there are any, and given credentials first', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIAENV';
    process.env.AWS_SECRET_ACCESS_KEY = 'envsecret';
    try {
      const fromEnv = new ClientSet({ region: 'us-east-1', endpoint: 'http://x:1', env: {} });
      expect(await fromEnv.get('sns').config.credentials()).toMatchObject({ accessKeyId: 'AKIAENV' });
      fromEnv.destroy();
    } finally {
      for (const [key, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    const creds = { accessKeyId: 'AKIA', secretAccessKey: 'secret' };
    const given = new ClientSet({ region: 'us-east-1', endpoint: 'http://x:1', credentials: creds, env: {} });
    expect(await given.get('eventBridge').config.credentials()).toMatchObject(creds);
    given.destroy();
  });

  it('leaves region and endpoint to the SDK when not given', async () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'sa-east-1';
    try {
      const set = new ClientSet({ env: {} });
      expect(await set.region()).toBe('sa-east-1');
      expect(set.get('kinesis').config.endpoint).toBeUndefined();
      set.destroy();
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it('returns injected clients untouched and never destroys them', async () => {
    const mine = new SQSClient({ region: 'ap-south-1' });
    const set = new ClientSet({ clients: { sqs: mine } });
    expect(set.get('sqs')).toBe(mine);
    expect(await set.region()).toBe('ap-south-1');
    set.destroy();
    expect(set.get('sqs')).toBe(mine);
    mine.destroy();
  });

  it('builds every kind of client', () => {
    const set = new ClientSet({ region: 'us-east-1', env: {} });
    for (const name of [
      'sqs',
      'eventBridge',
      'tagging',
      'xray',
      'cloudFormation',
      'sns',
      'kinesis',
      'schemas',
      'stepFunctions',
    ] as const) {
      expect(set.get(name).config).toBeDefined();
    }
    set.destroy();
  });
});

describe('systemClock', () => {
  it('tells the time', () => {
    const now = Date.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(now);
  });
});
