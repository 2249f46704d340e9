import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { ClientSet, endpointFor, positiveNumber, systemClock } from '../../src/config.js';
import { InvalidInputError } from '../../src/errors.js';

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
