// A test run that gets killed: creates a probe from the library (transpiled sources, path in argv)
// and calls addListener; the parent test kills this process with SIGKILL while addListener is
// half-way (the emulator delays PutTargets), like a CI job cancelled mid-setup.
// Usage: node child-listener.mjs <library dir> <endpoint> <run id> <tags JSON>
const [libDir, endpoint, runId, tagsJson] = process.argv.slice(2);
const { createProbe } = await import(new URL(`file://${libDir}/probe.js`).href);
const probe = createProbe({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  runId,
  tags: JSON.parse(tagsJson),
});
process.stdout.write('started\n');
await probe.addListener({ eventBusName: 'default', eventPattern: { source: ['eventprobe.sigkill'] } });
process.stdout.write('listener created (the parent should have killed this process by now)\n');
