export { parseRuleId, type RuleReference, resolveRuleReference, ruleIdOf } from './rule-id.js';
export {
  type CloudFormationLike,
  getPhysicalIdFromStack,
  getStackOutputs,
  type StackLookupOptions,
} from './stacks.js';
