/**
 * The XML request documents of S3 in the SDK's member shapes (what the operations take), and
 * which operation carries which document.
 */
import type { RestXmlShapes } from '../../core/service.js';
import { child, childrenNamed, textOf, type XmlElement } from '../../protocols/xml-document.js';

const tagSet = (root: XmlElement) => ({
  TagSet: childrenNamed(child(root, 'TagSet'), 'Tag').map((t) => ({
    Key: textOf(t, 'Key'),
    Value: textOf(t, 'Value') ?? '',
  })),
});

const filter = (el: XmlElement) => {
  const key = child(child(el, 'Filter'), 'S3Key');
  return key
    ? {
        Key: {
          FilterRules: childrenNamed(key, 'FilterRule').map((r) => ({
            Name: textOf(r, 'Name'),
            Value: textOf(r, 'Value'),
          })),
        },
      }
    : undefined;
};

const configs = (root: XmlElement, element: string, arnElement: string, arnMember: string) =>
  childrenNamed(root, element).map((c) => ({
    Id: textOf(c, 'Id'),
    [arnMember]: textOf(c, arnElement),
    Events: childrenNamed(c, 'Event').map((e) => e.text),
    Filter: filter(c),
  }));

/** Operation → [input member that holds the document, decoder]. */
const PAYLOADS: RestXmlShapes['payloads'] = {
  CreateBucket: [
    'CreateBucketConfiguration',
    (root) => ({ LocationConstraint: textOf(root, 'LocationConstraint') }),
  ],
  PutBucketTagging: ['Tagging', tagSet],
  PutObjectTagging: ['Tagging', tagSet],
  DeleteObjects: [
    'Delete',
    (root) => ({
      Objects: childrenNamed(root, 'Object').map((o) => ({
        Key: textOf(o, 'Key'),
        VersionId: textOf(o, 'VersionId'),
      })),
      Quiet: textOf(root, 'Quiet') === 'true',
    }),
  ],
  CompleteMultipartUpload: [
    'MultipartUpload',
    (root) => ({
      Parts: childrenNamed(root, 'Part').map((p) => ({
        PartNumber: textOf(p, 'PartNumber'),
        ETag: textOf(p, 'ETag'),
        ChecksumCRC32: textOf(p, 'ChecksumCRC32'),
        ChecksumCRC32C: textOf(p, 'ChecksumCRC32C'),
        ChecksumSHA1: textOf(p, 'ChecksumSHA1'),
        ChecksumSHA256: textOf(p, 'ChecksumSHA256'),
      })),
    }),
  ],
  PutBucketNotificationConfiguration: [
    'NotificationConfiguration',
    (root) => ({
      QueueConfigurations: configs(root, 'QueueConfiguration', 'Queue', 'QueueArn'),
      TopicConfigurations: configs(root, 'TopicConfiguration', 'Topic', 'TopicArn'),
      LambdaFunctionConfigurations: configs(
        root,
        'CloudFunctionConfiguration',
        'CloudFunction',
        'LambdaFunctionArn',
      ),
      ...(child(root, 'EventBridgeConfiguration') ? { EventBridgeConfiguration: {} } : {}),
    }),
  ],
};

/** Operations whose body is not an XML document: objects and parts as bytes, a policy as text. */
const RAW_BODIES: RestXmlShapes['rawBodies'] = {
  PutObject: ['Body', 'bytes'],
  UploadPart: ['Body', 'bytes'],
  PutBucketPolicy: ['Policy', 'text'],
};

/** What the REST-XML protocol needs to know of S3's documents. */
export const s3Shapes: RestXmlShapes = {
  xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/',
  payloads: PAYLOADS,
  rawBodies: RAW_BODIES,
};
