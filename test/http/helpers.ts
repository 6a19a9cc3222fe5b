/**
 * Shared setup for the HTTP suites: the AdmissionReview fixtures, the example
 * configuration with server overrides, a small namespace world, and the real
 * fastify app (buildApp) wired to them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Operation as PatchOperation } from 'fast-json-patch';
import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configFromObject } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { CidrGroupResolver } from '../../src/kube/cidr-group-cache.js';
import { StaticNamespaces, type NamespaceLike, type NamespaceResolver } from '../../src/kube/namespace-view.js';
import { buildApp, type ServerState } from '../../src/server/app.js';
import { buildMetrics, type Metrics } from '../../src/telemetry/metrics.js';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixtureDir = join(repo, 'test', 'fixtures', 'admission');

export interface ReviewFixture {
  apiVersion: string;
  kind: string;
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    name?: string;
    namespace?: string;
    operation: string;
    subResource?: string;
    userInfo: { username?: string; uid?: string; groups?: string[] };
    object: Record<string, unknown> | null;
    oldObject: Record<string, unknown> | null;
    dryRun?: boolean;
    options?: Record<string, unknown>;
    [key: string]: unknown;
  };
}

export interface ReviewResponse {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: {
      code: number;
      reason?: string;
      message: string;
      details?: { group?: string; kind?: string; name?: string; causes: { reason: string; field: string; message: string }[] };
    };
    patchType?: string;
    patch?: string;
    warnings?: string[];
  };
}

/** The raw text of a fixture, exactly as it is sent. */
export function fixtureText(name: string): string {
  return readFileSync(join(fixtureDir, `${name}.json`), 'utf8');
}

/** A fresh parsed copy of a fixture, safe to modify. */
export function fixture(name: string): ReviewFixture {
  return JSON.parse(fixtureText(name)) as ReviewFixture;
}

export const admin = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:masters', 'system:authenticated'] };
export const alice = { username: 'alice', uid: '0b6b7d0e-2a41-4f1c-8d55-1c9e3f7a2b10', groups: ['acme-devs', 'system:authenticated'] };

/** examples/config.yaml with `server` settings overridden. */
export function makeConfig(server: Record<string, unknown> = {}): Config {
  const doc = parseYaml(readFileSync(join(repo, 'examples', 'config.yaml'), 'utf8')) as Record<string, unknown>;
  const r = configFromObject({ ...doc, server: { ...(doc.server as Record<string, unknown>), ...server } });
  if (!r.ok) throw new Error(`test config invalid: ${JSON.stringify(r.errors)}`);
  return r.config;
}

/** The namespaces the fixtures live in, as `kubectl get ns` would show them. */
export const NAMESPACES: NamespaceLike[] = [
  { metadata: { name: 'acme-web', labels: { 'kubernetes.io/metadata.name': 'acme-web', 'tenant-guard.io/tenant': 'acme' } }, status: { phase: 'Active' } },
  { metadata: { name: 'acme-api', labels: { 'kubernetes.io/metadata.name': 'acme-api', 'tenant-guard.io/tenant': 'acme' } }, status: { phase: 'Active' } },
  { metadata: { name: 'globex-db', labels: { 'kubernetes.io/metadata.name': 'globex-db', 'tenant-guard.io/tenant': 'globex' } }, status: { phase: 'Active' } },
  { metadata: { name: 'tenant-guard-system', labels: { 'kubernetes.io/metadata.name': 'tenant-guard-system', 'tenant-guard.io/tenant': 'platform' } }, status: { phase: 'Active' } },
];

export interface TestApp {
  app: FastifyInstance;
  metrics: Metrics;
  config: Config;
}

export function makeApp(opts: { config?: Config; namespaces?: NamespaceResolver; cidrGroups?: CidrGroupResolver; state?: ServerState; https?: { key: string; cert: string } } = {}): TestApp {
  const config = opts.config ?? makeConfig();
  const metrics = buildMetrics({ defaults: false });
  const app = buildApp({ config, namespaces: opts.namespaces ?? new StaticNamespaces(NAMESPACES), cidrGroups: opts.cidrGroups, metrics, state: opts.state, https: opts.https });
  return { app, metrics, config };
}

/** POST a review (an object is sent as JSON, a string as is). */
export function post(app: FastifyInstance, endpoint: string, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: endpoint,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function reviewOf(res: LightMyRequestResponse): ReviewResponse {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json<ReviewResponse>();
}

/** The response's JSON patch, decoded from base64. */
export function decodePatch(body: ReviewResponse): PatchOperation[] {
  expect(body.response.patchType).toBe('JSONPatch');
  expect(typeof body.response.patch).toBe('string');
  return JSON.parse(Buffer.from(body.response.patch!, 'base64').toString('utf8')) as PatchOperation[];
}
