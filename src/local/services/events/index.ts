import { defineService } from '../../core/service.js';
import { createEventBus, deleteEventBus, describeEventBus, listEventBuses } from './buses.js';
import { putEvents } from './put-events.js';
import {
  deleteRule,
  describeRule,
  disableRule,
  enableRule,
  listRuleNamesByTarget,
  listRules,
  putRule,
  testEventPattern,
} from './rules.js';
import { createEventsState, type EventsState } from './state.js';
import { eventsTagging, listTagsForResource, tagResource, untagResource } from './tags.js';
import { listTargetsByRule, putTargets, removeTargets } from './targets.js';

/**
 * Amazon EventBridge (AWS JSON 1.1, `AWSEvents.<Op>`): event buses, rules with event patterns,
 * targets with Input / InputPath / InputTransformer, tags, PutEvents with delivery to SQS targets,
 * and TestEventPattern. Schedule expressions are stored and validated but never fire.
 */
export const events = defineService<EventsState>({
  signingName: 'events',
  protocols: ['json'],
  targetPrefix: 'AWSEvents',
  jsonVersion: '1.1',
  createState: createEventsState,
  operations: {
    CreateEventBus: createEventBus,
    DeleteEventBus: deleteEventBus,
    DeleteRule: deleteRule,
    DescribeEventBus: describeEventBus,
    DescribeRule: describeRule,
    DisableRule: disableRule,
    EnableRule: enableRule,
    ListEventBuses: listEventBuses,
    ListRuleNamesByTarget: listRuleNamesByTarget,
    ListRules: listRules,
    ListTagsForResource: listTagsForResource,
    ListTargetsByRule: listTargetsByRule,
    PutEvents: putEvents,
    PutRule: putRule,
    PutTargets: putTargets,
    RemoveTargets: removeTargets,
    TagResource: tagResource,
    TestEventPattern: testEventPattern,
    UntagResource: untagResource,
  },
  tagging: eventsTagging,
});
