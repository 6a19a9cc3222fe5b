/**
 * Turns untrusted configuration text into a frozen Config, or a list of every
 * problem with its path. Validation happens once, at boot; nothing else in the
 * program reads the file or the environment for settings.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { parseCidr } from '../policy/cidr.js';

export interface ConfigError {
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: ConfigError[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validate = ajv.compile(configSchema);

function pointerToPath(instancePath: string): string {
  if (instancePath === '') return '(root)';
  return instancePath
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === '' ? seg : `${acc}.${seg}`), '');
}

function describe(e: ErrorObject): ConfigError {
  let path = pointerToPath(e.instancePath);
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path = path === '(root)' ? extra : `${path}.${extra}`;
    message = 'is not a known setting';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path, message };
}

/** Validate an already-parsed document; fills defaults. */
export function configFromObject(input: unknown): ConfigResult {
  const doc: unknown = input === null || input === undefined ? {} : structuredClone(input);
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, errors: [{ path: '(root)', message: 'must be a mapping of settings' }] };
  }
  const errors: ConfigError[] = validate(doc) ? [] : (validate.errors ?? []).map(describe);
  // The checks JSON Schema cannot express run even when the schema failed, so
  // one run reports every bad field; they therefore guard their own types and
  // skip a path the schema already reported.
  const schemaPaths = new Set(errors.map((e) => e.path));
  const add = (path: string, message: string): void => {
    if (!schemaPaths.has(path)) errors.push({ path, message });
  };
  const raw = doc as Record<string, unknown>;
  if (Array.isArray(raw.protectedCIDRs)) {
    raw.protectedCIDRs.forEach((c, i) => {
      if (typeof c === 'string' && parseCidr(c) === undefined) add(`protectedCIDRs[${i}]`, `"${c}" is not a CIDR (address/prefix)`);
    });
  }
  const platformValue = typeof raw.platform === 'object' && raw.platform !== null ? (raw.platform as Record<string, unknown>).value : undefined;
  const seen = new Map<string, number>();
  (Array.isArray(raw.tenants) ? raw.tenants : []).forEach((t: unknown, i) => {
    const name = typeof t === 'object' && t !== null ? (t as Record<string, unknown>).name : undefined;
    if (typeof name !== 'string') return;
    if (name === platformValue) add(`tenants[${i}].name`, `"${name}" is the platform value; a tenant cannot use it`);
    const prev = seen.get(name);
    if (prev !== undefined) add(`tenants[${i}].name`, `duplicates tenants[${prev}]`);
    seen.set(name, i);
  });
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
