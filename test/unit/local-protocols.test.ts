import { describe, expect, it } from 'vitest';
import { AwsError } from '../../src/local/core/errors.js';
import { type AnyService, defineService, type ProtocolName } from '../../src/local/core/service.js';
import { protocolsOf } from '../../src/local/protocols/index.js';
import { jsonProtocol } from '../../src/local/protocols/json.js';
import { decodeQueryForm, encodeQueryResult, queryProtocol } from '../../src/local/protocols/query.js';
import { restJsonProtocol } from '../../src/local/protocols/rest-json.js';
import type { WireRequest } from '../../src/local/protocols/types.js';
import { sqsQuery } from '../../src/local/services/sqs/query.js';

const request = (over: Partial<WireRequest> & { url?: string } = {}): WireRequest => {
  const url = new URL(over.url ?? '/', 'http://localhost');
  return { method: 'POST', path: url.pathname, query: url.searchParams, headers: {}, ...over };
};

const fn = defineService<object>({
  signingName: 'lambda',
  protocols: ['rest-json'],
  rest: [
    {
      method: 'POST',
      path: '/2015-03-31/functions/{FunctionName}/invocations',
      operation: 'Invoke',
      input: {
        InvocationType: { header: 'X-Amz-Invocation-Type' },
        Qualifier: { query: 'Qualifier' },
        Payload: { payload: true },
      },
      output: {
        StatusCode: { status: true },
        FunctionError: { header: 'X-Amz-Function-Error' },
        Payload: { payload: true },
      },
    },
    { method: 'GET', path: '/tags/{Arn+}', operation: 'ListTags', status: 200 },
  ],
  createState: () => ({}),
  operations: {},
});

describe('REST-JSON bindings', () => {
  it('reads headers, query parameters and the raw payload into the input', () => {
    const req = request({
      url: '/2015-03-31/functions/my%20fn/invocations?Qualifier=1&Qualifier=2&Other=x',
      headers: { 'x-amz-invocation-type': 'Event' },
    });
    expect(restJsonProtocol.accepts(fn, req)).toBe(true);
    const decoded = restJsonProtocol.decode(fn, req, Buffer.from('{"not":"parsed"}'));
    expect(decoded.operation).toBe('Invoke');
    expect(decoded.input).toEqual({
      Other: 'x',
      InvocationType: 'Event',
      Qualifier: ['1', '2'],
      Payload: Buffer.from('{"not":"parsed"}'),
      FunctionName: 'my fn',
    });
  });

  it('writes status, headers and a raw payload from the output', () => {
    const decoded = restJsonProtocol.decode(
      fn,
      request({ url: '/2015-03-31/functions/f/invocations' }),
      Buffer.alloc(0),
    );
    const raw = restJsonProtocol.encodeResult(
      fn,
      decoded,
      { StatusCode: 202, FunctionError: 'Unhandled', Payload: new Uint8Array([1, 2]) },
      'rid',
    );
    expect(raw).toEqual({
      status: 202,
      headers: { 'content-type': 'application/octet-stream', 'x-amz-function-error': 'Unhandled' },
      body: new Uint8Array([1, 2]),
    });
    expect(restJsonProtocol.encodeResult(fn, decoded, { Payload: 'text' }, 'rid').body).toBe('text');
    expect(restJsonProtocol.encodeResult(fn, decoded, { Payload: { a: 1 } }, 'rid').body).toBe('{"a":1}');
    expect(restJsonProtocol.encodeResult(fn, decoded, undefined, 'rid').body).toBe('{}');
  });

  it('parses JSON documents into the input and refuses garbage', () => {
    const req = request({ method: 'GET', url: '/tags/arn:aws:lambda:x' });
    expect(restJsonProtocol.decode(fn, req, Buffer.from('{"a":1}')).input).toEqual({
      a: 1,
      Arn: 'arn:aws:lambda:x',
    });
    expect(() => restJsonProtocol.decode(fn, req, Buffer.from('{'))).toThrow(AwsError);
    expect(() => restJsonProtocol.decode(fn, req, Buffer.from('[1]'))).toThrow(/JSON object/);
    expect(() =>
      restJsonProtocol.decode(fn, request({ method: 'GET', url: '/tags/%E0%A4%A' }), Buffer.alloc(0)),
    ).toThrow(/percent-encoding/);
    expect(() => restJsonProtocol.decode(fn, request({ url: '/nope' }), Buffer.alloc(0))).toThrow(/No route/);
    const error = restJsonProtocol.encodeError(fn, new AwsError('Boom', 'bad', 409), 'rid');
    expect(error.status).toBe(409);
    expect(JSON.parse(String(error.body))).toEqual({ Code: 'Boom', message: 'bad', Message: 'bad' });
  });
});

describe('protocol choice', () => {
  it('infers the protocols of a service from its declaration, and refuses unknown ones', () => {
    const legacy = {
      signingName: 'x',
      targetPrefix: 'X',
      createState: () => ({}),
      operations: {},
    } as AnyService;
    expect(protocolsOf(legacy).map((p) => p.name)).toEqual(['json']);
    expect(
      protocolsOf({ signingName: 'q', query: { xmlns: 'x' }, createState: () => ({}), operations: {} }).map(
        (p) => p.name,
      ),
    ).toEqual(['query']);
    expect(() => protocolsOf({ ...legacy, protocols: ['smithy-rpc-v2-cbor' as ProtocolName] })).toThrow(
      /no protocol module/,
    );
  });

  it('JSON takes only its own target prefix and null bodies as empty input', () => {
    const svc = {
      signingName: 'x',
      targetPrefix: 'X_1',
      createState: () => ({}),
      operations: {},
    } as AnyService;
    expect(jsonProtocol.accepts(svc, request({ headers: { 'x-amz-target': 'X_1.Op' } }))).toBe(true);
    expect(jsonProtocol.accepts(svc, request({ headers: { 'x-amz-target': 'Y.Op' } }))).toBe(false);
    expect(
      jsonProtocol.decode(svc, request({ headers: { 'x-amz-target': 'X_1.Op' } }), Buffer.from('null')),
    ).toEqual({
      operation: 'Op',
      input: {},
    });
  });
});

describe('the query-form decoder', () => {
  it('decodes SQS flattened members with the SQS hints', () => {
    expect(
      decodeQueryForm(
        'SendMessageBatch',
        {
          QueueUrl: 'u',
          'SendMessageBatchRequestEntry.2.Id': 'b',
          'SendMessageBatchRequestEntry.1.Id': 'a',
          'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'K',
          'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'String',
          'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': 'v',
          'AttributeName.1': 'All',
          'Tag.1.Key': 'k',
          'Tag.1.Value': 'v',
          'Tag.2.Value': 'ignored without key',
          __proto__: 'x',
        },
        sqsQuery,
      ),
    ).toEqual({
      QueueUrl: 'u',
      Entries: [{ Id: 'a', MessageAttributes: { K: { DataType: 'String', StringValue: 'v' } } }, { Id: 'b' }],
      AttributeNames: ['All'],
      Tags: { k: 'v' },
    });
    expect(decodeQueryForm('CreateQueue', { 'Tag.1.Key': 'k' }, sqsQuery)).toEqual({ tags: { k: '' } });
  });

  it('decodes member lists and entry maps without hints, keeping structure over a clashing scalar', () => {
    expect(
      decodeQueryForm(
        'Publish',
        {
          'Attributes.entry.1.key': 'a',
          'Attributes.entry.1.value': '1',
          'MessageAttributes.entry.1.Name': 'm',
          'MessageAttributes.entry.1.Value.DataType': 'Number',
          'Tags.member.1.Key': 't',
          X: 'scalar',
          'X.Y': 'nested',
        },
        { xmlns: 'x' },
      ),
    ).toEqual({
      Attributes: { a: '1' },
      MessageAttributes: { m: { DataType: 'Number' } },
      Tags: [{ Key: 't' }],
      X: { Y: 'nested' },
    });
  });

  it('encodes flattened and wrapped lists, maps, dates and scalars', () => {
    expect(encodeQueryResult('ListQueues', { QueueUrls: ['a', 'b'] }, sqsQuery)).toBe(
      '<QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>',
    );
    expect(
      encodeQueryResult(
        'X',
        { Attributes: { k: 'v' }, L: [1] },
        { xmlns: 'x', mapsOut: { Attributes: ['key', 'value'] } },
      ),
    ).toBe('<Attributes><entry><key>k</key><value>v</value></entry></Attributes><L><member>1</member></L>');
    expect(encodeQueryResult('X', 'a<b', { xmlns: 'x' })).toBe('a&lt;b');
    expect(encodeQueryResult('X', null, { xmlns: 'x' })).toBe('');
  });

  it('takes GET query strings and form bodies, not JSON', () => {
    const svc = {
      signingName: 'sqs',
      query: sqsQuery,
      createState: () => ({}),
      operations: {},
    } as AnyService;
    expect(queryProtocol.accepts(svc, request({ method: 'GET', url: '/?Action=ListQueues' }))).toBe(true);
    expect(
      queryProtocol.accepts(
        svc,
        request({
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
        }),
      ),
    ).toBe(false);
    const decoded = queryProtocol.decode(
      svc,
      request({ method: 'GET', url: '/?Action=GetQueueUrl&Version=2012-11-05' }),
      Buffer.from('QueueName=q'),
    );
    expect(decoded).toEqual({ operation: 'GetQueueUrl', input: { QueueName: 'q' } });
  });
});
