/**
 * The one test for "a JSON object" (not null, not a list), in a module of
 * its own so that every room of the engine can use it without importing the
 * report (which knows the violation types, which know the shares).
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
