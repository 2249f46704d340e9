import type { Operation } from '../../core/context.js';
import { AwsError } from '../../core/errors.js';
import { DEFAULT_BUS, type EventBus, type EventsState, getBus, newBus } from './state.js';
import { BUS_NAME_PATTERN, checkName, epochSeconds, paginate, tagList } from './validate.js';

type Op = Operation<EventsState>;

const busOut = (bus: EventBus): Record<string, unknown> => ({
  Name: bus.name,
  Arn: bus.arn,
  ...(bus.description !== undefined ? { Description: bus.description } : {}),
  CreationTime: epochSeconds(bus.creationTime),
  LastModifiedTime: epochSeconds(bus.lastModifiedTime),
});

export const createEventBus: Op = (input, ctx) => {
  const name = checkName(input.Name, 'name', BUS_NAME_PATTERN, 256);
  if (name.includes('/') || name.startsWith('aws.')) {
    throw new AwsError('ValidationException', `Event bus name ${name} is not valid.`);
  }
  if (ctx.state.buses.has(name)) {
    throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
  }
  const description = typeof input.Description === 'string' ? input.Description : undefined;
  const bus = newBus(ctx.state, name, ctx.emulator.now(), description);
  for (const [k, v] of tagList(input.Tags)) bus.tags.set(k, v);
  ctx.state.buses.set(name, bus);
  return { EventBusArn: bus.arn, ...(description !== undefined ? { Description: description } : {}) };
};

export const describeEventBus: Op = (input, ctx) => busOut(getBus(ctx.state, input.Name, ctx.emulator.now()));

export const listEventBuses: Op = (input, ctx) => {
  getBus(ctx.state, DEFAULT_BUS, ctx.emulator.now());
  const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
  const buses = [...ctx.state.buses.values()]
    .filter((b) => b.name.startsWith(prefix))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, nextToken } = paginate(buses, input.Limit, input.NextToken);
  return { EventBuses: page.map(busOut), ...(nextToken ? { NextToken: nextToken } : {}) };
};

export const deleteEventBus: Op = (input, ctx) => {
  const name = checkName(input.Name, 'name', BUS_NAME_PATTERN, 256);
  if (name === DEFAULT_BUS) throw new AwsError('ValidationException', 'Cannot delete event bus default.');
  getBus(ctx.state, name, ctx.emulator.now());
  ctx.state.buses.delete(name);
  return {};
};
