// Shared helpers of the benchmarks: SDK clients wired to the local emulator, a recorder of request
// intervals (an SDK middleware) with the critical-path computation, medians, and leftover staging.
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createProbe } from '../dist/index.js';

/** Median of a list of numbers. */
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records every HTTP attempt of the clients it is attached to: operation, start and end
 * (performance.now()). Sits in the deserialize step, inside the SDK's retry loop, so each attempt
 * is one interval.
 */
export class Recorder {
  calls = [];
  attach(client) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // Recorded when it starts (so calls still in flight count), completed when it ends.
        const call = { op: context.commandName, start: performance.now(), end: undefined };
        this.calls.push(call);
        try {
          return await next(args);
        } finally {
          call.end = performance.now();
        }
      },
      { step: 'deserialize', name: `benchRecorder${Math.random()}` },
    );
    return client;
  }
  reset() {
    this.calls = [];
  }
  /**
   * The critical path in round trips: the longest chain of calls each of which started after the
   * previous one ended (calls that overlap are concurrent and count once).
   */
  criticalPath() {
    const calls = this.calls.filter((c) => c.end !== undefined).sort((a, b) => a.end - b.end);
    const chain = calls.map(() => 1);
    for (let i = 0; i < calls.length; i++) {
      for (let j = 0; j < i; j++) {
        if (calls[j].end <= calls[i].start && chain[j] + 1 > chain[i]) chain[i] = chain[j] + 1;
      }
    }
    return calls.length === 0 ? 0 : Math.max(...chain);
  }
  count(op) {
    return op === undefined ? this.calls.length : this.calls.filter((c) => c.op === op).length;
  }
}

/** Client config for the emulator. */
export const clientConfig = (env) => ({
  region: env.region,
  endpoint: env.endpoint,
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});

/** Raw SDK clients (optionally recorded). */
export const rawClients = (env, recorder) => {
  const config = clientConfig(env);
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  if (recorder) {
    recorder.attach(sqs);
    recorder.attach(events);
  }
  const destroy = () => {
    sqs.destroy();
    events.destroy();
  };
  return { sqs, events, destroy };
};

/** A probe on the emulator whose SQS and EventBridge clients are recorded. */
export const recordedProbe = (env, recorder, options = {}) => {
  const config = clientConfig(env);
  const clients = {
    sqs: recorder.attach(new SQSClient({ ...config, maxAttempts: 5 })),
    eventBridge: recorder.attach(new EventBridgeClient({ ...config, maxAttempts: 5 })),
  };
  const probe = createProbe({ ...config, ...options, clients });
  const dispose = probe[Symbol.asyncDispose].bind(probe);
  return Object.assign(probe, {
    async close() {
      await dispose();
      clients.sqs.destroy();
      clients.eventBridge.destroy();
    },
  });
};

/** Runs `task` over `items` with at most `limit` at once. */
export const mapLimit = async (items, limit, task) => {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i], i);
      }
    }),
  );
  return out;
};

/**
 * Creates `count` leftover listeners as a crashed eventprobe run leaves them (queue + rule + target,
 * tagged with the marker, `runId`, `createdAt`, user `tags`), with raw SDK calls.
 */
export const stageLeftovers = async (env, { count, tags, runId, createdAt, marker = true }) => {
  const { sqs, events, destroy } = rawClients(env);
  try {
    return await mapLimit(Array.from({ length: count }), 25, async () => {
      const id = `l${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}${Math.random().toString(36).slice(2, 9).padEnd(7, '0')}`;
      const name = `eventprobe-${id}`;
      const all = marker
        ? {
            ...tags,
            'eventprobe:managed': 'true',
            'eventprobe:listener-id': id,
            'eventprobe:run-id': runId,
            'eventprobe:created-at': createdAt.toISOString(),
          }
        : { ...tags };
      const [{ QueueUrl }] = await Promise.all([
        sqs.send(new CreateQueueCommand({ QueueName: name, tags: all })),
        events.send(
          new PutRuleCommand({
            Name: name,
            EventPattern: JSON.stringify({ source: ['bench.leftover'] }),
            Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      ]);
      await events.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [{ Id: 'eventprobe-queue', Arn: `arn:aws:sqs:${env.region}:${env.accountId}:${name}` }],
        }),
      );
      return { id, name, queueUrl: QueueUrl };
    });
  } finally {
    destroy();
  }
};

/** Queue attributes letting EventBridge rule `ruleArn` send to queue `queueArn` (as eventprobe's own policy). */
export const queuePolicyFor = (queueArn, ruleArn) => ({
  Policy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  }),
});

/** Rejects after `ms` unless `promise` settles first. */
export const withTimeout = (promise, ms, what) => {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};
