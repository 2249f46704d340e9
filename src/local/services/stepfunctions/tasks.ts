/**
 * Task resources: Lambda function ARNs and the optimised integrations, each calling the
 * emulator's own services through `emulator.invoke` (so their semantics stay in one place).
 */
import { randomUUID } from 'node:crypto';
import type { Emulator } from '../../core/emulator.js';
import { AwsError } from '../../core/errors.js';
import { StatesError } from './paths.js';

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;
const INTEGRATION = /^arn:aws[a-z-]*:states:::([a-z]+):([A-Za-z]+)(\.waitForTaskToken|\.sync)?$/;

interface Integration {
  readonly service: string;
  readonly operation: string;
  /** Error name prefix for the service's exceptions (`SQS.QueueDoesNotExist`). */
  readonly prefix: string;
  /** Parameters as the service operation wants them. */
  readonly shape?: (params: Record<string, unknown>) => Record<string, unknown>;
}

const asText = (v: unknown): unknown => (typeof v === 'string' || v === undefined ? v : JSON.stringify(v));

const INTEGRATIONS: Record<string, Integration> = {
  'lambda:invoke': { service: 'lambda', operation: 'Invoke', prefix: 'Lambda' },
  'sqs:sendMessage': {
    service: 'sqs',
    operation: 'SendMessage',
    prefix: 'SQS',
    shape: (p) => ({ ...p, MessageBody: asText(p.MessageBody) }),
  },
  'sns:publish': {
    service: 'sns',
    operation: 'Publish',
    prefix: 'SNS',
    shape: (p) => ({ ...p, Message: asText(p.Message) }),
  },
  'events:putEvents': {
    service: 'events',
    operation: 'PutEvents',
    prefix: 'EventBridge',
    shape: (p) => ({
      ...p,
      Entries: (Array.isArray(p.Entries) ? p.Entries : []).map((e: Record<string, unknown>) => ({
        ...e,
        Detail: asText(e.Detail),
      })),
    }),
  },
  'dynamodb:getItem': { service: 'dynamodb', operation: 'GetItem', prefix: 'DynamoDB' },
  'dynamodb:putItem': { service: 'dynamodb', operation: 'PutItem', prefix: 'DynamoDB' },
  'dynamodb:updateItem': { service: 'dynamodb', operation: 'UpdateItem', prefix: 'DynamoDB' },
  'dynamodb:deleteItem': { service: 'dynamodb', operation: 'DeleteItem', prefix: 'DynamoDB' },
};

export interface ResolvedResource {
  readonly kind: 'function' | 'integration';
  /** `lambda` for function ARNs; the integration's service otherwise (history's resourceType). */
  readonly resourceType: string;
  /** `invoke`, `sendMessage`, ... (history's resource); the function ARN for a function. */
  readonly resource: string;
  readonly waitForTaskToken: boolean;
  readonly integration: Integration | undefined;
}

export const resolveResource = (arn: string): ResolvedResource | undefined => {
  if (LAMBDA_ARN.test(arn)) {
    return {
      kind: 'function',
      resourceType: 'lambda',
      resource: arn,
      waitForTaskToken: false,
      integration: undefined,
    };
  }
  const m = INTEGRATION.exec(arn);
  if (!m || m[3] === '.sync') return undefined;
  const integration = INTEGRATIONS[`${m[1]}:${m[2]}`];
  if (!integration) return undefined;
  return {
    kind: 'integration',
    resourceType: m[1] as string,
    resource: `${m[2]}${m[3] ?? ''}`,
    waitForTaskToken: m[3] === '.waitForTaskToken',
    integration,
  };
};

/** True for a resource the emulator runs (a Lambda function ARN or a supported integration). */
export const isKnownResource = (arn: string): boolean => resolveResource(arn) !== undefined;

const regionOf = (arn: string, fallback: string): string => arn.split(':')[3] || fallback;

export interface CallOptions {
  readonly region: string;
  readonly traceHeader: string | undefined;
  readonly signal: AbortSignal;
}

/** Turns a function's error payload into the States error AWS reports (the errorType as its name). */
const functionError = (payload: string): StatesError => {
  let errorType = 'Lambda.Unknown';
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown };
    if (typeof parsed.errorType === 'string') errorType = parsed.errorType;
  } catch {
    // not JSON: keep the generic name
  }
  return new StatesError(errorType, payload);
};

const serviceError = (prefix: string, err: unknown): StatesError => {
  if (err instanceof StatesError) return err;
  if (err instanceof AwsError) return new StatesError(`${prefix}.${err.code}`, err.message);
  return new StatesError(`${prefix}.SdkClientException`, (err as Error).message);
};

const invokeLambda = async (
  emulator: Emulator,
  functionName: string,
  payload: unknown,
  extra: Record<string, unknown>,
  options: CallOptions,
): Promise<LambdaReply> => {
  if (!emulator.service('lambda')) {
    throw new StatesError('Lambda.ServiceException', 'The lambda service is not part of this emulator.');
  }
  const requestId = randomUUID();
  const reply = await emulator
    .invoke(
      'lambda',
      'Invoke',
      { ...extra, FunctionName: functionName, Payload: JSON.stringify(payload ?? null) },
      {
        region: regionOf(functionName, options.region),
        signal: options.signal,
        ...(options.traceHeader ? { traceHeader: options.traceHeader } : {}),
        requestId,
      },
    )
    .catch((err: unknown) => {
      throw serviceError('Lambda', err);
    });
  const out = (reply ?? {}) as Record<string, unknown>;
  const answer = out.Payload;
  return {
    status: typeof out.StatusCode === 'number' ? out.StatusCode : 200,
    functionError: typeof out.FunctionError === 'string' ? out.FunctionError : undefined,
    executedVersion: typeof out.ExecutedVersion === 'string' ? out.ExecutedVersion : '$LATEST',
    body:
      typeof answer === 'string'
        ? answer
        : answer instanceof Uint8Array
          ? Buffer.from(answer).toString('utf8')
          : '',
    requestId,
  };
};

/** What Lambda's Invoke answered (its AWS output shape, read for a task's result). */
interface LambdaReply {
  readonly status: number;
  readonly functionError: string | undefined;
  readonly executedVersion: string;
  readonly body: string;
  readonly requestId: string;
}

const parseBody = (body: string): unknown => {
  if (body === '') return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
};

/** Runs a Lambda function ARN resource: the function's result is the task's result. */
export const callFunction = async (
  emulator: Emulator,
  arn: string,
  input: unknown,
  options: CallOptions,
): Promise<unknown> => {
  const reply = await invokeLambda(emulator, arn, input, {}, options);
  if (reply.functionError) throw functionError(reply.body);
  return parseBody(reply.body);
};

/** Runs an optimised integration with its parameters; returns the service's response. */
export const callIntegration = async (
  emulator: Emulator,
  resolved: ResolvedResource,
  params: unknown,
  options: CallOptions,
): Promise<unknown> => {
  const integration = resolved.integration as Integration;
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  if (integration.service === 'lambda') {
    const { FunctionName, Payload, ...extra } = p;
    if (typeof FunctionName !== 'string') {
      throw new StatesError('States.Runtime', "The field 'FunctionName' is required by lambda:invoke");
    }
    const reply = await invokeLambda(emulator, FunctionName, Payload, extra, options);
    if (reply.functionError) throw functionError(reply.body);
    return {
      ExecutedVersion: reply.executedVersion,
      Payload: parseBody(reply.body),
      SdkHttpMetadata: { HttpStatusCode: reply.status },
      SdkResponseMetadata: { RequestId: reply.requestId },
      StatusCode: reply.status,
    };
  }
  if (!emulator.service(integration.service)) {
    throw new StatesError(
      'States.TaskFailed',
      `The ${integration.service} service is not part of this emulator, so ${resolved.resourceType}:${resolved.resource} cannot run.`,
    );
  }
  const input = integration.shape ? integration.shape(p) : p;
  const out = await emulator
    .invoke(integration.service, integration.operation, input, {
      region: options.region,
      signal: options.signal,
    })
    .catch((err: unknown) => {
      throw serviceError(integration.prefix, err);
    });
  const result = (out ?? {}) as Record<string, unknown>;
  if (integration.operation === 'PutEvents' && Number(result.FailedEntryCount ?? 0) > 0) {
    throw new StatesError('EventBridge.FailedEntry', JSON.stringify(result));
  }
  return result;
};
