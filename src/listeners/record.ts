import type { ListenerContext } from '../context.js';
import type { ListenerResources } from '../resources/listener-resources.js';

type Part = Exclude<keyof ListenerResources, 'listenerId' | 'kind' | 'region'>;

/**
 * What one listener has created, kept current in the probe's record as setup goes (so a failure,
 * or a crash, half-way leaves a complete record for cleanup and sweep).
 */
export class ResourceRecord {
  readonly #ctx: ListenerContext;
  #resources: ListenerResources;

  constructor(ctx: ListenerContext, planned: ListenerResources) {
    this.#ctx = ctx;
    this.#resources = planned;
    ctx.record(planned);
  }

  get current(): ListenerResources {
    return this.#resources;
  }

  /** Adds what a step learned (e.g. the queue URL) to the record. */
  update(patch: Partial<Pick<ListenerResources, Part>>): void {
    this.#resources = { ...this.#resources, ...patch };
    this.#ctx.record(this.#resources);
  }

  /** An undo that removes only these parts of the record (not-found counts as success). */
  undo(...parts: readonly Part[]): () => Promise<void> {
    return () => {
      const { listenerId, kind, region } = this.#resources;
      const only: Record<string, unknown> = { listenerId, kind, region };
      for (const part of parts) if (this.#resources[part] !== undefined) only[part] = this.#resources[part];
      return this.#ctx.removeResources(only as unknown as ListenerResources);
    };
  }

  /** Removes everything recorded and forgets the record (the listener's `stop()`). */
  async remove(): Promise<void> {
    await this.#ctx.removeResources(this.#resources);
    this.#ctx.forget(this.#resources.listenerId);
  }

  /** Forgets the record (everything it named is gone). */
  forget(): void {
    this.#ctx.forget(this.#resources.listenerId);
  }
}
