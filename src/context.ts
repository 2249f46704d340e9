/**
 * What listeners, checks and cleanup need from a probe. This module imports nothing above it (only
 * types of config/ and resources/), so every part of the library can depend on it without a cycle.
 */
import type { ClientSet, Clock } from './config.js';
import type { ListenerResources } from './resources/listener-resources.js';
import type { Tags } from './resources/tags.js';

/**
 * What a probe shares with cleanup and its listeners: its clients, run id, user tags, clock, and
 * what it has created so far (by listener id, kept current during setup so that a crash half-way
 * still records partial resources).
 */
export interface ProbeContext {
  readonly clients: ClientSet;
  readonly runId: string;
  readonly tags: Tags;
  readonly clock: Clock;
  readonly created: Map<string, ListenerResources>;
}

/**
 * What a listener source needs from the probe on top of {@link ProbeContext}: how to remove what it
 * created (the probe owns removal, so listeners never import cleanup code) and how to say it stopped.
 */
export interface ListenerContext extends ProbeContext {
  /** Records what a listener has created so far (call it before each creation, so a crash leaves a record). */
  readonly record: (resources: ListenerResources) => void;
  /** Removes resources (not-found counts as success). Throws CleanupError naming what stayed. Keeps the record. */
  readonly removeResources: (resources: ListenerResources) => Promise<void>;
  /** Forgets a listener's record once everything it created is gone. */
  readonly forget: (listenerId: string) => void;
  /** A listener calls this when it stops (before removing anything), so the probe stops tracking it. */
  readonly listenerStopped: (listenerId: string) => void;
}
