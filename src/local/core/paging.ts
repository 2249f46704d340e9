/**
 * Pagination tokens shared by the services: opaque (base64url) tokens that carry an offset into a
 * listing, checked on the way back in.
 */

const PREFIX = 'ep1:';

/** The token that resumes a listing at `offset`. */
export const pageToken = (offset: number): string => Buffer.from(`${PREFIX}${offset}`).toString('base64url');

/**
 * The offset a token names: 0 for no token; `onInvalid()` is thrown when the token is not one of
 * ours or points past the end.
 */
export const pageOffset = (token: unknown, length: number, onInvalid: () => Error): number => {
  if (token === undefined || token === null || token === '') return 0;
  if (typeof token !== 'string') throw onInvalid();
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith(PREFIX)) throw onInvalid();
  const offset = Number(decoded.slice(PREFIX.length));
  if (!Number.isInteger(offset) || offset < 0 || offset > length) throw onInvalid();
  return offset;
};

/** One page of `items` from the token's offset, and the token of the next page if there is one. */
export const paginate = <T>(
  items: readonly T[],
  token: unknown,
  size: number,
  onInvalid: () => Error,
): { page: T[]; nextToken: string | undefined } => {
  const start = pageOffset(token, items.length, onInvalid);
  const end = start + size;
  return { page: items.slice(start, end), nextToken: end < items.length ? pageToken(end) : undefined };
};

/** A token that carries a cursor (e.g. `{ after: 'name' }`), for listings that resume by key. */
export const cursorToken = (cursor: Readonly<Record<string, unknown>>): string =>
  Buffer.from(JSON.stringify(cursor)).toString('base64');

/** The cursor of a {@link cursorToken}; `onInvalid()` is thrown for anything else. */
export const readCursorToken = (token: string, onInvalid: () => Error): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw onInvalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw onInvalid();
  return parsed as Record<string, unknown>;
};
