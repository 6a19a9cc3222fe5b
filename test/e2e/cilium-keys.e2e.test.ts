// Rewritten Cilium selector keys through the real API server (issue 12 §1):
// the CRD validates only values, so the API server stores any key spelling,
// and older Cilium releases act on the rewritten key. alice (tenant acme)
// tries to open her namespace to bob's (tenant globex) with keys that do not
// look like the namespace key but are read as it; every attempt is refused
// by the webhook, and nothing is stored. The canonical spelling of a key
// inside the tenant goes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespaces, kubectl, uniqueName, WEBHOOK_DENIED } from './kube.js';

const POD_NS = 'io.kubernetes.pod.namespace';
const namespaces = new Set<string>();

afterAll(async () => {
  await deleteNamespaces(namespaces);
});

function cnp(name: string, namespace: string, peer: object): string {
  return JSON.stringify({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name, namespace },
    spec: { endpointSelector: {}, ingress: [{ fromEndpoints: [peer] }] },
  });
}

describe('rewritten Cilium selector keys', () => {
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    acme = await createNamespace('alice', 'acme', namespaces);
    globex = await createNamespace('bob', 'globex', namespaces);
  });

  it.each<[string, (globex: string) => object, string, string]>([
    // An empty source is "any": Cilium reads any:io.kubernetes.pod.namespace.
    ['an empty source', (g) => ({ matchLabels: { [`:${POD_NS}`]: g } }), `matchLabels[":${POD_NS}"]`, `"any:${POD_NS}"`],
    // Everything from "=" is dropped: Cilium reads k8s:io.kubernetes.pod.namespace.
    ['a value inside the key', (g) => ({ matchLabels: { [`k8s:${POD_NS}=x`]: g } }), `matchLabels["k8s:${POD_NS}=x"]`, `"k8s:${POD_NS}"`],
    // A dot in the source is moved onto the key.
    ['a dotted source', (g) => ({ matchExpressions: [{ key: 'k8s.io:kubernetes.pod.namespace', operator: 'In', values: [g] }] }), 'matchExpressions[0].key', `"k8s:${POD_NS}"`],
  ])('%s is refused, with the canonical spelling and the namespace it reaches', async (_name, peer, keyPath, canonical) => {
    const name = uniqueName('escape');
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: cnp(name, acme, peer(globex)) });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain(`spec.ingress[0].fromEndpoints[0].${keyPath}: Forbidden: Cilium rewrites the key`);
    expect(res.stderr).toContain(`it reads ${canonical}`);
    // What the key means is refused too: bob's namespace belongs to globex.
    expect(res.stderr).toContain(`spec.ingress[0].fromEndpoints[0]: Forbidden: names namespace "${globex}", which belongs to tenant globex`);
    const get = await kubectl('admin', ['get', 'ciliumnetworkpolicy', '-n', acme, name]);
    expect(get.stderr).toMatch(/NotFound/);
  });

  it('a $ key on a negative requirement (reserved, so not pinned to the namespace) is refused', async () => {
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: cnp(uniqueName('reserved'), acme, { matchExpressions: [{ key: '$init', operator: 'DoesNotExist' }] }) });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(WEBHOOK_DENIED);
    expect(res.stderr).toContain('spec.ingress[0].fromEndpoints[0].matchExpressions[0].key: Forbidden: Cilium rewrites the key "$init"');
    expect(res.stderr).toContain('matches endpoints of every tenant');
  });

  it('the canonical spelling within the tenant is created', async () => {
    const name = uniqueName('canonical');
    const res = await kubectl('alice', ['apply', '-f', '-'], { input: cnp(name, acme, { matchLabels: { [`k8s:${POD_NS}`]: acme } }) });
    expect(res.code, res.stderr).toBe(0);
    const get = await kubectl('alice', ['get', 'ciliumnetworkpolicy', '-n', acme, name, '-o', 'name']);
    expect(get.stdout.trim()).toBe(`ciliumnetworkpolicy.cilium.io/${name}`);
  });
});
