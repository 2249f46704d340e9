import type { ReceivedEvent } from './message.js';

/**
 * Everything a listener received, in arrival order, de-duplicated by event id. Waiters are woken by
 * `changed()`, a promise that settles at the next append (or when the buffer is closed).
 */
export class EventBuffer<TEvent = unknown> {
  readonly #entries: ReceivedEvent<TEvent>[] = [];
  readonly #ids = new Set<string>();
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

  /** Appends the entries whose id was not seen before; returns the ones appended. */
  add(entries: readonly ReceivedEvent<TEvent>[]): ReceivedEvent<TEvent>[] {
    const added: ReceivedEvent<TEvent>[] = [];
    for (const entry of entries) {
      if (this.#ids.has(entry.id)) {
        this.duplicates++;
        continue;
      }
      this.#ids.add(entry.id);
      this.#entries.push(entry);
      added.push(entry);
    }
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
