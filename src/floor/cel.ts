/** Small helpers for writing CEL expressions from configuration values. */

/** The text of `s` inside a single-quoted CEL string: backslashes and quotes escaped. */
export function inner(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

export function str(s: string): string {
  return `'${inner(s)}'`;
}

export function list(items: readonly string[]): string {
  return `[${items.map(str).join(', ')}]`;
}

/**
 * Everything the floor does with a configured value. The generator uses
 * only these on configuration values, so that the chart can run it with
 * placeholders and turn each operation into the template code that does the
 * same (chart.ts).
 */
export interface CelText {
  /** A CEL string literal. */
  str: (s: string) => string;
  /** `s` escaped for inside a CEL string literal. */
  inner: (s: string) => string;
  /** A CEL list of string literals. */
  list: (items: readonly string[]) => string;
  /** The items as text, joined with ", ". */
  joined: (items: readonly string[]) => string;
  /** `then` when `value` is not empty, else `otherwise`. */
  ifNonEmpty: (value: string, then: string, otherwise: string) => string;
}

export const celText: CelText = {
  str,
  inner,
  list,
  joined: (items) => items.join(', '),
  ifNonEmpty: (value, then, otherwise) => (value === '' ? otherwise : then),
};

/** `x` present and a non-empty list. */
export function nonEmpty(expr: string, field: string): string {
  return `(has(${expr}.${field}) && size(${expr}.${field}) > 0)`;
}

/** Every element of an optional list field satisfies `pred` (written with variable `v`). */
export function allOf(expr: string, field: string, v: string, pred: string): string {
  return `(!has(${expr}.${field}) || ${expr}.${field}.all(${v}, ${pred}))`;
}
