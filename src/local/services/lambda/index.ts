import { defineService, type RestRoute } from '../../core/service.js';
import { adminOperations } from './admin.js';
import { disposeFunction, functionOperations } from './functions.js';
import { invokeOperations } from './invoke.js';
import { mappingOperations, stopMappings } from './mappings.js';
import { createLambdaState, type LambdaState } from './state.js';

export { type EventTargetOptions, invokeAsEventTarget } from './event-target.js';
export { invokeFunction, sendToArn } from './invoke.js';
export type { LambdaState } from './state.js';

const F = '/2015-03-31/functions/{FunctionName}';

const routes: RestRoute[] = [
  { method: 'POST', path: '/2015-03-31/functions', operation: 'CreateFunction', status: 201 },
  { method: 'GET', path: '/2015-03-31/functions', operation: 'ListFunctions' },
  { method: 'GET', path: F, operation: 'GetFunction' },
  { method: 'DELETE', path: F, operation: 'DeleteFunction' },
  { method: 'GET', path: `${F}/configuration`, operation: 'GetFunctionConfiguration' },
  { method: 'PUT', path: `${F}/configuration`, operation: 'UpdateFunctionConfiguration' },
  { method: 'PUT', path: `${F}/code`, operation: 'UpdateFunctionCode' },
  {
    method: 'POST',
    path: `${F}/invocations`,
    operation: 'Invoke',
    input: {
      Payload: { payload: true },
      InvocationType: { header: 'x-amz-invocation-type' },
      LogType: { header: 'x-amz-log-type' },
      ClientContext: { header: 'x-amz-client-context' },
    },
    output: {
      StatusCode: { status: true },
      FunctionError: { header: 'x-amz-function-error' },
      LogResult: { header: 'x-amz-log-result' },
      ExecutedVersion: { header: 'x-amz-executed-version' },
      Payload: { payload: true },
    },
  },
  { method: 'POST', path: `${F}/versions`, operation: 'PublishVersion', status: 201 },
  { method: 'GET', path: `${F}/versions`, operation: 'ListVersionsByFunction' },
  { method: 'POST', path: `${F}/aliases`, operation: 'CreateAlias', status: 201 },
  { method: 'GET', path: `${F}/aliases`, operation: 'ListAliases' },
  { method: 'GET', path: `${F}/aliases/{Name}`, operation: 'GetAlias' },
  { method: 'PUT', path: `${F}/aliases/{Name}`, operation: 'UpdateAlias' },
  { method: 'DELETE', path: `${F}/aliases/{Name}`, operation: 'DeleteAlias', status: 204 },
  { method: 'POST', path: `${F}/policy`, operation: 'AddPermission', status: 201 },
  { method: 'GET', path: `${F}/policy`, operation: 'GetPolicy' },
  { method: 'DELETE', path: `${F}/policy/{StatementId}`, operation: 'RemovePermission', status: 204 },
  {
    method: 'PUT',
    path: '/2017-10-31/functions/{FunctionName}/concurrency',
    operation: 'PutFunctionConcurrency',
  },
  {
    method: 'DELETE',
    path: '/2017-10-31/functions/{FunctionName}/concurrency',
    operation: 'DeleteFunctionConcurrency',
    status: 204,
  },
  {
    method: 'GET',
    path: '/2019-09-30/functions/{FunctionName}/concurrency',
    operation: 'GetFunctionConcurrency',
  },
  {
    method: 'PUT',
    path: '/2019-09-25/functions/{FunctionName}/event-invoke-config',
    operation: 'PutFunctionEventInvokeConfig',
  },
  {
    method: 'POST',
    path: '/2019-09-25/functions/{FunctionName}/event-invoke-config',
    operation: 'UpdateFunctionEventInvokeConfig',
  },
  {
    method: 'GET',
    path: '/2019-09-25/functions/{FunctionName}/event-invoke-config',
    operation: 'GetFunctionEventInvokeConfig',
  },
  {
    method: 'DELETE',
    path: '/2019-09-25/functions/{FunctionName}/event-invoke-config',
    operation: 'DeleteFunctionEventInvokeConfig',
    status: 204,
  },
  {
    method: 'GET',
    path: '/2019-09-25/functions/{FunctionName}/event-invoke-config/list',
    operation: 'ListFunctionEventInvokeConfigs',
  },
  { method: 'POST', path: '/2017-03-31/tags/{Resource}', operation: 'TagResource', status: 204 },
  { method: 'DELETE', path: '/2017-03-31/tags/{Resource}', operation: 'UntagResource', status: 204 },
  { method: 'GET', path: '/2017-03-31/tags/{Resource}', operation: 'ListTags' },
  { method: 'GET', path: '/2016-08-19/account-settings', operation: 'GetAccountSettings' },
  {
    method: 'POST',
    path: '/2015-03-31/event-source-mappings',
    operation: 'CreateEventSourceMapping',
    status: 202,
  },
  { method: 'GET', path: '/2015-03-31/event-source-mappings', operation: 'ListEventSourceMappings' },
  { method: 'GET', path: '/2015-03-31/event-source-mappings/{UUID}', operation: 'GetEventSourceMapping' },
  {
    method: 'PUT',
    path: '/2015-03-31/event-source-mappings/{UUID}',
    operation: 'UpdateEventSourceMapping',
    status: 202,
  },
  {
    method: 'DELETE',
    path: '/2015-03-31/event-source-mappings/{UUID}',
    operation: 'DeleteEventSourceMapping',
    status: 202,
  },
];

/**
 * AWS Lambda (REST-JSON): functions from zip, S3 or a local directory, run in isolated Node.js
 * workers; synchronous, asynchronous (retries, destinations, dead-letter) and dry-run invokes.
 * IAM roles and resource policies are stored, not enforced.
 */
export const lambda = defineService<LambdaState>({
  signingName: 'lambda',
  rest: routes,
  createState: createLambdaState,
  operations: { ...functionOperations, ...adminOperations, ...invokeOperations, ...mappingOperations },
  tagging: {
    list: (state) =>
      [...state.functions.values()].map((f) => ({
        arn: f.arn,
        resourceType: 'lambda:function',
        tags: { ...f.tags },
      })),
    tag: (state, arn, tags) => {
      const fn = [...state.functions.values()].find((f) => f.arn === arn);
      if (!fn) return false;
      Object.assign(fn.tags, tags);
      return true;
    },
    untag: (state, arn, keys) => {
      const fn = [...state.functions.values()].find((f) => f.arn === arn);
      if (!fn) return false;
      for (const k of keys) delete fn.tags[k];
      return true;
    },
  },
  dispose: (state) => {
    state.closed = true;
    stopMappings(state);
    for (const fn of state.functions.values()) disposeFunction(fn);
  },
});
