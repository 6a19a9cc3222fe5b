/** Small helpers for writing CEL expressions from configuration values. */

export function str(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function list(items: readonly string[]): string {
  return `[${items.map(str).join(', ')}]`;
}

/** `x` present and a non-empty list. */
export function nonEmpty(expr: string, field: string): string {
  return `(has(${expr}.${field}) && size(${expr}.${field}) > 0)`;
}

/** Every element of an optional list field satisfies `pred` (written with variable `v`). */
export function allOf(expr: string, field: string, v: string, pred: string): string {
  return `(!has(${expr}.${field}) || ${expr}.${field}.all(${v}, ${pred}))`;
}
