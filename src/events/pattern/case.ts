/**
 * Case-insensitive comparison as EventBridge does it: each character of the pattern matches its own
 * lower-case or upper-case form (which may be longer than one character, e.g. `ß` → `SS`).
 */

export type CaseMode = 'equals' | 'prefix' | 'suffix';

const reverse = (text: string): string => text.split('').reverse().join('');

/** Builds a matcher testing `value` against `pattern`, ignoring case, as a whole, prefix or suffix. */
export const ignoreCaseMatcher = (pattern: string, mode: CaseMode): ((value: string) => boolean) => {
  const backwards = mode === 'suffix';
  const chars = Array.from(pattern).map((char) => [
    ...new Set(
      [char, char.toLowerCase(), char.toUpperCase()].map((form) => (backwards ? reverse(form) : form)),
    ),
  ]);
  if (backwards) chars.reverse();
  return (input) => {
    const value = backwards ? reverse(input) : input;
    let positions = new Set([0]);
    for (const forms of chars) {
      const next = new Set<number>();
      for (const at of positions) {
        for (const form of forms) if (value.startsWith(form, at)) next.add(at + form.length);
      }
      if (next.size === 0) return false;
      positions = next;
    }
    return mode !== 'equals' || positions.has(value.length);
  };
};
