import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { unzipSync } from 'fflate';

/**
 * The emulator's convention for code in a local directory, sendable by an unmodified
 * CreateFunction / UpdateFunctionCode: `S3Bucket: '__local__'` (not a valid bucket name, so it can
 * never clash with a real one) and `S3Key` the absolute path of the directory. The directory is
 * used in place (not copied): a change to it shows on the next cold start.
 */
export const LOCAL_CODE_BUCKET = '__local__';

/** A function's code, ready to run. */
export interface FunctionCode {
  /** The directory the handler path is relative to (LAMBDA_TASK_ROOT). */
  readonly taskRoot: string;
  /** A temporary directory this code owns (removed by `releaseCode`). */
  readonly tempDir: string | undefined;
  /** Base64 SHA-256 of the package, as CodeSha256. */
  readonly sha256: string;
  readonly size: number;
  /** Where GetFunction says the code is. */
  readonly location: string;
}

export class CodeError extends Error {
  override readonly name = 'CodeError';
}

/** Unzips a deployment package into a new temporary directory. */
export const codeFromZip = (zip: Uint8Array): FunctionCode => {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (err) {
    throw new CodeError(
      `Could not unzip uploaded file. Please check your file, then try to upload again. (${(err as Error).message})`,
    );
  }
  const tempDir = mkdtempSync(join(tmpdir(), 'eventprobe-lambda-'));
  const root = join(tempDir, 'task');
  mkdirSync(root);
  try {
    for (const [name, data] of Object.entries(files)) {
      const target = normalize(join(root, name));
      if (!target.startsWith(root + sep))
        throw new CodeError(`Zip entry ${name} points outside the package.`);
      if (name.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
  } catch (err) {
    rmSync(tempDir, { recursive: true, force: true });
    throw err;
  }
  return {
    taskRoot: root,
    tempDir,
    sha256: createHash('sha256').update(zip).digest('base64'),
    size: zip.length,
    location: `file://${root}`,
  };
};

/** Code in a local directory, used in place. */
export const codeFromDirectory = (path: string): FunctionCode => {
  if (!isAbsolute(path)) {
    throw new CodeError(
      `S3Key for bucket ${LOCAL_CODE_BUCKET} must be an absolute directory path, got "${path}".`,
    );
  }
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new CodeError(`Local code directory ${path} does not exist or is not a directory.`);
  return {
    taskRoot: path,
    tempDir: undefined,
    sha256: createHash('sha256').update(path).digest('base64'),
    size: 0,
    location: `file://${path}`,
  };
};

/** Removes the temporary directory of unzipped code (no-op for local directories). */
export const releaseCode = (code: FunctionCode | undefined): void => {
  if (code?.tempDir) rmSync(code.tempDir, { recursive: true, force: true });
};
