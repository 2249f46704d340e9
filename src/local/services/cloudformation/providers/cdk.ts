/**
 * `AWS::CDK::Metadata`: the usage-report resource CDK adds to stacks (analytics). CloudFormation
 * records it and does nothing else; so does the emulator.
 */
import { generatedName, type ResourceProvider } from './kit.js';

export const cdkMetadata: ResourceProvider = {
  replaceOn: [],
  async create(_props, ctx) {
    const id = generatedName(ctx.stackName, ctx.logicalId, 64);
    return { physicalId: id, ref: id, attributes: {} };
  },
  async update(current) {
    return current;
  },
  async delete() {},
};
