/** Decoding helpers for the AWS query protocol (form-encoded parameters). */

export const parseForm = (body: string): Record<string, string> => {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
};

/**
 * Collects numbered members: for prefix `Attribute` it reads `Attribute.1.Name`, `Attribute.1.Value`,
 * `Attribute.2....` into `[{ Name, Value }, ...]` (sub-keys kept as flat dotted strings).
 * Also accepts the `.member.N` form (`Prefix.member.1.Key`).
 */
export const numbered = (params: Record<string, string>, prefix: string): Record<string, string>[] => {
  const out = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(?:member\\.)?(\\d+)(?:\\.(.+))?$`);
  for (const [key, value] of Object.entries(params)) {
    const m = re.exec(key);
    if (!m) continue;
    const index = Number(m[1]);
    const entry = out.get(index) ?? {};
    entry[m[2] ?? ''] = value;
    out.set(index, entry);
  }
  return [...out.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
};

/** Numbered scalar list: `AttributeName.1=All` → `['All']`. */
export const numberedValues = (params: Record<string, string>, prefix: string): string[] =>
  numbered(params, prefix)
    .map((e) => e[''])
    .filter((v): v is string => v !== undefined);

/** `Attribute.N.Name/Value` (or `Tag.N.Key/Value`) pairs → a map. */
export const numberedMap = (
  params: Record<string, string>,
  prefix: string,
  keyField = 'Name',
  valueField = 'Value',
): Record<string, string> | undefined => {
  const list = numbered(params, prefix);
  if (list.length === 0) return undefined;
  const map: Record<string, string> = {};
  for (const e of list) {
    const k = e[keyField];
    if (k !== undefined) map[k] = e[valueField] ?? '';
  }
  return map;
};
