import type { QueryCodec } from '../../core/service.js';
import { el, node } from '../../protocols/xml.js';

/** Form parameters → a tree: `A.1.B=x` → `{ A: { '1': { B: 'x' } } }`. */
type Tree = { [key: string]: Tree | string };

const toTree = (params: Record<string, string>): Tree => {
  const root: Tree = {};
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.');
    let cursor: Tree = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        if (typeof cursor[part] !== 'object') cursor[part] = value;
        return;
      }
      const next = cursor[part];
      if (typeof next === 'object') cursor = next;
      else {
        const created: Tree = {};
        cursor[part] = created;
        cursor = created;
      }
    });
  }
  return root;
};

/** Numbered children (`1`, `2`, ... or under `member`) in index order. */
const items = (value: Tree | string | undefined): (Tree | string)[] => {
  if (value === undefined || typeof value === 'string') return [];
  const source = typeof value.member === 'object' ? value.member : value;
  return Object.entries(source)
    .filter(([k]) => /^\d+$/.test(k))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);
};

const leaf = (tree: Tree | string | undefined, key: string): string | undefined => {
  if (tree === undefined || typeof tree === 'string') return undefined;
  const v = tree[key];
  return typeof v === 'string' ? v : undefined;
};

const sub = (tree: Tree | string | undefined, key: string): Tree | undefined => {
  if (tree === undefined || typeof tree === 'string') return undefined;
  const v = tree[key];
  return typeof v === 'object' ? v : undefined;
};

const pairs = (
  value: Tree | string | undefined,
  keyField: string,
  valueField: string,
): Record<string, string> | undefined => {
  const list = items(value);
  if (list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const k = leaf(item as Tree, keyField);
    if (k !== undefined) out[k] = leaf(item as Tree, valueField) ?? '';
  }
  return out;
};

const messageAttributes = (value: Tree | string | undefined): Record<string, unknown> | undefined => {
  const list = items(value);
  if (list.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const name = leaf(item as Tree, 'Name');
    const v = sub(item as Tree, 'Value');
    if (name === undefined) continue;
    out[name] = {
      DataType: leaf(v, 'DataType'),
      ...(leaf(v, 'StringValue') !== undefined ? { StringValue: leaf(v, 'StringValue') } : {}),
      ...(leaf(v, 'BinaryValue') !== undefined ? { BinaryValue: leaf(v, 'BinaryValue') } : {}),
    };
  }
  return out;
};

const values = (value: Tree | string | undefined): string[] | undefined => {
  const list = items(value).filter((v): v is string => typeof v === 'string');
  return list.length > 0 ? list : undefined;
};

/** Converts one level of query parameters (the request or a batch entry) to the JSON input shape. */
const convert = (tree: Tree, operation: string): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  for (const [key, value] of Object.entries(tree)) {
    switch (key) {
      case 'Attribute':
        set('Attributes', pairs(value, 'Name', 'Value'));
        break;
      case 'Tag':
        set(operation === 'CreateQueue' ? 'tags' : 'Tags', pairs(value, 'Key', 'Value'));
        break;
      case 'AttributeName':
        set('AttributeNames', values(value));
        break;
      case 'MessageAttributeName':
        set('MessageAttributeNames', values(value));
        break;
      case 'MessageSystemAttributeName':
        set('MessageSystemAttributeNames', values(value));
        break;
      case 'TagKey':
        set('TagKeys', values(value));
        break;
      case 'AWSAccountId':
        set('AWSAccountIds', values(value));
        break;
      case 'ActionName':
        set('Actions', values(value));
        break;
      case 'MessageAttribute':
        set('MessageAttributes', messageAttributes(value));
        break;
      case 'MessageSystemAttribute':
        set('MessageSystemAttributes', messageAttributes(value));
        break;
      case 'SendMessageBatchRequestEntry':
      case 'DeleteMessageBatchRequestEntry':
      case 'ChangeMessageVisibilityBatchRequestEntry':
        set(
          'Entries',
          items(value).map((e) => convert(typeof e === 'object' ? e : {}, operation)),
        );
        break;
      default:
        if (typeof value === 'string') out[key] = value;
        break;
    }
  }
  return out;
};

const attributesXml = (tag: string, attributes: unknown): string =>
  Object.entries((attributes ?? {}) as Record<string, string>)
    .map(([k, v]) => node(tag, el('Name', k) + el('Value', v)))
    .join('');

const messageAttributesXml = (attributes: unknown): string =>
  Object.entries(
    (attributes ?? {}) as Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>,
  )
    .map(([name, v]) =>
      node(
        'MessageAttribute',
        el('Name', name) +
          node(
            'Value',
            el('StringValue', v.StringValue) + el('BinaryValue', v.BinaryValue) + el('DataType', v.DataType),
          ),
      ),
    )
    .join('');

const fields = (record: Record<string, unknown>, keys: readonly string[]): string =>
  keys.map((k) => el(k, record[k] as string | number | boolean | undefined)).join('');

const batchXml = (output: Record<string, unknown>, entryTag: string, keys: readonly string[]): string =>
  ((output.Successful ?? []) as Record<string, unknown>[])
    .map((e) => node(entryTag, fields(e, keys)))
    .join('') +
  ((output.Failed ?? []) as Record<string, unknown>[])
    .map((e) => node('BatchResultErrorEntry', fields(e, ['Id', 'SenderFault', 'Code', 'Message'])))
    .join('');

const SEND_FIELDS = [
  'MessageId',
  'MD5OfMessageBody',
  'MD5OfMessageAttributes',
  'MD5OfMessageSystemAttributes',
  'SequenceNumber',
];

const encode = (operation: string, output: unknown): string => {
  const o = (output ?? {}) as Record<string, unknown>;
  switch (operation) {
    case 'CreateQueue':
    case 'GetQueueUrl':
      return el('QueueUrl', o.QueueUrl as string);
    case 'ListQueues':
      return (
        ((o.QueueUrls ?? []) as string[]).map((u) => el('QueueUrl', u)).join('') +
        el('NextToken', o.NextToken as string | undefined)
      );
    case 'ListDeadLetterSourceQueues':
      return (
        ((o.queueUrls ?? []) as string[]).map((u) => el('QueueUrl', u)).join('') +
        el('NextToken', o.NextToken as string | undefined)
      );
    case 'GetQueueAttributes':
      return attributesXml('Attribute', o.Attributes);
    case 'SendMessage':
      return fields(o, SEND_FIELDS);
    case 'SendMessageBatch':
      return batchXml(o, 'SendMessageBatchResultEntry', ['Id', ...SEND_FIELDS]);
    case 'DeleteMessageBatch':
      return batchXml(o, 'DeleteMessageBatchResultEntry', ['Id']);
    case 'ChangeMessageVisibilityBatch':
      return batchXml(o, 'ChangeMessageVisibilityBatchResultEntry', ['Id']);
    case 'ReceiveMessage':
      return ((o.Messages ?? []) as Record<string, unknown>[])
        .map((m) =>
          node(
            'Message',
            fields(m, ['MessageId', 'ReceiptHandle', 'MD5OfBody', 'Body']) +
              attributesXml('Attribute', m.Attributes) +
              el('MD5OfMessageAttributes', m.MD5OfMessageAttributes as string | undefined) +
              messageAttributesXml(m.MessageAttributes),
          ),
        )
        .join('');
    case 'ListQueueTags':
      return Object.entries((o.Tags ?? {}) as Record<string, string>)
        .map(([k, v]) => node('Tag', el('Key', k) + el('Value', v)))
        .join('');
    default:
      return '';
  }
};

/** The SQS query protocol (form-encoded requests, XML responses in the 2012-11-05 namespace). */
export const sqsQueryCodec: QueryCodec = {
  xmlns: 'http://queue.amazonaws.com/doc/2012-11-05/',
  decode: (operation, params) => convert(toTree(params), operation),
  encode,
};
