/**
 * The declaration itself: every optional setting has a default (so the
 * loaded type, which has them all, is true), and the selector pattern the
 * schema checks accepts exactly what the controller parses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSelector } from '../kube/selector.js';
import { policySettingsSchema } from '../policy/settings.js';
import { configFromObject } from './load.js';
import { configSchema, policySettingsOf, SELECTOR_PATTERN } from './schema.js';

interface Node {
  type?: string;
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  default?: unknown;
}

function optionalsWithoutDefault(node: Node, path: string): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = path === '' ? key : `${path}.${key}`;
    if (!(node.required ?? []).includes(key) && !('default' in child)) out.push(p);
    out.push(...optionalsWithoutDefault(child, p));
  }
  if (node.items !== undefined) out.push(...optionalsWithoutDefault(node.items, `${path}[]`));
  return out;
}

describe('the configuration schema', () => {
  it('gives every optional setting a default', () => {
    expect(optionalsWithoutDefault(configSchema as Node, '')).toEqual([]);
  });

  it('refuses unknown keys in every section', () => {
    const open: string[] = [];
    const walk = (node: Node, path: string) => {
      if (node.properties !== undefined && (node as { additionalProperties?: unknown }).additionalProperties !== false) open.push(path);
      for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${k}`);
      if (node.items !== undefined) walk(node.items, `${path}[]`);
    };
    walk(configSchema, '');
    expect(open).toEqual([]);
  });
});

describe('controller.namespaceSelector pattern', () => {
  const pattern = new RegExp(SELECTOR_PATTERN, 'u');
  const piece = fc.constantFrom('a', 'b', 'example.com/team', 'x_y', '=', '==', '!=', '!', ',', ' ', '(', ')', 'in', '-', '.', '', 'A9');
  const texts = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));

  it('accepts only what the controller can parse', () => {
    fc.assert(fc.property(texts, (t) => {
      if (pattern.test(t)) expect(parseSelector(t).ok, t).toBe(true);
    }), { numRuns: 3000 });
  });

  it('accepts what the controller parses, for texts without unusual whitespace', () => {
    fc.assert(fc.property(texts, (t) => {
      if (parseSelector(t).ok) expect(pattern.test(t), t).toBe(true);
    }), { numRuns: 3000 });
  });
});

describe('policySettingsOf: the engine gets its own settings and nothing else', () => {
  const loaded = configFromObject({ tenants: [{ name: 'acme', groups: ['acme-devs'] }], namespacePrefix: true, controller: { port: 9000 } });
  if (!loaded.ok) throw new Error('the example configuration is valid');
  const slice = policySettingsOf(loaded.config);

  it('exactly the keys the engine declares, with the loaded values', () => {
    expect(Object.keys(slice).sort()).toEqual(Object.keys(policySettingsSchema.properties).sort());
    for (const key of Object.keys(policySettingsSchema.properties)) expect(slice[key as keyof typeof slice]).toBe(loaded.config[key as keyof typeof loaded.config]);
    expect(slice.namespacePrefix).toBe(true);
    expect(Object.isFrozen(slice)).toBe(true);
  });

  it('no setting of the server, controller, baseline or certificates', () => {
    for (const key of ['server', 'controller', 'baseline', 'tls']) expect(slice).not.toHaveProperty(key);
  });
});
