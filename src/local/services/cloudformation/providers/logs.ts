/** `AWS::Logs::LogGroup`, deployed through the emulator's CloudWatch Logs service (JSON 1.1). */
import { arn, compact, generatedName, ignoreNotFound, type ResourceProvider, str, tagMapOf } from './kit.js';

const retention = (props: Record<string, unknown>): number | undefined =>
  props.RetentionInDays === undefined ? undefined : Number(props.RetentionInDays);

export const logGroup: ResourceProvider = {
  service: 'logs',
  nameProperty: 'LogGroupName',
  replaceOn: ['LogGroupName', 'LogGroupClass'],
  async create(props, ctx) {
    const name = str(props.LogGroupName) ?? generatedName(ctx.stackName, ctx.logicalId, 512);
    await ctx.invoke(
      'logs',
      'CreateLogGroup',
      compact({
        logGroupName: name,
        kmsKeyId: str(props.KmsKeyId),
        logGroupClass: str(props.LogGroupClass),
        tags: tagMapOf(props, ctx),
      }),
    );
    const days = retention(props);
    if (days !== undefined) {
      await ctx.invoke('logs', 'PutRetentionPolicy', { logGroupName: name, retentionInDays: days });
    }
    return { physicalId: name, ref: name, attributes: { Arn: arn(ctx, 'logs', `log-group:${name}:*`) } };
  },
  async update(current, props, previous, ctx) {
    const days = retention(props);
    if (days !== retention(previous)) {
      await (days === undefined
        ? ctx.invoke('logs', 'DeleteRetentionPolicy', { logGroupName: current.physicalId })
        : ctx.invoke('logs', 'PutRetentionPolicy', {
            logGroupName: current.physicalId,
            retentionInDays: days,
          }));
    }
    return current;
  },
  async delete(current, _props, ctx) {
    await ignoreNotFound(ctx.invoke('logs', 'DeleteLogGroup', { logGroupName: current.physicalId }));
  },
};
