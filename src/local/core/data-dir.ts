import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Emulator, PersistedState } from './emulator.js';

const LOCK = 'eventprobe.lock';
const STATE = 'state.json';

/** Thrown when another running emulator holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another eventprobe emulator (pid ${pid}). ` +
        'Stop that emulator, or give each emulator its own dataDir.',
    );
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A data directory held by this emulator: a lock file with our pid (a stale one, whose process is
 * gone, is taken over), `state.json` loaded on open and written by {@link DataDir.save}.
 */
export class DataDir {
  readonly path: string;
  #released = false;

  private constructor(
    path: string,
    private readonly emulator: Emulator,
  ) {
    this.path = path;
  }

  /** Locks the directory (creating it) and loads the state saved there, if any. */
  static open(dir: string, emulator: Emulator): DataDir {
    const path = resolve(dir);
    mkdirSync(path, { recursive: true });
    const lock = join(path, LOCK);
    for (let attempt = 0; ; attempt += 1) {
      try {
        writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
        const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
        if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new DataDirLockedError(path, pid);
        rmSync(lock, { force: true });
      }
    }
    const held = new DataDir(path, emulator);
    try {
      held.#load();
    } catch (err) {
      held.release();
      throw err;
    }
    return held;
  }

  #load(): void {
    let text: string;
    try {
      text = readFileSync(join(this.path, STATE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let data: PersistedState;
    try {
      data = JSON.parse(text) as PersistedState;
    } catch (err) {
      throw new Error(`${join(this.path, STATE)} is not valid JSON: ${(err as Error).message}`);
    }
    this.emulator.load(data);
  }

  /** Writes the whole state (atomically: a temporary file renamed over the old one). */
  save(): void {
    if (this.#released) throw new Error(`the data directory ${this.path} was released`);
    const file = join(this.path, STATE);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.emulator.save()));
    renameSync(tmp, file);
  }

  /** Frees the lock. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    rmSync(join(this.path, LOCK), { force: true });
  }
}
