export { parseRuleId, type RuleReference, resolveRuleReference, ruleIdOf } from '../resources/rule-id.js';
export {
  type CloudFormationLike,
  getPhysicalIdFromStack,
  getStackOutputs,
  type StackLookupOptions,
} from './stacks.js';
