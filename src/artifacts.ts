/**
 * Failure artifacts: what a probe's listeners received, the last trace tree it built, the function
 * log events it read, and (on the built-in emulator) the emulator's state, written to a folder when a test fails. Runner-neutral:
 * `eventprobe/vitest` calls it from `onTestFailed`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type LogEvent, ON_LOG_EVENTS } from './checks/functions.js';
import type { Listener } from './listeners/types.js';
import type { Probe } from './probe.js';
import { TraceAssertionTimeoutError } from './tracing/fetch.js';
import { renderTraceTree } from './tracing/render.js';
import type { TraceTree } from './tracing/tree.js';

/** Where failure artifacts go when nothing else is said. Relative to the working directory. */
export const DEFAULT_ARTIFACTS_DIR = '.eventprobe/artifacts';

/** The tag every resource created inside a test carries: the test's name. */
export const TEST_TAG = 'eventprobe-test';

/** A tag value AWS accepts (letters, digits, spaces and `_.:/=+-@`, at most 256 characters). */
export const tagValueOf = (text: string): string =>
  text
    .replaceAll(' > ', ' / ')
    .replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_')
    .slice(0, 256);

/** A file-system-safe folder name. */
const slug = (text: string): string =>
  text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);

/** How many log events the recorder keeps per log group (the newest). */
export const MAX_LOG_EVENTS_PER_GROUP = 500;

/** How many log groups the recorder keeps (those read most recently). */
export const MAX_LOG_GROUPS = 20;

/** One log event as a line: ISO time, stream, message (trailing blanks cut, its line breaks as `\n`). */
const logLine = (e: LogEvent): string =>
  `${new Date(e.timestamp).toISOString()}  ${e.logStreamName}  ${e.message.trimEnd().replaceAll('\n', '\\n')}`;

/** What a probe under test remembers for its artifacts. */
export class ArtifactRecorder {
  readonly #listeners: { listener: Listener<unknown, unknown>; test: string | undefined }[] = [];
  #lastTree: TraceTree | undefined;
  /**
   * Log group → event id → event, oldest first; at most {@link MAX_LOG_EVENTS_PER_GROUP} a group.
   * The groups in the order they were last read, at most {@link MAX_LOG_GROUPS}.
   */
  readonly #logs = new Map<string, Map<string, LogEvent>>();
  /** Log group → how many older events were let go to keep the bound. */
  readonly #dropped = new Map<string, number>();
  /** Log groups let go whole to keep the bound on groups (a group read again comes back). */
  readonly #groupsLeftOut = new Set<string>();

  constructor(
    readonly maxLogEventsPerGroup = MAX_LOG_EVENTS_PER_GROUP,
    readonly maxLogGroups = MAX_LOG_GROUPS,
  ) {}

  /**
   * Remembers log events a call read (once each by event id), keeping the newest of each group and
   * the groups read most recently.
   */
  logs(logGroupName: string, events: readonly LogEvent[]): void {
    if (events.length === 0) return;
    const group = this.#logs.get(logGroupName) ?? new Map<string, LogEvent>();
    this.#logs.delete(logGroupName);
    this.#logs.set(logGroupName, group);
    this.#groupsLeftOut.delete(logGroupName);
    for (const name of this.#logs.keys()) {
      if (this.#logs.size <= this.maxLogGroups) break;
      this.#logs.delete(name);
      this.#dropped.delete(name);
      this.#groupsLeftOut.add(name);
    }
    for (const event of events) {
      group.delete(event.eventId);
      group.set(event.eventId, event);
    }
    for (const id of group.keys()) {
      if (group.size <= this.maxLogEventsPerGroup) break;
      group.delete(id);
      this.#dropped.set(logGroupName, (this.#dropped.get(logGroupName) ?? 0) + 1);
    }
  }

  /** The options with the hook that records the log events the call reads (other values as they are). */
  withLogHook<O>(options: O): O {
    if (typeof options !== 'object' || options === null) return options;
    return {
      ...options,
      [ON_LOG_EVENTS]: (group: string, events: readonly LogEvent[]) => this.logs(group, events),
    };
  }

  /** The recorded log events, grouped by log group, one line per event in time order ('' when none). */
  functionLogs(): string {
    const groups = [...this.#logs].map(([name, group]) => {
      const events = [...group.values()].sort((a, b) => a.timestamp - b.timestamp);
      const dropped = this.#dropped.get(name);
      const note = dropped ? `, ${dropped} older not kept` : '';
      return `== ${name} (${events.length} events${note}) ==\n${events.map(logLine).join('\n')}\n`;
    });
    const leftOut = this.#groupsLeftOut.size;
    if (leftOut > 0) {
      groups.unshift(
        `== ${leftOut} more log group${leftOut === 1 ? '' : 's'} left out: at most ${this.maxLogGroups} are kept, those read last ==\n`,
      );
    }
    return groups.join('\n');
  }

  /** Remembers a listener (and the test that created it). Returns it. */
  listener<L extends Listener<unknown, unknown>>(listener: L, test: string | undefined): L {
    this.#listeners.push({ listener, test });
    return listener;
  }

  /** Remembers the tree of a trace call, or the last tree on its timeout error. */
  async trace<T>(call: Promise<T>): Promise<T> {
    try {
      const tree = await call;
      this.#lastTree = tree as TraceTree;
      return tree;
    } catch (error) {
      if (error instanceof TraceAssertionTimeoutError && error.lastTree) this.#lastTree = error.lastTree;
      throw error;
    }
  }

  /** The artifacts as file name → content. */
  async collect(endpoint: string | undefined): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const listeners = this.#listeners.map(({ listener, test }) => ({
      id: listener.id,
      createdIn: test ?? '(outside a test)',
      stopped: listener.stopped,
      resources: listener.resources,
      received: listener.received.map((r) => ({
        id: r.id,
        receivedAt: new Date(r.receivedAt).toISOString(),
        event: r.event,
        raw: r.raw,
      })),
    }));
    files.set('listeners.json', `${JSON.stringify(listeners, null, 2)}\n`);
    if (this.#lastTree) files.set('trace.txt', `${renderTraceTree(this.#lastTree)}\n`);
    if (this.#logs.size > 0) files.set('function-logs.txt', this.functionLogs());
    const state = endpoint === undefined ? undefined : await emulatorState(endpoint);
    if (state !== undefined) files.set('emulator-state.json', state);
    return files;
  }
}

/** The built-in emulator's state (`GET /_eventprobe/state`), or undefined when the endpoint has none. */
export const emulatorState = async (endpoint: string): Promise<string | undefined> => {
  try {
    const response = await fetch(new URL('/_eventprobe/state', endpoint), {
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return undefined;
    return await response.text();
  } catch {
    return undefined;
  }
};

/** Writes the artifacts of one failed test; returns the paths written. */
export const writeArtifacts = async (
  dir: string,
  test: string,
  files: ReadonlyMap<string, string>,
): Promise<string[]> => {
  const folder = resolve(dir, slug(test));
  await mkdir(folder, { recursive: true });
  const paths: string[] = [];
  for (const [name, content] of files) {
    const path = join(folder, name);
    await writeFile(path, content);
    paths.push(path);
  }
  return paths;
};

/** Wraps a probe's listener and trace functions so the recorder sees them, and tags listeners with the test name. */
export const recordProbe = (
  probe: Probe,
  recorder: ArtifactRecorder,
  testName: () => string | undefined,
  /** Applied to every listener before it is handed out (e.g. to fit waits into the test's time). */
  wrap: <L extends Listener<unknown, unknown>>(listener: L) => L,
): void => {
  const { addListener, addSnsListener, addKinesisListener, getTraceTree, retryGetTraceTreeUntil } = probe;
  const { addDynamoDbStreamListener, addS3Listener, invoke, waitForLogs, expectNoFunctionErrors } = probe;
  const withTestTag = <O extends { readonly tags?: Readonly<Record<string, string>> }>(options: O): O => {
    const test = testName();
    return test === undefined
      ? options
      : { ...options, tags: { ...options?.tags, [TEST_TAG]: tagValueOf(test) } };
  };
  Object.assign(probe, {
    addListener: async (options: Parameters<Probe['addListener']>[0]) =>
      recorder.listener(wrap(await addListener(withTestTag(options))), testName()),
    addSnsListener: async (options: Parameters<Probe['addSnsListener']>[0]) =>
      recorder.listener(wrap(await addSnsListener(withTestTag(options))), testName()),
    addKinesisListener: async (options: Parameters<Probe['addKinesisListener']>[0]) =>
      recorder.listener(wrap(await addKinesisListener(options)), testName()),
    addDynamoDbStreamListener: async (options: Parameters<Probe['addDynamoDbStreamListener']>[0]) =>
      recorder.listener(wrap(await addDynamoDbStreamListener(options)), testName()),
    addS3Listener: async (options: Parameters<Probe['addS3Listener']>[0]) =>
      recorder.listener(wrap(await addS3Listener(withTestTag(options))), testName()),
    getTraceTree: (...args: Parameters<Probe['getTraceTree']>) => recorder.trace(getTraceTree(...args)),
    retryGetTraceTreeUntil: (...args: Parameters<Probe['retryGetTraceTreeUntil']>) =>
      recorder.trace(retryGetTraceTreeUntil(...args)),
    invoke: <T = unknown>(options: Parameters<Probe['invoke']>[0]) =>
      invoke<T>(recorder.withLogHook(options)),
    waitForLogs: (options: Parameters<Probe['waitForLogs']>[0]) => waitForLogs(recorder.withLogHook(options)),
    expectNoFunctionErrors: (options: Parameters<Probe['expectNoFunctionErrors']>[0]) =>
      expectNoFunctionErrors(recorder.withLogHook(options)),
  });
};
