/**
 * Rollout modes through the real app: a violation in `warn` is admitted and
 * reaches the user as an AdmissionReview warning, one in `dryrun` is
 * admitted silently; each is counted by code and mode in the registry and
 * named in the decision log line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { pino } from 'pino';
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { StaticNamespaces } from '../../src/kube/namespace-view.js';
import { buildApp } from '../../src/server/app.js';
import { buildMetrics } from '../../src/telemetry/metrics.js';
import { fixture, NAMESPACES, post, repo, reviewOf } from './helpers.js';

function configWith(enforcement: Record<string, unknown>): Config {
  const doc = parseYaml(readFileSync(join(repo, 'examples', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  const r = configFromObject({ ...doc, enforcement });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

function appWith(enforcement: Record<string, unknown>) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  const metrics = buildMetrics({ defaults: false });
  const app = buildApp({ config: configWith(enforcement), namespaces: new StaticNamespaces(NAMESPACES), metrics, log: pino({ level: 'info' }, sink) });
  return { app, metrics, decisions: () => lines.filter((l) => l.msg === 'admission decision') };
}

async function counted(metrics: ReturnType<typeof buildMetrics>): Promise<Record<string, number>> {
  const m = await metrics.violations.get();
  return Object.fromEntries(m.values.map((v) => [`${v.labels.code}/${v.labels.mode}`, v.value]));
}

const CROSS_TENANT_WARNING = 'tenant-guard warn SelectorOtherTenant: spec.ingress[0].from[0].namespaceSelector: selects namespaces of tenant globex (fix: select your tenant\'s namespaces with namespaceSelector.matchLabels {"tenant-guard.io/tenant": "acme"}, platform services with matchLabels {"tenant-guard.io/tenant": "platform"}, or drop namespaceSelector to stay in this namespace; no automatic change keeps this intent: to reach another tenant, ask that tenant to expose the service through the platform, or ask the platform team)';

describe('warn', () => {
  const t = appWith({ codes: { SelectorOtherTenant: 'warn' } });
  afterAll(() => t.app.close());

  it('admits the policy and sends the violation as a warning, counted and logged as warn', async () => {
    const body = reviewOf(await post(t.app, '/validate', fixture('networkpolicy-create-cross-tenant')));
    expect(body.response.allowed).toBe(true);
    expect(body.response.status).toBeUndefined();
    expect(body.response.warnings).toEqual([CROSS_TENANT_WARNING]);
    expect(await counted(t.metrics)).toEqual({ 'SelectorOtherTenant/warn': 1 });
    const [line] = t.decisions();
    expect(line).toMatchObject({ allowed: true, violations: [], warned: ['SelectorOtherTenant'], dryrun: [] });
  });

  it('the metric is exposed under its standard name with code and mode labels', async () => {
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('# TYPE tenant_guard_admission_violations_total counter');
    expect(text).toMatch(/^tenant_guard_admission_violations_total\{code="SelectorOtherTenant",mode="warn"\} 1$/m);
  });
});

describe('dryrun', () => {
  const t = appWith({ tenants: { acme: 'dryrun' } });
  afterAll(() => t.app.close());

  it('admits silently: no warning, but counted and logged as dryrun', async () => {
    const body = reviewOf(await post(t.app, '/validate', fixture('networkpolicy-create-cross-tenant')));
    expect(body.response.allowed).toBe(true);
    expect(body.response.warnings).toBeUndefined();
    expect(await counted(t.metrics)).toEqual({ 'SelectorOtherTenant/dryrun': 1 });
    expect(t.decisions()[0]).toMatchObject({ allowed: true, violations: [], warned: [], dryrun: ['SelectorOtherTenant'] });
  });

  it('a Namespace that claims another tenant concerns that tenant too: still refused, counted as deny', async () => {
    const body = reviewOf(await post(t.app, '/mutate', fixture('namespace-create-foreign-label')));
    expect(body.response.allowed).toBe(false);
    expect((await counted(t.metrics))['NamespaceForeignTenant/deny']).toBe(1);
  });
});

describe('a Namespace in warn mode passes both webhooks', () => {
  const t = appWith({ default: 'warn' });
  afterAll(() => t.app.close());

  it('the mutating one admits without warning, the validating one warns; the violation is counted once', async () => {
    const review = fixture('namespace-create-foreign-label');
    const mutate = reviewOf(await post(t.app, '/mutate', review));
    expect(mutate.response.allowed).toBe(true);
    expect(mutate.response.warnings).toBeUndefined();
    const validate = reviewOf(await post(t.app, '/validate', review));
    expect(validate.response.allowed).toBe(true);
    expect(validate.response.warnings).toEqual(['tenant-guard warn NamespaceForeignTenant: metadata.labels["tenant-guard.io/tenant"]: "globex" is not a tenant you belong to (fix: remove the label; it will be set to "acme")']);
    expect(await counted(t.metrics)).toEqual({ 'NamespaceForeignTenant/warn': 1 });
  });
});

describe('deny (the default)', () => {
  const t = appWith({});
  afterAll(() => t.app.close());

  it('refuses, and counts the violation as deny', async () => {
    const body = reviewOf(await post(t.app, '/validate', fixture('networkpolicy-create-cross-tenant')));
    expect(body.response.allowed).toBe(false);
    expect(await counted(t.metrics)).toEqual({ 'SelectorOtherTenant/deny': 1 });
    expect(t.decisions()[0]).not.toHaveProperty('warned');
  });
});
