/**
 * The only module that builds a KubeConfig. Order: an explicit file, then the
 * in-cluster service account, then $KUBECONFIG / ~/.kube/config. No
 * configuration at all is not an error here: callers decide what runs
 * without a cluster.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeSource {
  kubeconfig?: string | undefined;
}

export function loadKubeConfig(src: KubeSource = {}): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (src.kubeconfig !== undefined) {
    kc.loadFromFile(src.kubeconfig);
    return kc;
  }
  if (process.env.KUBERNETES_SERVICE_HOST !== undefined && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
    kc.loadFromCluster();
    return kc;
  }
  const envFile = process.env.KUBECONFIG?.split(':').find((f) => f !== '' && existsSync(f));
  if (envFile !== undefined) {
    kc.loadFromFile(envFile);
    return kc;
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) {
    kc.loadFromFile(home);
    return kc;
  }
  return undefined;
}

/** HTTP status of a client-node error, if it carries one. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
    for (const c of [e.code, e.statusCode, e.response?.statusCode]) if (typeof c === 'number') return c;
  }
  return undefined;
}
