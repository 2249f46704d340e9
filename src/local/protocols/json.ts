import { AwsError } from '../core/errors.js';
import type { AnyService } from '../core/service.js';
import type { Protocol, WireRequest } from './types.js';

const contentType = (service: AnyService): string => `application/x-amz-json-${service.jsonVersion ?? '1.1'}`;

/** The operation in `X-Amz-Target: Prefix.Operation`, when the prefix is the service's. */
const targetOf = (service: AnyService, request: WireRequest): string | undefined => {
  const target = request.headers['x-amz-target'];
  if (target === undefined) return undefined;
  const dot = target.lastIndexOf('.');
  if (service.targetPrefix !== undefined && target.slice(0, dot) !== service.targetPrefix) return undefined;
  return target.slice(dot + 1);
};

/** Parses a JSON object body; anything else is the SerializationException AWS answers. */
export const parseJsonObject = (body: Buffer): Record<string, unknown> => {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.', 400);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object.', 400);
  }
  return value as Record<string, unknown>;
};

/**
 * AWS JSON 1.0 and 1.1 (`jsonVersion`): POST, operation in `X-Amz-Target`, JSON object in and out,
 * errors as `{ __type, message }` with `x-amzn-errortype`. A service that also speaks the query
 * protocol (SQS) adds `x-amzn-query-error` for the SDK's query-compatibility mode.
 */
export const jsonProtocol: Protocol = {
  name: 'json',
  accepts: (service, request) => targetOf(service, request) !== undefined,
  decode: (service, request, body) => ({
    operation: targetOf(service, request) ?? '',
    input: parseJsonObject(body),
  }),
  encodeResult: (service, _request, output) => ({
    status: 200,
    headers: { 'content-type': contentType(service) },
    body: JSON.stringify(output ?? {}),
  }),
  encodeError: (service, error) => {
    const headers: Record<string, string> = {
      'content-type': contentType(service),
      'x-amzn-errortype': error.code,
    };
    if (service.query) headers['x-amzn-query-error'] = `${error.queryCode};${error.fault}`;
    return {
      status: error.status,
      headers,
      // Some errors carry more members (DynamoDB's Item, CancellationReasons).
      body: JSON.stringify({ ...error.fields, __type: error.code, message: error.message }),
    };
  },
};
