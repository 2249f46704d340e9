/**
 * On a failed example test, the log lines the app's functions wrote during it (CloudWatch Logs),
 * recorded on the test as an artifact that `npm run demo` prints next to eventprobe's own failure
 * artifacts (the listeners' events and the trace waterfall).
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { beforeEach, recordArtifact, type TestArtifactBase } from 'vitest';

export interface FunctionLogsArtifact extends TestArtifactBase {
  type: 'examples:function-logs';
  /** `function: line`, oldest first per function. */
  lines: string[];
}

/** Registers, for every test of the file, a failure handler that records the functions' log lines. */
export const recordFunctionLogsOnFailure = (functionNames: () => readonly string[]): void => {
  beforeEach((context) => {
    const since = Date.now();
    context.onTestFailed(async () => {
      const logs = new CloudWatchLogsClient({});
      const lines: string[] = [];
      try {
        for (const name of functionNames()) {
          const { events = [] } = await logs
            .send(
              new FilterLogEventsCommand({
                logGroupName: `/aws/lambda/${name}`,
                startTime: since,
                limit: 200,
              }),
            )
            .catch(() => ({ events: [] }));
          for (const e of events) lines.push(`${name}: ${(e.message ?? '').trimEnd()}`);
        }
      } finally {
        logs.destroy();
      }
      const artifact: FunctionLogsArtifact = { type: 'examples:function-logs', lines };
      await recordArtifact(context.task, artifact);
    });
  });
};

declare module 'vitest' {
  interface TestArtifactRegistry {
    'examples:function-logs': FunctionLogsArtifact;
  }
}
