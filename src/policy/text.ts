/**
 * A value from the submitted object as text, for comparisons and messages.
 * The object is untrusted: JSON.stringify throws on deep nesting (a body of a
 * few kilobytes can nest thousands of levels) and may return undefined, and a
 * message should not carry megabytes back. This never throws and stays short.
 */
const MAX_VALUE_TEXT = 256;

export function valueText(v: unknown, max = MAX_VALUE_TEXT): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return '(a value nested too deeply to show)';
  }
  if (s === undefined) return String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Order of text by UTF-16 code units, as `Array.prototype.sort()` orders it.
 * Not `localeCompare`: that orders by the process's locale (so a report's
 * order would depend on the machine's LANG), and its first call loads ICU's
 * collation data, a few MiB of resident memory for the life of the process.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
