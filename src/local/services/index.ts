import type { AnyService } from '../core/service.js';
import { cloudformation } from './cloudformation/index.js';
import { dynamodb } from './dynamodb/index.js';
import { dynamodbStreams } from './dynamodb-streams/index.js';
import { events } from './events/index.js';
import { kinesis } from './kinesis/index.js';
import { lambda } from './lambda/index.js';
import { logs } from './logs/index.js';
import { s3 } from './s3/index.js';
import { schemas } from './schemas/index.js';
import { sns } from './sns/index.js';
import { sqs } from './sqs/index.js';
import { stepfunctions } from './stepfunctions/index.js';
import { tagging } from './tagging/index.js';
import { xray } from './xray/index.js';

/**
 * Every service the emulator speaks. Adding a service means adding its folder and one line here.
 */
// biome-ignore format: one line per service keeps additions conflict-free
export const allServices: readonly AnyService[] = [
  cloudformation,
  dynamodb,
  dynamodbStreams,
  events,
  kinesis,
  lambda,
  logs,
  schemas,
  s3,
  sns,
  sqs,
  stepfunctions,
  tagging,
  xray,
];
