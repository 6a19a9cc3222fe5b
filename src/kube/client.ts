/**
 * The only module that builds a KubeConfig, and the one client of a process.
 * Order: an explicit file, then the in-cluster service account, then
 * $KUBECONFIG / ~/.kube/config. No configuration at all is not an error
 * here: callers decide what runs without a cluster.
 *
 * connectKube() builds the process's one KubeRest (client-node's
 * authentication and transport, plain JSON, one connection pool, one token
 * bucket, one request counter); everything that talks to the API server
 * receives it.
 *
 * $KUBECONFIG is read as kubectl reads it: every listed file that exists,
 * merged, the first file to name a cluster, user or context (or the current
 * context) winning; a `context` picks another context, as `--context` does.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { buildKubeMetrics, observeRequests } from './metrics.js';
import { TokenBucket } from './rate-limit.js';
import { KubeRest } from './rest.js';

export interface KubeSource {
  kubeconfig?: string | undefined;
  /** A context of the kubeconfig other than its current one. */
  context?: string | undefined;
}

/** kubectl's merge of several kubeconfig files: first one wins, name by name. */
function mergeFiles(files: readonly string[]): KubeConfig {
  const configs = files.map((f) => {
    const kc = new KubeConfig();
    kc.loadFromFile(f);
    return kc;
  });
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: firstByName(configs.map((c) => c.clusters ?? [])),
    users: firstByName(configs.map((c) => c.users ?? [])),
    contexts: firstByName(configs.map((c) => c.contexts ?? [])),
    currentContext: configs.map((c) => c.currentContext).find((c) => c !== undefined && c !== '') ?? '',
  });
  return merged;
}

function withContext(kc: KubeConfig, context: string | undefined): KubeConfig {
  if (context === undefined) return kc;
  if (kc.getContextObject(context) === null) {
    throw new Error(`context "${context}" is not in the kubeconfig (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
  }
  kc.setCurrentContext(context);
  return kc;
}

export function loadKubeConfig(src: KubeSource = {}): KubeConfig | undefined {
  if (src.kubeconfig !== undefined) {
    const kc = new KubeConfig();
    kc.loadFromFile(src.kubeconfig);
    return withContext(kc, src.context);
  }
  // A context names a kubeconfig entry: in-cluster credentials have none to pick from.
  if (src.context === undefined && process.env.KUBERNETES_SERVICE_HOST !== undefined && existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
    const kc = new KubeConfig();
    kc.loadFromCluster();
    return kc;
  }
  const envFiles = (process.env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '' && existsSync(f));
  if (envFiles.length > 0) return withContext(mergeFiles(envFiles), src.context);
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) {
    const kc = new KubeConfig();
    kc.loadFromFile(home);
    return withContext(kc, src.context);
  }
  return undefined;
}

export interface Kube {
  rest: KubeRest;
  /** The loaded configuration, for the caches that still run on client-node's informer (CiliumCIDRGroups). */
  kc: KubeConfig;
  /** The namespace of the kubeconfig's current context (in a pod: its own), if any. */
  namespace: string | undefined;
}

export interface KubeClientOptions {
  /** Sustained requests per second and burst of the client-side token bucket. */
  qps: number;
  burst: number;
  /** Where API requests are counted. */
  registry?: Registry | undefined;
}

/** The process's one client on a loaded KubeConfig. */
export function connectKube(kc: KubeConfig, opts: KubeClientOptions): Kube {
  const observe = opts.registry !== undefined ? observeRequests(buildKubeMetrics(opts.registry)) : undefined;
  const rest = new KubeRest(kc, { limiter: new TokenBucket(opts.qps, opts.burst), observe });
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return { rest, kc, namespace: namespace !== undefined && namespace !== '' ? namespace : undefined };
}
