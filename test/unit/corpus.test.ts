/**
 * Real, public network-policy manifests (shared/corpus/, beside the repository;
 * TG_SHARED_DIR overrides the shared folder) through review(), as alice (group
 * acme-devs, tenant acme) in namespace acme-web. Every document must be judged
 * without throwing and yield a well-formed verdict; the recipes must yield the
 * verdicts in recipes-expected.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { configFromObject } from '../../src/config/load.js';
import { policySettingsOf } from '../../src/config/schema.js';
import { review } from '../../src/policy/review.js';
import { splitApiVersion } from '../../src/policy/kinds.js';
import type { NamespaceLookup, NamespaceView, ReviewInput, Verdict } from '../../src/policy/types.js';
import { expectWellFormed } from './fixtures.js';
import { RECIPE_VERDICTS } from './recipes-expected.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sharedDir = process.env.TG_SHARED_DIR !== undefined && process.env.TG_SHARED_DIR !== ''
  ? path.resolve(process.env.TG_SHARED_DIR)
  : path.resolve(repoRoot, '..', 'shared');
const corpusDir = path.join(sharedDir, 'corpus');
const recipesDir = path.join(corpusDir, 'recipes');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry) ? [full] : [];
  });
}

const files = yamlFiles(corpusDir);

const configResult = configFromObject({ tenants: [{ name: 'acme', groups: ['acme-devs'] }] });
if (!configResult.ok) throw new Error(`corpus config invalid: ${JSON.stringify(configResult.errors)}`);
const config = configResult.config;

const ACME_WEB: NamespaceLookup = { state: 'found', labels: { 'tenant-guard.io/tenant': 'acme', 'kubernetes.io/metadata.name': 'acme-web' } };
/** acme-web exists and belongs to acme; nothing else exists (configured platform namespaces are known by name). */
const view: NamespaceView = { lookup: (name) => (name === 'acme-web' ? ACME_WEB : { state: 'absent' }) };

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The AdmissionReview the API server would send for `kubectl apply -n acme-web -f` of this document. */
function inputFor(doc: unknown): ReviewInput {
  const obj = asRecord(doc);
  const { group, version } = splitApiVersion(obj?.apiVersion);
  const kind = typeof obj?.kind === 'string' ? obj.kind : '';
  const name = asRecord(obj?.metadata)?.name;
  return {
    kind: { group, version, kind },
    operation: 'CREATE',
    namespace: group === '' && kind === 'Namespace' ? undefined : 'acme-web',
    name: typeof name === 'string' ? name : undefined,
    object: doc,
    requester: { username: 'alice', groups: ['acme-devs'] },
    namespaces: view,
    settings: policySettingsOf(config),
  };
}

/** Every document of a file; a `*List` document also contributes its items, as kubectl sends them one by one. */
function documentsOf(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: unknown[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    expect(d.errors, `${path.relative(corpusDir, file)} does not parse`).toEqual([]);
    const value: unknown = d.toJS();
    out.push(value);
    const rec = asRecord(value);
    if (typeof rec?.kind === 'string' && rec.kind.endsWith('List') && Array.isArray(rec.items)) out.push(...(rec.items as unknown[]));
  }
  return out;
}

describe('the shared corpus', () => {
  it('is present', () => {
    expect(existsSync(corpusDir), `the network-policy corpus was not found at ${corpusDir}; it lives in the shared folder beside the repository (shared/corpus), or set TG_SHARED_DIR to the shared folder`).toBe(true);
    expect(files.length, `no YAML files under ${corpusDir}`).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [path.relative(corpusDir, f), f] as const))('%s: every document is judged and the verdict is well-formed', (_rel, file) => {
    const docs = documentsOf(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      let verdict: Verdict | undefined;
      expect(() => { verdict = review(inputFor(doc)); }).not.toThrow();
      expectWellFormed(verdict!);
    }
  });
});

describe('recipes: what a tenant can apply', () => {
  const recipeFiles = yamlFiles(recipesDir).map((f) => path.basename(f));

  it('the table covers exactly the recipe files', () => {
    expect(recipeFiles.length, `no recipes under ${recipesDir}`).toBeGreaterThan(0);
    expect(RECIPE_VERDICTS.map((r) => r.file).sort()).toEqual([...recipeFiles].sort());
  });

  it.each(RECIPE_VERDICTS.map((r) => [r.file, r] as const))('%s', (file, expected) => {
    const docs = documentsOf(path.join(recipesDir, file));
    expect(docs).toHaveLength(1);
    const verdict = review(inputFor(docs[0]));
    expectWellFormed(verdict);
    expect({
      allowed: verdict.allowed,
      violations: verdict.violations.map((v) => `${v.code}@${v.path}`),
      warnings: verdict.warnings.length,
    }, expected.why).toEqual({ allowed: expected.allowed, violations: expected.violations, warnings: expected.warnings });
  });
});
