/** Runs tasks with at most a fixed number in flight; the rest wait in order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** A limiter letting at most `max` tasks run at once. */
export const createLimiter = (max: number): Limiter => {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return async (task) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      release();
    }
  };
};

/** A limiter that does not limit. */
export const unlimited: Limiter = (task) => task();
