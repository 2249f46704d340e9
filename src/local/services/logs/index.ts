import type { OpContext, Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { defineService } from '../../core/service.js';
import { compileFilter } from './filter.js';
import {
  createLogsState,
  type LogGroup,
  type LogsState,
  newGroup,
  newStream,
  type StoredEvent,
} from './store.js';

export { type LogsState, writeLogEvents } from './store.js';

type Op = Operation<LogsState>;
type Ctx = OpContext<LogsState>;

const RETENTION = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;

const notFound = (what: string): AwsError =>
  new AwsError('ResourceNotFoundException', `The specified ${what} does not exist.`, 400);
const invalidParam = (message: string): AwsError => new AwsError('InvalidParameterException', message, 400);

const groupOf = (ctx: Ctx, input: Record<string, unknown>): LogGroup => {
  let name = input.logGroupName;
  if (name === undefined && typeof input.logGroupIdentifier === 'string') {
    name = input.logGroupIdentifier
      .replace(/^arn:[^:]+:logs:[^:]*:\d{12}:log-group:/, '')
      .replace(/:\*$/, '');
  }
  const group = typeof name === 'string' ? ctx.state.groups.get(name) : undefined;
  if (!group) throw notFound('log group');
  return group;
};

const groupOut = (g: LogGroup) => ({
  logGroupName: g.name,
  creationTime: g.creationTime,
  ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
  metricFilterCount: 0,
  arn: `${g.arn}:*`,
  logGroupArn: g.arn,
  storedBytes: [...g.streams.values()].reduce(
    (s, st) => s + st.events.reduce((n, e) => n + e.message.length, 0),
    0,
  ),
  logGroupClass: 'STANDARD',
});

/** nextToken = the index to continue from. */
const paged = <T>(rows: T[], input: Record<string, unknown>, max: number) => {
  const start =
    typeof input.nextToken === 'string' ? Number.parseInt(input.nextToken.replace(/^[fb]\//, ''), 10) : 0;
  if (!Number.isInteger(start) || start < 0) throw invalidParam('The specified nextToken is invalid.');
  const limit = typeof input.limit === 'number' ? input.limit : max;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw invalidParam(
      `1 validation error detected: Value '${String(input.limit)}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  const items = rows.slice(start, start + limit);
  return { items, next: start + limit < rows.length ? String(start + limit) : undefined };
};

const createLogGroup: Op = (input, ctx) => {
  const name = input.logGroupName;
  if (typeof name !== 'string' || !GROUP_NAME.test(name)) {
    throw invalidParam(
      `1 validation error detected: Value '${String(name)}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
    );
  }
  if (ctx.state.groups.has(name)) {
    throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists', 400);
  }
  const group = newGroup(ctx.state, name, ctx.emulator.now());
  if (input.tags && typeof input.tags === 'object') Object.assign(group.tags, input.tags);
  return {};
};

const deleteLogGroup: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  ctx.state.groups.delete(group.name);
  return {};
};

const describeLogGroups: Op = (input, ctx) => {
  const prefix = typeof input.logGroupNamePrefix === 'string' ? input.logGroupNamePrefix : '';
  const pattern = typeof input.logGroupNamePattern === 'string' ? input.logGroupNamePattern : undefined;
  const rows = [...ctx.state.groups.values()]
    .filter((g) => g.name.startsWith(prefix) && (pattern === undefined || g.name.includes(pattern)))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const { items, next } = paged(rows, input, 50);
  return { logGroups: items.map(groupOut), ...(next ? { nextToken: next } : {}) };
};

const createLogStream: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  const name = input.logStreamName;
  if (typeof name !== 'string' || !STREAM_NAME.test(name)) throw invalidParam('logStreamName is invalid.');
  if (group.streams.has(name)) {
    throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists', 400);
  }
  newStream(group, name, ctx.emulator.now());
  return {};
};

const deleteLogStream: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  if (!group.streams.delete(String(input.logStreamName))) throw notFound('log stream');
  return {};
};

const describeLogStreams: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  const prefix = typeof input.logStreamNamePrefix === 'string' ? input.logStreamNamePrefix : '';
  const byTime = input.orderBy === 'LastEventTime';
  if (byTime && prefix !== '') {
    throw invalidParam('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  let rows = [...group.streams.values()].filter((s) => s.name.startsWith(prefix));
  rows.sort(
    byTime
      ? (a, b) => (a.events.at(-1)?.timestamp ?? 0) - (b.events.at(-1)?.timestamp ?? 0)
      : (a, b) => (a.name < b.name ? -1 : 1),
  );
  if (input.descending === true) rows = rows.reverse();
  const { items, next } = paged(rows, input, 50);
  return {
    logStreams: items.map((s) => ({
      logStreamName: s.name,
      creationTime: s.creationTime,
      arn: `${group.arn}:log-stream:${s.name}`,
      storedBytes: 0,
      ...(s.events.length > 0
        ? {
            firstEventTimestamp: s.events[0]?.timestamp,
            lastEventTimestamp: s.events.at(-1)?.timestamp,
            lastIngestionTime: s.lastIngestionTime,
          }
        : {}),
    })),
    ...(next ? { nextToken: next } : {}),
  };
};

const putLogEvents: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  const stream = group.streams.get(String(input.logStreamName));
  if (!stream) throw notFound('log stream');
  const events = input.logEvents;
  if (!Array.isArray(events) || events.length === 0 || events.length > 10000) {
    throw invalidParam('logEvents must hold 1 to 10000 events.');
  }
  const now = ctx.emulator.now();
  let last = Number.NEGATIVE_INFINITY;
  let tooOld: number | undefined;
  let tooNew: number | undefined;
  events.forEach((e: Record<string, unknown>, i) => {
    const ts = e.timestamp;
    if (typeof ts !== 'number' || typeof e.message !== 'string')
      throw invalidParam('Each log event needs a timestamp and a message.');
    if (ts < last)
      throw invalidParam('Log events in a single PutLogEvents request must be in chronological order.');
    last = ts;
    if (ts < now - 14 * 86_400_000) tooOld = i;
    else if (ts > now + 2 * 3_600_000) tooNew ??= i;
    else stream.events.push({ timestamp: ts, message: e.message, ingestionTime: now });
  });
  stream.events.sort((a, b) => a.timestamp - b.timestamp);
  stream.lastIngestionTime = now;
  const rejected = {
    ...(tooOld !== undefined ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(tooNew !== undefined ? { tooNewLogEventStartIndex: tooNew } : {}),
  };
  return {
    nextSequenceToken: String(stream.events.length).padStart(56, '0'),
    ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
  };
};

const inRange = (e: StoredEvent, input: Record<string, unknown>): boolean =>
  (typeof input.startTime !== 'number' || e.timestamp >= input.startTime) &&
  (typeof input.endTime !== 'number' || e.timestamp < input.endTime);

const getLogEvents: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  const stream = group.streams.get(String(input.logStreamName));
  if (!stream) throw notFound('log stream');
  const all = stream.events.filter((e) => inRange(e, input));
  const limit = typeof input.limit === 'number' ? input.limit : 10000;
  const token = typeof input.nextToken === 'string' ? input.nextToken : undefined;
  const fromHead = token ? token.startsWith('f/') : input.startFromHead === true;
  const at = token ? Number.parseInt(token.slice(2), 10) : fromHead ? 0 : all.length;
  if (!Number.isInteger(at)) throw invalidParam('The specified nextToken is invalid.');
  const [from, to] = fromHead ? [at, Math.min(all.length, at + limit)] : [Math.max(0, at - limit), at];
  const events = all
    .slice(from, to)
    .map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }));
  return { events, nextForwardToken: `f/${to}`, nextBackwardToken: `b/${from}` };
};

const filterLogEvents: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  const match = compileFilter(typeof input.filterPattern === 'string' ? input.filterPattern : undefined);
  const names = Array.isArray(input.logStreamNames) ? new Set(input.logStreamNames.map(String)) : undefined;
  const prefix = typeof input.logStreamNamePrefix === 'string' ? input.logStreamNamePrefix : '';
  const rows: {
    logStreamName: string;
    timestamp: number;
    message: string;
    ingestionTime: number;
    eventId: string;
  }[] = [];
  for (const stream of group.streams.values()) {
    if (names && !names.has(stream.name)) continue;
    if (!stream.name.startsWith(prefix)) continue;
    stream.events.forEach((e, i) => {
      if (inRange(e, input) && match(e.message)) {
        rows.push({
          logStreamName: stream.name,
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
          eventId: `${e.timestamp}${String(i).padStart(20, '0')}`,
        });
      }
    });
  }
  rows.sort((a, b) => a.timestamp - b.timestamp);
  const { items, next } = paged(rows, input, 10000);
  return {
    events: items,
    searchedLogStreams: [],
    ...(next ? { nextToken: next } : {}),
  };
};

const putRetentionPolicy: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  const days = input.retentionInDays;
  if (typeof days !== 'number' || !RETENTION.has(days)) {
    throw invalidParam(
      `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${[...RETENTION].join(', ')}]`,
    );
  }
  group.retentionInDays = days;
  return {};
};

const deleteRetentionPolicy: Op = (input, ctx) => {
  groupOf(ctx, input).retentionInDays = undefined;
  return {};
};

const groupByArn = (ctx: Ctx, arn: unknown): LogGroup => {
  const name =
    typeof arn === 'string'
      ? arn.replace(/^arn:[^:]+:logs:[^:]*:\d{12}:log-group:/, '').replace(/:\*$/, '')
      : '';
  const group = ctx.state.groups.get(name);
  if (!group) throw notFound('resource');
  return group;
};

const tagResource: Op = (input, ctx) => {
  Object.assign(groupByArn(ctx, input.resourceArn).tags, input.tags ?? {});
  return {};
};
const untagResource: Op = (input, ctx) => {
  const group = groupByArn(ctx, input.resourceArn);
  for (const k of Array.isArray(input.tagKeys) ? input.tagKeys : []) delete group.tags[String(k)];
  return {};
};
const listTagsForResource: Op = (input, ctx) => ({ tags: { ...groupByArn(ctx, input.resourceArn).tags } });
const tagLogGroup: Op = (input, ctx) => {
  Object.assign(groupOf(ctx, input).tags, input.tags ?? {});
  return {};
};
const untagLogGroup: Op = (input, ctx) => {
  const group = groupOf(ctx, input);
  for (const k of Array.isArray(input.tags) ? input.tags : []) delete group.tags[String(k)];
  return {};
};
const listTagsLogGroup: Op = (input, ctx) => ({ tags: { ...groupOf(ctx, input).tags } });

/** CloudWatch Logs: AWS JSON 1.1. Lambda functions' output lands here. */
export const logs = defineService<LogsState>({
  signingName: 'logs',
  targetPrefix: 'Logs_20140328',
  jsonVersion: '1.1',
  createState: createLogsState,
  operations: {
    CreateLogGroup: createLogGroup,
    DeleteLogGroup: deleteLogGroup,
    DescribeLogGroups: describeLogGroups,
    CreateLogStream: createLogStream,
    DeleteLogStream: deleteLogStream,
    DescribeLogStreams: describeLogStreams,
    PutLogEvents: putLogEvents,
    GetLogEvents: getLogEvents,
    FilterLogEvents: filterLogEvents,
    PutRetentionPolicy: putRetentionPolicy,
    DeleteRetentionPolicy: deleteRetentionPolicy,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
    TagLogGroup: tagLogGroup,
    UntagLogGroup: untagLogGroup,
    ListTagsLogGroup: listTagsLogGroup,
  },
  tagging: {
    list: (state) =>
      [...state.groups.values()].map((g) => ({
        arn: g.arn,
        resourceType: 'logs:log-group',
        tags: { ...g.tags },
      })),
    tag: (state, arn, tags) => {
      const g = [...state.groups.values()].find((x) => x.arn === arn);
      if (!g) return false;
      Object.assign(g.tags, tags);
      return true;
    },
    untag: (state, arn, keys) => {
      const g = [...state.groups.values()].find((x) => x.arn === arn);
      if (!g) return false;
      for (const k of keys) delete g.tags[k];
      return true;
    },
  },
});
