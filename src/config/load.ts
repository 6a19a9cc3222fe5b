/**
 * Turns untrusted configuration text into a frozen Config, or a list of every
 * problem with its path. Validation happens once, at boot; nothing else in the
 * program reads the file or the environment for settings. What is valid is
 * declared in schema.ts (fields, defaults) and rules.ts (relations).
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { CIDR_PATTERN, PREFIXED_CIDR_PATTERN } from '../policy/settings.js';
import { checkRules, fillMessage, renderConfigPath } from './rules.js';
import { configSchema, SELECTOR_PATTERN, type Config } from './schema.js';

export interface ConfigError {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: ConfigError[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validate = ajv.compile(configSchema);

/** Patterns whose plain "must match pattern" would tell the reader nothing. */
const patternMessages: Record<string, string> = {
  [CIDR_PATTERN]: '"{value}" is not a CIDR (address/prefix)',
  [PREFIXED_CIDR_PATTERN]: '"{value}" is not a CIDR (address/prefix, like 203.0.113.0/28)',
  [SELECTOR_PATTERN]: '"{value}" is not an equality-based label selector (requirements a=b, a!=b, a or !a, joined by commas)',
};

function segments(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

function at(doc: unknown, path: readonly (string | number)[]): unknown {
  let v = doc;
  for (const seg of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[seg] : undefined;
  return v;
}

function describe(e: ErrorObject, doc: unknown): ConfigError {
  const path = segments(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: renderConfigPath([...path, extra]), message: 'is not a known setting' };
  }
  if (e.keyword === 'enum') {
    return { path: renderConfigPath(path), message: `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}` };
  }
  const custom = e.keyword === 'pattern' ? patternMessages[(e.params as { pattern: string }).pattern] : undefined;
  if (custom !== undefined) return { path: renderConfigPath(path), message: fillMessage(custom, { value: String(at(doc, path)) }) };
  return { path: renderConfigPath(path), message: e.message ?? 'is invalid' };
}

/** Validate an already-parsed document; fills defaults. */
export function configFromObject(input: unknown): ConfigResult {
  const doc: unknown = input === null || input === undefined ? {} : structuredClone(input);
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, errors: [{ path: '(root)', message: 'must be a mapping of settings' }] };
  }
  const errors: ConfigError[] = validate(doc) ? [] : (validate.errors ?? []).map((e) => describe(e, doc));
  // A path the schema already reported is not reported again by a rule.
  const schemaPaths = new Set(errors.map((e) => e.path));
  for (const f of checkRules(doc)) {
    const path = renderConfigPath(f.path);
    if (!schemaPaths.has(path)) errors.push({ path, message: f.message });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: deepFreeze(doc as unknown as Config) };
}

/** Parse YAML or JSON text (JSON is YAML) and validate it. */
export function configFromText(text: string): ConfigResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '(file)', message: `not valid YAML or JSON: ${(err as Error).message}` }] };
  }
  return configFromObject(doc);
}

export function defaultConfig(): Config {
  const r = configFromObject({});
  if (!r.ok) throw new Error('built-in defaults do not validate');
  return r.config;
}

export async function loadConfigFile(path: string | undefined): Promise<ConfigResult> {
  if (path === undefined) return configFromObject({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ path: '(file)', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  return configFromText(text);
}

export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return ['invalid configuration:', ...errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n');
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
