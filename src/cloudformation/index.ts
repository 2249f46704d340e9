export { parseRuleId, type RuleReference, resolveRuleReference, ruleIdOf } from '../resources/rule-id.js';
export {
  type CloudFormationLike,
  type GetStackOutputs,
  getPhysicalIdFromStack,
  getStackOutputs,
  type StackLookupOptions,
} from './stacks.js';
