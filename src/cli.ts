#!/usr/bin/env node
import { parseArgs } from 'node:util';

const USAGE = `Usage: eventprobe <command> [options]

Commands:
  local [--port N] [--host H] [--account-id ID] [--latency MS]
        Start the local AWS emulator (default 127.0.0.1, port 4566; --port 0 picks a free one)
        and print its endpoint. Stops on Ctrl-C.
  help  Show this text.
`;

const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'local') {
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', default: '4566' },
        host: { type: 'string', default: '127.0.0.1' },
        'account-id': { type: 'string' },
        latency: { type: 'string' },
      },
    });
    const { startLocalAws } = await import('./local/index.js');
    const aws = await startLocalAws({
      port: Number(values.port),
      host: values.host,
      ...(values['account-id'] ? { accountId: values['account-id'] } : {}),
      ...(values.latency ? { latencyMs: Number(values.latency) } : {}),
    });
    console.log(`eventprobe local AWS emulator listening on ${aws.endpoint} (account ${aws.accountId})`);
    console.log(`  export AWS_ENDPOINT_URL=${aws.endpoint}`);
    const stop = async () => {
      await aws.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1; // keep running
  }
  console.error(`eventprobe: unknown command "${command}"\n\n${USAGE}`);
  return 2;
};

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`eventprobe: ${(err as Error).message ?? String(err)}`);
    process.exitCode = 1;
  },
);
