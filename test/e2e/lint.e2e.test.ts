// Lint through the real API server (issue 16, Lint): alice (tenant acme)
// applies policies that are allowed but likely not what she meant; kubectl
// prints each finding as `Warning:` with its code, the policy is stored, and
// a policy without such a mistake gets no warning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteNamespaces, kubectl, uniqueName } from './kube.js';

const namespaces = new Set<string>();

afterAll(async () => {
  await deleteNamespaces(namespaces);
});

function policy(name: string, namespace: string, from: object[]): string {
  return JSON.stringify({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from, ports: [{ protocol: 'TCP', port: 8080 }] }] },
  });
}

describe('lint warnings through kubectl', () => {
  let ns: string;
  beforeAll(async () => {
    ns = uniqueName('acme');
    const res = await kubectl('alice', ['create', 'namespace', ns]);
    expect(res.code, res.stderr).toBe(0);
    namespaces.add(ns);
  });

  it('a namespaceSelector and a podSelector as two items: allowed, with a Warning naming the code and the field', async () => {
    const split = [{ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } } }, { podSelector: { matchLabels: { app: 'ingress' } } }];
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: policy('split', ns, split) });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('Warning: PeerSelectorsSplit spec.ingress[0].from: [0] has only a namespaceSelector and [1] only a podSelector');
    const get = await kubectl('alice', ['get', 'networkpolicy', '-n', ns, 'split', '-o', 'name']);
    expect(get.stdout.trim()).toBe('networkpolicy.networking.k8s.io/split');
  });

  it('the same peer written as one item: no warning', async () => {
    const joined = [{ namespaceSelector: { matchLabels: { 'tenant-guard.io/tenant': 'platform' } }, podSelector: { matchLabels: { app: 'ingress' } } }];
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: policy('joined', ns, joined) });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('Warning:');
  });
});
