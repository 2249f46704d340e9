/** CloudFormation's query-protocol hints: the shared decoder/encoder in `protocols/query.ts` does the work. */
import type { QueryShapes } from '../../core/service.js';
import { decodeQueryForm, encodeQueryResult } from '../../protocols/query.js';

export const CFN_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export const cfnQuery: QueryShapes = {
  xmlns: CFN_XMLNS,
  booleans: [
    'DisableRollback',
    'EnableTerminationProtection',
    'UsePreviousTemplate',
    'UsePreviousValue',
    'RetainExceptOnCreate',
    'IncludePropertyValues',
  ],
  numbers: ['TimeoutInMinutes'],
  // botocore reads `<ExecuteChangeSetResult/>` even though the result has no members.
  emptyResult: ['ExecuteChangeSet', 'DeleteChangeSet'],
};

/** `Parameters.member.1.ParameterKey=a` → `{ Parameters: [{ ParameterKey: 'a' }] }`, typed fields converted. */
export const decodeQuery = (params: Record<string, string>): Record<string, unknown> =>
  decodeQueryForm('', params, cfnQuery);

/** Renders a JSON-shaped value as query-protocol XML (lists as `<member>`, dates in ISO 8601). */
export const toXml = (value: unknown): string => encodeQueryResult('', value, cfnQuery);
