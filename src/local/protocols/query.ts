/** Decoding helpers for the AWS query protocol (form-encoded parameters). */

export const parseForm = (body: string): Record<string, string> => {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
};
