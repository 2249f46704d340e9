import type { Listener, MatchFunction, PollEventsOptions, WaitOptions } from './types.js';

/**
 * IATK's `wait_until_event_matched`: waits for the first event `assertionFn` accepts and returns it.
 * `assertionFn` may throw when the event does not match (IATK's style) or return a boolean; unlike
 * IATK, returning `false` means "no match" (not a pass). IATK returns `True`; this returns the event
 * (truthy), so `expect(await waitUntilEventMatched(...)).toBeTruthy()` still reads right. Instead of
 * IATK's `False`, a timeout throws EventTimeoutError saying what arrived. `timeout` is in ms (IATK's
 * `timeout_seconds` is in seconds); default 30 000.
 *
 * IAM: sqs:ReceiveMessage, sqs:DeleteMessage.
 */
export const waitUntilEventMatched = <TEvent>(
  listener: Listener<unknown, TEvent>,
  assertionFn: MatchFunction<TEvent>,
  options: WaitOptions = {},
): Promise<TEvent> => listener.waitForEvent(assertionFn, options);

/**
 * IATK's `poll_events`: the events not yet returned by an earlier poll (at most `maxEvents`, default
 * 10), waiting up to `waitTimeSeconds` (default 20) when there are none. Events stay in `listener.events`.
 *
 * IAM: sqs:ReceiveMessage, sqs:DeleteMessage.
 */
export const pollEvents = <TEvent>(
  listener: Listener<unknown, TEvent>,
  options: PollEventsOptions = {},
): Promise<TEvent[]> => listener.pollEvents(options);
