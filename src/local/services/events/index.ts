import { fromJsonState } from '../../core/persist.js';
import { defineService } from '../../core/service.js';
import { createEventBus, deleteEventBus, describeEventBus, listEventBuses } from './buses.js';
import { putEvents } from './put-events.js';
import {
  compilePattern,
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
 * targets with Input / InputPath / InputTransformer, tags, PutEvents with delivery to SQS, Lambda
 * and Step Functions targets, and TestEventPattern. Schedule expressions are stored and validated but never fire.
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
  snapshot: (state) => ({
    buses: [...state.buses.values()].map((bus) => ({
      name: bus.name,
      arn: bus.arn,
      rules: [...bus.rules.values()].map((rule) => ({
        name: rule.name,
        arn: rule.arn,
        state: rule.state,
        eventPattern: rule.eventPattern,
        scheduleExpression: rule.scheduleExpression,
        targets: [...rule.targets.values()],
      })),
    })),
  }),
  /** Compiled patterns are functions, not state: rebuilt from the saved pattern text. */
  load: (_scope, data) => {
    const state = fromJsonState(data) as EventsState;
    for (const bus of state.buses.values()) {
      for (const rule of bus.rules.values()) {
        rule.matcher = rule.eventPattern === undefined ? undefined : compilePattern(rule.eventPattern);
      }
    }
    return state;
  },
});
