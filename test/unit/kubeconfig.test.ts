/**
 * The kubeconfig as kubectl reads it: every file of $KUBECONFIG merged, the
 * first to name a cluster, user, context or the current context winning,
 * missing files skipped; `context` picks another context (--context).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { delimiter } from 'node:path';
import { loadKubeConfig } from '../../src/kube/client.js';
import { tempDir } from './cli-support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
beforeEach(() => { delete process.env.KUBERNETES_SERVICE_HOST; });
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const first = tmp.write('first.yaml', `apiVersion: v1
kind: Config
clusters: [{name: shared, cluster: {server: "https://first.example:6443"}}]
users: [{name: admin, user: {token: first-token}}]
contexts: [{name: dev, context: {cluster: shared, user: admin, namespace: acme-web}}]
current-context: dev
`);
const second = tmp.write('second.yaml', `apiVersion: v1
kind: Config
clusters:
  - {name: shared, cluster: {server: "https://second.example:6443"}}
  - {name: prod, cluster: {server: "https://prod.example:6443"}}
users: [{name: admin, user: {token: second-token}}]
contexts: [{name: prod, context: {cluster: prod, user: admin}}]
current-context: prod
`);

describe('$KUBECONFIG with several files', () => {
  it('merges them; the first file\'s current context and entries win', () => {
    process.env.KUBECONFIG = [first, `${tmp.dir}/missing.yaml`, second].join(delimiter);
    const kc = loadKubeConfig()!;
    expect(kc.getCurrentContext()).toBe('dev');
    expect(kc.getCurrentCluster()?.server).toBe('https://first.example:6443');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['dev', 'prod']);
    expect(kc.getCurrentUser()?.token).toBe('first-token');
  });

  it('a context from a later file can be chosen', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    const kc = loadKubeConfig({ context: 'prod' })!;
    expect(kc.getCurrentContext()).toBe('prod');
    expect(kc.getCurrentCluster()?.server).toBe('https://prod.example:6443');
  });

  it('an unknown context is an error naming the ones there are', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    expect(() => loadKubeConfig({ context: 'staging' })).toThrow('context "staging" is not in the kubeconfig (it has: dev, prod)');
  });

  it('--kubeconfig takes one file, and --context applies to it', () => {
    process.env.KUBECONFIG = first;
    const kc = loadKubeConfig({ kubeconfig: second, context: 'prod' })!;
    expect(kc.getCurrentCluster()?.server).toBe('https://prod.example:6443');
  });
});
