/** A stored log event. */
export interface StoredEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
}

export interface LogStream {
  readonly name: string;
  readonly creationTime: number;
  readonly events: StoredEvent[];
  lastIngestionTime: number | undefined;
}

export interface LogGroup {
  readonly name: string;
  readonly arn: string;
  readonly creationTime: number;
  retentionInDays: number | undefined;
  readonly streams: Map<string, LogStream>;
  readonly tags: Record<string, string>;
}

export interface LogsState {
  readonly accountId: string;
  readonly region: string;
  readonly groups: Map<string, LogGroup>;
}

export const createLogsState = (scope: { accountId: string; region: string }): LogsState => ({
  accountId: scope.accountId,
  region: scope.region,
  groups: new Map(),
});

export const newGroup = (state: LogsState, name: string, now: number): LogGroup => {
  const group: LogGroup = {
    name,
    arn: `arn:aws:logs:${state.region}:${state.accountId}:log-group:${name}`,
    creationTime: now,
    retentionInDays: undefined,
    streams: new Map(),
    tags: {},
  };
  state.groups.set(name, group);
  return group;
};

export const newStream = (group: LogGroup, name: string, now: number): LogStream => {
  const stream: LogStream = { name, creationTime: now, events: [], lastIngestionTime: undefined };
  group.streams.set(name, stream);
  return stream;
};

/**
 * Appends events to a stream, creating the group and stream when missing (as Lambda does for its
 * functions' output). Events stay in timestamp order.
 */
export const writeLogEvents = (
  state: LogsState,
  groupName: string,
  streamName: string,
  events: readonly { timestamp: number; message: string }[],
  now = Date.now(),
): void => {
  const group = state.groups.get(groupName) ?? newGroup(state, groupName, now);
  const stream = group.streams.get(streamName) ?? newStream(group, streamName, now);
  for (const e of events)
    stream.events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: now });
  stream.events.sort((a, b) => a.timestamp - b.timestamp);
  stream.lastIngestionTime = now;
};
