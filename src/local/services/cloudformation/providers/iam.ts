/**
 * IAM types: accepted and recorded with the names, ids and ARNs IAM would give them, and NOT
 * enforced. The emulator has no IAM service: every call is allowed whatever the roles and
 * policies say. A stack's IAM resources exist only as the stack's records (DescribeStackResources,
 * `Ref`, `Fn::GetAtt`).
 */
import { randomBytes } from 'node:crypto';
import { type Deployed, generatedName, type ResourceProvider, str } from './kit.js';

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An IAM unique id: a 4-letter prefix (AROA for roles, ANPA for policies) and 17 characters. */
const uniqueId = (prefix: string): string =>
  prefix + [...randomBytes(17)].map((b) => ID_CHARS[b % ID_CHARS.length]).join('');

const pathOf = (props: Record<string, unknown>): string => str(props.Path) ?? '/';

const unchanged = async (current: Deployed): Promise<Deployed> => current;

export const iamRole: ResourceProvider = {
  nameProperty: 'RoleName',
  replaceOn: ['RoleName', 'Path'],
  async create(props, ctx) {
    const name = str(props.RoleName) ?? generatedName(ctx.stackName, ctx.logicalId, 64);
    const roleArn = `arn:aws:iam::${ctx.accountId}:role${pathOf(props)}${name}`;
    return { physicalId: name, ref: name, attributes: { Arn: roleArn, RoleId: uniqueId('AROA') } };
  },
  update: unchanged,
  async delete() {},
};

export const iamPolicy: ResourceProvider = {
  replaceOn: [],
  async create(_props, ctx) {
    const id = generatedName(ctx.stackName.slice(0, 5), ctx.logicalId.slice(0, 5), 30);
    return { physicalId: id, ref: id, attributes: { Id: id } };
  },
  update: unchanged,
  async delete() {},
};

export const iamManagedPolicy: ResourceProvider = {
  nameProperty: 'ManagedPolicyName',
  replaceOn: ['ManagedPolicyName', 'Path'],
  async create(props, ctx) {
    const name = str(props.ManagedPolicyName) ?? generatedName(ctx.stackName, ctx.logicalId, 128);
    const policyArn = `arn:aws:iam::${ctx.accountId}:policy${pathOf(props)}${name}`;
    return {
      physicalId: policyArn,
      ref: policyArn,
      attributes: { PolicyArn: policyArn, PolicyId: uniqueId('ANPA'), DefaultVersionId: 'v1' },
    };
  },
  update: unchanged,
  async delete() {},
};
