/** Pages through a listing until the next token is empty. */
export const allPages = async <P>(
  fetch: (token: string | undefined) => Promise<P>,
  next: (page: P) => string | undefined,
): Promise<P[]> => {
  const out: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(page);
    token = next(page);
  } while (token);
  return out;
};
