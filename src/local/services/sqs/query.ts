/**
 * SQS query-protocol hints (2012-11-05): flattened members on the way in (`Attribute.N.Name`,
 * `AttributeName.N`, `SendMessageBatchRequestEntry.N.*`) and flattened elements on the way out.
 */
import type { QueryShapes } from '../../core/service.js';

const NAME_VALUE = ['Name', 'Value'] as const;
const KEY_VALUE = ['Key', 'Value'] as const;

export const sqsQuery: QueryShapes = {
  xmlns: 'http://queue.amazonaws.com/doc/2012-11-05/',
  rename: {
    Attribute: 'Attributes',
    Tag: 'Tags',
    AttributeName: 'AttributeNames',
    MessageAttributeName: 'MessageAttributeNames',
    MessageSystemAttributeName: 'MessageSystemAttributeNames',
    TagKey: 'TagKeys',
    AWSAccountId: 'AWSAccountIds',
    ActionName: 'Actions',
    MessageAttribute: 'MessageAttributes',
    MessageSystemAttribute: 'MessageSystemAttributes',
    SendMessageBatchRequestEntry: 'Entries',
    DeleteMessageBatchRequestEntry: 'Entries',
    ChangeMessageVisibilityBatchRequestEntry: 'Entries',
  },
  renameIn: { CreateQueue: { Tag: 'tags' } },
  maps: {
    Attribute: NAME_VALUE,
    Tag: KEY_VALUE,
    MessageAttribute: NAME_VALUE,
    MessageSystemAttribute: NAME_VALUE,
  },
  flatOut: {
    QueueUrls: 'QueueUrl',
    queueUrls: 'QueueUrl',
    Attributes: 'Attribute',
    Messages: 'Message',
    MessageAttributes: 'MessageAttribute',
    Tags: 'Tag',
    Failed: 'BatchResultErrorEntry',
  },
  flatOutIn: {
    SendMessageBatch: { Successful: 'SendMessageBatchResultEntry' },
    DeleteMessageBatch: { Successful: 'DeleteMessageBatchResultEntry' },
    ChangeMessageVisibilityBatch: { Successful: 'ChangeMessageVisibilityBatchResultEntry' },
  },
  orderOut: { Value: ['StringValue', 'BinaryValue', 'DataType'] },
  mapsOut: { Attributes: NAME_VALUE, MessageAttributes: NAME_VALUE, Tags: KEY_VALUE },
};
