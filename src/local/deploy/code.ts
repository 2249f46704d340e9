/**
 * How a template points a Lambda function at code in a local directory or zip (what SAM's
 * `CodeUri: ./src` and CDK's file assets become in the emulator): `Code: { S3Bucket:
 * LOCAL_CODE_BUCKET, S3Key: <absolute path> }`. The emulator's Lambda service reads such code from
 * the path instead of from S3. This is the one place that convention is written down.
 */
import { LOCAL_CODE_BUCKET } from '../runtime/code.js';

export { LOCAL_CODE_BUCKET };

/** `Code` of an `AWS::Lambda::Function` whose code is the local directory or zip at `path`. */
export const localCode = (absolutePath: string): { S3Bucket: string; S3Key: string } => ({
  S3Bucket: LOCAL_CODE_BUCKET,
  S3Key: absolutePath,
});
