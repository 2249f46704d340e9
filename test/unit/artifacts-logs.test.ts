/** The failure artifacts' function logs: bounded per log group, once per event, grouped and in time order. */
import { describe, expect, it } from 'vitest';
import { ArtifactRecorder, MAX_LOG_EVENTS_PER_GROUP, MAX_LOG_GROUPS } from '../../src/artifacts.js';
import { parseLogEvent } from '../../src/checks/function-logs.js';
import { type LogEvent, ON_LOG_EVENTS, tailEvents } from '../../src/checks/functions.js';

const T0 = Date.UTC(2026, 11, 7, 6, 0, 0);
const event = (i: number, message = `line ${i}`, stream = 's1'): LogEvent =>
  parseLogEvent({ timestamp: T0 + i, message, logStreamName: stream, eventId: `e${i}` });
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('ArtifactRecorder function logs', () => {
  it('keeps the newest events of each log group up to the bound, and says how many it let go', () => {
    const recorder = new ArtifactRecorder(3);
    recorder.logs('/aws/lambda/a', [event(1), event(2)]);
    recorder.logs('/aws/lambda/a', [event(3), event(4), event(5)]);
    recorder.logs('/aws/lambda/b', [event(9, 'only one', 's2')]);
    expect(lines(recorder.functionLogs())).toEqual([
      '== /aws/lambda/a (3 events, 2 older not kept) ==',
      '2026-12-07T06:00:00.003Z  s1  line 3',
      '2026-12-07T06:00:00.004Z  s1  line 4',
      '2026-12-07T06:00:00.005Z  s1  line 5',
      '== /aws/lambda/b (1 events) ==',
      '2026-12-07T06:00:00.009Z  s2  only one',
    ]);
  });

  it('the default bound is 500 events a group', () => {
    const recorder = new ArtifactRecorder();
    expect(recorder.maxLogEventsPerGroup).toBe(MAX_LOG_EVENTS_PER_GROUP);
    expect(MAX_LOG_EVENTS_PER_GROUP).toBe(500);
    recorder.logs(
      'g',
      Array.from({ length: 600 }, (_, i) => event(i)),
    );
    const out = lines(recorder.functionLogs());
    expect(out[0]).toBe('== g (500 events, 100 older not kept) ==');
    expect(out).toHaveLength(501);
    expect(out[1]).toContain('line 100');
    expect(out[500]).toContain('line 599');
  });

  it('keeps the log groups read last up to the bound, and says first how many it left out', () => {
    const recorder = new ArtifactRecorder(2, 2);
    recorder.logs('a', [event(1)]);
    recorder.logs('b', [event(2)]);
    recorder.logs('a', [event(3)]);
    recorder.logs('c', [event(4)]);
    expect(lines(recorder.functionLogs())).toEqual([
      '== 1 more log group left out: at most 2 are kept, those read last ==',
      '== a (2 events) ==',
      '2026-12-07T06:00:00.001Z  s1  line 1',
      '2026-12-07T06:00:00.003Z  s1  line 3',
      '== c (1 events) ==',
      '2026-12-07T06:00:00.004Z  s1  line 4',
    ]);
    // A group left out that is read again comes back (with what this read brought) and pushes out the oldest.
    recorder.logs('b', [event(5), event(6), event(7)]);
    recorder.logs('d', [event(8)]);
    expect(lines(recorder.functionLogs())).toEqual([
      '== 2 more log groups left out: at most 2 are kept, those read last ==',
      '== b (2 events, 1 older not kept) ==',
      '2026-12-07T06:00:00.006Z  s1  line 6',
      '2026-12-07T06:00:00.007Z  s1  line 7',
      '== d (1 events) ==',
      '2026-12-07T06:00:00.008Z  s1  line 8',
    ]);
  });

  it('the default bound is 20 log groups, and the note is in function-logs.txt', async () => {
    const recorder = new ArtifactRecorder();
    expect(recorder.maxLogGroups).toBe(MAX_LOG_GROUPS);
    expect(MAX_LOG_GROUPS).toBe(20);
    for (let i = 0; i < 25; i++) recorder.logs(`/aws/lambda/f${i}`, [event(i)]);
    const text = (await recorder.collect(undefined)).get('function-logs.txt') ?? '';
    const headers = lines(text).filter((line) => line.startsWith('=='));
    expect(headers).toHaveLength(21);
    expect(headers[0]).toBe('== 5 more log groups left out: at most 20 are kept, those read last ==');
    expect(headers[1]).toBe('== /aws/lambda/f5 (1 events) ==');
    expect(headers[20]).toBe('== /aws/lambda/f24 (1 events) ==');
  });

  it('records an event read again (a later poll, another call) once, in time order, line breaks escaped', () => {
    const recorder = new ArtifactRecorder(2);
    recorder.logs('g', [event(2, 'two\nlines'), event(1)]);
    recorder.logs('g', [event(1), event(2, 'two\nlines')]);
    recorder.logs('g', []);
    recorder.logs('empty', []);
    expect(lines(recorder.functionLogs())).toEqual([
      '== g (2 events) ==',
      '2026-12-07T06:00:00.001Z  s1  line 1',
      '2026-12-07T06:00:00.002Z  s1  two\\nlines',
    ]);
  });

  it('writes function-logs.txt only when it read logs', async () => {
    const recorder = new ArtifactRecorder();
    expect([...(await recorder.collect(undefined)).keys()]).toEqual(['listeners.json']);
    recorder.logs('g', [event(1)]);
    const files = await recorder.collect(undefined);
    expect([...files.keys()]).toEqual(['listeners.json', 'function-logs.txt']);
    expect(files.get('function-logs.txt')).toBe('== g (1 events) ==\n2026-12-07T06:00:00.001Z  s1  line 1\n');
  });

  it('adds its hook to an options object and leaves anything else for the check to refuse', () => {
    const recorder = new ArtifactRecorder();
    const options = recorder.withLogHook({ functionName: 'f', timeout: 1 });
    expect(options).toMatchObject({ functionName: 'f', timeout: 1 });
    const hook = (options as unknown as Record<symbol, (g: string, e: LogEvent[]) => void>)[ON_LOG_EVENTS];
    hook?.('/aws/lambda/f', [event(1)]);
    expect(recorder.functionLogs()).toContain('== /aws/lambda/f (1 events) ==');
    expect(recorder.withLogHook(null)).toBeNull();
    expect(recorder.withLogHook('f')).toBe('f');
  });
});

describe('tailEvents', () => {
  it('reads an invoke log tail as events in order, at the invoke time, with ids no other tail shares', () => {
    const tail = [
      'START RequestId: 0b1f4c2e-1111-2222-3333-444455556666 Version: $LATEST',
      '2026-12-07T05:59:59.500Z\t0b1f4c2e-1111-2222-3333-444455556666\tERROR\tboom',
      '',
      'END RequestId: 0b1f4c2e-1111-2222-3333-444455556666',
    ].join('\n');
    const events = tailEvents(tail, T0);
    expect(events.map((e) => [e.timestamp, e.logStreamName, e.message.slice(0, 5)])).toEqual([
      [T0, '(invoke log tail)', 'START'],
      [T0, '(invoke log tail)', '2026-'],
      [T0, '(invoke log tail)', 'END R'],
    ]);
    expect(events[1]?.level).toBe('ERROR');
    const again = tailEvents(tail, T0);
    const ids = new Set([...events, ...again].map((e) => e.eventId));
    expect(ids.size).toBe(6);
    // Recorded, a tail keeps its order (the sort by time is stable).
    const recorder = new ArtifactRecorder();
    recorder.logs('/aws/lambda/f', events);
    expect(recorder.functionLogs().split('\n')[1]).toContain('START');
  });
});
