#!/usr/bin/env node
import { runCli } from './cli.js';

// The AWS SDK's Node-version notice is about the SDK's future releases, not about this command;
// printed on every call it buries the output. (Set your own value to see it.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const io = {
  stdout: (text: string) => process.stdout.write(text),
  stderr: (text: string) => process.stderr.write(text),
  env: process.env,
};

const result = await runCli(process.argv.slice(2), io);
const server = result.server;
if (server) {
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  process.exitCode = result.code;
}
