/**
 * The shards of a stream and the order they may be read in: a child shard (after a split or a
 * merge) is read only once every parent it has is drained, so per-key order holds across
 * resharding. Pure bookkeeping: no I/O, no timers.
 */

/** One shard as the stream lists it. */
export interface ShardInfo {
  readonly shardId: string;
  /** Its parent shards (none, one after a split, two after a merge). */
  readonly parents: readonly string[];
  /** True when the shard is closed (it has an ending sequence number). */
  readonly closed: boolean;
}

type ShardState = 'pending' | 'reading' | 'drained';

export class ShardGraph {
  readonly #states = new Map<string, ShardState>();
  readonly #parents = new Map<string, readonly string[]>();

  /**
   * The shards to start with. From the tip (`latest`): the open shards, and nothing else is tracked
   * (what they split into is found as they close). From the past: the shards whose parents the stream
   * no longer lists, with every other shard pending until its parents are drained.
   */
  start(shards: readonly ShardInfo[], fromLatest: boolean): string[] {
    if (fromLatest) return shards.filter((s) => !s.closed).map((s) => s.shardId);
    const known = new Set(shards.map((s) => s.shardId));
    for (const s of shards) {
      this.#states.set(s.shardId, 'pending');
      this.#parents.set(s.shardId, s.parents);
    }
    return shards.filter((s) => !s.parents.some((p) => known.has(p))).map((s) => s.shardId);
  }

  /** A shard is being read. */
  reading(shardId: string): void {
    this.#states.set(shardId, 'reading');
  }

  /** A closed shard was read to its end (or is gone): its children may become ready. */
  drained(shardId: string): void {
    this.#states.set(shardId, 'drained');
  }

  /** Children a closed shard reported (Kinesis's ChildShards, or a new listing). */
  addChildren(children: readonly { readonly shardId: string; readonly parents: readonly string[] }[]): void {
    for (const child of children) {
      if (!this.#states.has(child.shardId)) this.#states.set(child.shardId, 'pending');
      this.#parents.set(child.shardId, child.parents);
    }
  }

  /** True when the graph knows the shard (pending, reading or drained). */
  has(shardId: string): boolean {
    return this.#states.has(shardId);
  }

  /**
   * The pending shards that may start now (marked `reading`): at least one parent drained and none
   * still pending or being read.
   */
  takeReady(): string[] {
    const ready: string[] = [];
    for (const [shardId, state] of this.#states) {
      if (state !== 'pending') continue;
      const parents = (this.#parents.get(shardId) ?? []).map((p) => this.#states.get(p));
      if (parents.includes('drained') && !parents.includes('pending') && !parents.includes('reading')) {
        this.#states.set(shardId, 'reading');
        ready.push(shardId);
      }
    }
    return ready;
  }
}
