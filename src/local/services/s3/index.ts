import { defineService, type TaggingHooks } from '../../core/service.js';
import {
  createBucket,
  deleteBucket,
  deleteBucketPolicy,
  deleteBucketTagging,
  getBucketLocation,
  getBucketPolicy,
  getBucketTagging,
  getBucketVersioning,
  headBucket,
  listBuckets,
  putBucketPolicy,
  putBucketTagging,
} from './buckets.js';
import { s3Shapes } from './codec.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from './multipart.js';
import { getBucketNotificationConfiguration, putBucketNotificationConfiguration } from './notifications.js';
import {
  copyObject,
  deleteObject,
  deleteObjects,
  deleteObjectTagging,
  getObject,
  getObjectTagging,
  headObject,
  listObjects,
  listObjectsV2,
  putObject,
  putObjectTagging,
} from './objects.js';
import { bucketArn, createS3State, type S3State } from './state.js';

/** Buckets in the tagging API (`s3` resource type), each in the region it lives in. */
const s3Tagging: TaggingHooks<S3State> = {
  list: (state) =>
    [...state.buckets.values()]
      .filter((b) => b.tags !== undefined && Object.keys(b.tags).length > 0)
      .map((b) => ({ arn: bucketArn(b.name), resourceType: 's3', tags: { ...b.tags } })),
  tag: (state, arn, tags) => {
    const bucket = state.buckets.get(arn.replace(/^arn:aws[\w-]*:s3:::/, ''));
    if (!bucket || !arn.startsWith('arn:')) return false;
    bucket.tags = { ...bucket.tags, ...tags };
    return true;
  },
  untag: (state, arn, keys) => {
    const bucket = state.buckets.get(arn.replace(/^arn:aws[\w-]*:s3:::/, ''));
    if (!bucket || !arn.startsWith('arn:')) return false;
    const tags = { ...bucket.tags };
    for (const k of keys) delete tags[k];
    bucket.tags = tags;
    return true;
  },
};

/**
 * Amazon S3 (REST-XML, see protocols/rest-xml.ts): buckets with tags, policies and notification
 * configurations; objects with metadata, tags, conditional reads and writes, ranges and checksums;
 * listings (v1 and v2); multipart uploads; event notifications to SQS, SNS, Lambda and EventBridge.
 * Each bucket lives in its region's state; names are global, so lookups search every region.
 */
export const s3 = defineService<S3State>({
  signingName: 's3',
  protocols: ['rest-xml'],
  restXml: s3Shapes,
  createState: createS3State,
  operations: {
    AbortMultipartUpload: abortMultipartUpload,
    CompleteMultipartUpload: completeMultipartUpload,
    CopyObject: copyObject,
    CreateBucket: createBucket,
    CreateMultipartUpload: createMultipartUpload,
    DeleteBucket: deleteBucket,
    DeleteBucketPolicy: deleteBucketPolicy,
    DeleteBucketTagging: deleteBucketTagging,
    DeleteObject: deleteObject,
    DeleteObjects: deleteObjects,
    DeleteObjectTagging: deleteObjectTagging,
    GetBucketLocation: getBucketLocation,
    GetBucketNotificationConfiguration: getBucketNotificationConfiguration,
    GetBucketPolicy: getBucketPolicy,
    GetBucketTagging: getBucketTagging,
    GetBucketVersioning: getBucketVersioning,
    GetObject: getObject,
    GetObjectTagging: getObjectTagging,
    HeadBucket: headBucket,
    HeadObject: headObject,
    ListBuckets: listBuckets,
    ListMultipartUploads: listMultipartUploads,
    ListObjects: listObjects,
    ListObjectsV2: listObjectsV2,
    ListParts: listParts,
    PutBucketNotificationConfiguration: putBucketNotificationConfiguration,
    PutBucketPolicy: putBucketPolicy,
    PutBucketTagging: putBucketTagging,
    PutObject: putObject,
    PutObjectTagging: putObjectTagging,
    UploadPart: uploadPart,
    UploadPartCopy: uploadPartCopy,
  },
  tagging: s3Tagging,
});
