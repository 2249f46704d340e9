import type { ReceivedEvent } from './message.js';

/**
 * Everything a listener received, in arrival order, de-duplicated by event id. Waiters are woken by
 * `changed()`, a promise that settles at the next append (or when the buffer is closed).
 */
export class EventBuffer<TEvent = unknown> {
  readonly #entries: ReceivedEvent<TEvent>[] = [];
  readonly #ids = new Set<string>();
  /** How many of the entries (from the first) are in `#ids`. */
  #indexed = 0;
  #wake!: () => void;
  #changed: Promise<void>;
  #closed = false;
  /** How many duplicate deliveries were dropped. */
  duplicates = 0;

  constructor() {
    this.#changed = this.#next();
  }

  #next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** The entries so far (a live, read-only view). */
  get entries(): readonly ReceivedEvent<TEvent>[] {
    return this.#entries;
  }

  get length(): number {
    return this.#entries.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Appends the entries whose id was not seen before; returns the ones appended. With `unique`, the
   * caller guarantees that every id is new (e.g. Kinesis records, each read once): they are appended
   * without a look-up, and indexed only when a later checked `add` needs it.
   */
  add(entries: readonly ReceivedEvent<TEvent>[], unique = false): ReceivedEvent<TEvent>[] {
    if (unique) {
      if (entries.length === 0) return [];
      for (const entry of entries) this.#entries.push(entry);
      this.notify();
      return entries.slice();
    }
    const ids = this.#ids;
    // Catch up on entries appended as unique since the last checked add.
    while (this.#indexed < this.#entries.length) {
      ids.add((this.#entries[this.#indexed++] as ReceivedEvent<TEvent>).id);
    }
    const added: ReceivedEvent<TEvent>[] = [];
    for (const entry of entries) {
      // One look-up per entry: the set grows only for an id not seen before.
      const seen = ids.size;
      ids.add(entry.id);
      if (ids.size === seen) {
        this.duplicates++;
        continue;
      }
      this.#entries.push(entry);
      added.push(entry);
    }
    this.#indexed = this.#entries.length;
    if (added.length > 0) this.notify();
    return added;
  }

  /** Wakes everyone waiting on `changed()`. */
  notify(): void {
    const wake = this.#wake;
    this.#changed = this.#next();
    wake();
  }

  /** Settles at the next change. */
  changed(): Promise<void> {
    return this.#changed;
  }

  /** No more entries will come; wakes waiters so they can notice. */
  close(): void {
    this.#closed = true;
    this.notify();
  }
}
