import { AwsError } from '../core/errors.js';
import { parseJsonObject } from './json.js';
import { restInput, restMatch, restReply } from './rest.js';
import type { Protocol } from './types.js';

const document = { contentType: 'application/json', encode: (value: unknown) => JSON.stringify(value ?? {}) };

/**
 * REST-JSON: the operation by method and path (`service.rest` routes), input from path, query,
 * bound headers and the JSON body (or the raw body when bound as the payload), errors as
 * `{ Code, message, Message }` with `x-amzn-errortype`.
 */
export const restJsonProtocol: Protocol = {
  name: 'rest-json',
  accepts: (service, request) => restMatch(service, request) !== undefined,
  decode: (service, request, body) => {
    const match = restMatch(service, request);
    if (!match)
      throw new AwsError('UnknownOperationException', `No route for ${request.method} ${request.path}`, 404);
    return {
      operation: match.route.operation,
      input: restInput(match, request, body, parseJsonObject),
      route: match.route,
    };
  },
  encodeResult: (_service, decoded, output) => restReply(decoded, output, document),
  encodeError: (_service, error) => ({
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({ Code: error.code, message: error.message, Message: error.message }),
  }),
};
