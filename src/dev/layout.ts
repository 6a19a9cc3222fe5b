/**
 * Where the development cluster keeps things, from the environment (the
 * variables the harness has always read), and the users it creates. Nothing
 * here has side effects.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * How to run the harness from another program (the e2e setup, the benches):
 * this Node, running the TypeScript source as `npm run cluster` does.
 */
export function clusterArgv(): string[] {
  return [process.execPath, '--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--import', join(REPO, 'scripts', 'ts-hooks.mjs'), join(REPO, 'src', 'dev', 'cluster.ts')];
}

/** The test users: who they are to the API server, and the namespace their kubeconfig defaults to. */
export const USERS = [
  { name: 'admin', groups: ['system:masters'], namespace: undefined },
  { name: 'alice', groups: ['acme-devs'], namespace: 'acme-web' },
  { name: 'bob', groups: ['globex-devs'], namespace: 'globex-web' },
  { name: 'carol', groups: ['tenant:initech'], namespace: 'initech-web' },
  { name: 'mallory', groups: [], namespace: undefined },
] as const;

/**
 * The webhook's own identity: the username and groups its ServiceAccount
 * would have in a real cluster, but a static token (no token controller here),
 * allowed only what test/cluster/manifests/webhook-rbac.yaml grants.
 */
export const WEBHOOK_USER = { name: 'system:serviceaccount:tenant-guard-system:tenant-guard', groups: ['system:serviceaccounts', 'system:serviceaccounts:tenant-guard-system'] };

export interface Layout {
  state: string;
  shared: string;
  manifests: string;
  /** Seconds to wait for each component. */
  timeoutS: number;
  /** Seconds to wait for another command on the same state folder (covers a cold build). */
  lockTimeoutS: number;
  /** Kept outside the state folder, which `down` removes. */
  lockFile: string;
  pids: string;
  logs: string;
  pki: string;
  kubeconfigs: string;
  webhookDir: string;
  envFile: string;
}

export function layoutOf(env: NodeJS.ProcessEnv): Layout {
  const state = resolve(env.TG_CLUSTER_DIR ?? join(REPO, '.cluster'));
  const positive = (v: string | undefined, fallback: number) => (v !== undefined && Number(v) > 0 ? Number(v) : fallback);
  return {
    state,
    shared: resolve(env.TG_SHARED_DIR ?? join(REPO, '..', 'shared')),
    manifests: join(REPO, 'test', 'cluster', 'manifests'),
    timeoutS: positive(env.TG_UP_TIMEOUT, 120),
    lockTimeoutS: positive(env.TG_LOCK_TIMEOUT, 1800),
    lockFile: join(env.TMPDIR ?? tmpdir(), `tenant-guard-cluster-${createHash('sha256').update(state).digest('hex').slice(0, 16)}.lock`),
    pids: join(state, 'pids'),
    logs: join(state, 'logs'),
    pki: join(state, 'pki'),
    kubeconfigs: join(state, 'kubeconfig'),
    webhookDir: join(state, 'webhook'),
    envFile: join(state, 'env'),
  };
}

export const pidFile = (l: Layout, daemon: string): string => join(l.pids, `${daemon}.pid`);
export const logFile = (l: Layout, daemon: string): string => join(l.logs, `${daemon}.log`);
export const kubeconfigOf = (l: Layout, user: string): string => join(l.kubeconfigs, user);

/** What a running cluster is: written to <state>/env by `up`, read by every later command. */
export interface ClusterEnv {
  binDir: string;
  apiUrl: string;
  apiPort: number;
  etcdPort: number;
  webhookPort: number;
  webhookKind: string;
}

/** A value as a POSIX shell word: bare when it is safe, else single-quoted (the file is `eval`ed). */
export function shellWord(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** The env file: `export NAME=value` lines, for `eval "$(npm run --silent cluster env)"` and for the tests. */
export function envFileText(l: Layout, c: ClusterEnv): string {
  const vars: [string, string][] = [
    ['TG_CLUSTER_DIR', l.state],
    ['TG_K8S_BIN_DIR', c.binDir],
    ['TG_KUBECTL', join(c.binDir, 'kubectl')],
    ['TG_APISERVER_URL', c.apiUrl],
    ['TG_APISERVER_PORT', String(c.apiPort)],
    ['TG_ETCD_PORT', String(c.etcdPort)],
    ['TG_WEBHOOK_PORT', String(c.webhookPort)],
    ['TG_WEBHOOK_URL', `https://127.0.0.1:${c.webhookPort}`],
    ['TG_WEBHOOK_KIND', c.webhookKind],
    ['TG_CA_FILE', join(l.pki, 'ca.crt')],
    ['TG_E2E_KUBECONFIG_DIR', l.kubeconfigs],
    ['TG_WEBHOOK_KUBECONFIG', kubeconfigOf(l, 'tenant-guard')],
    ['TG_WEBHOOK_USER', WEBHOOK_USER.name],
    ...USERS.map((u): [string, string] => [`KUBECONFIG_${u.name.toUpperCase()}`, kubeconfigOf(l, u.name)]),
  ];
  return ['# Written by `npm run cluster up`; load with: eval "$(npm run --silent cluster env)"', ...vars.map(([k, v]) => `export ${k}=${shellWord(v)}`), ''].join('\n');
}

/** The env file read back (values as envFileText writes them). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m === null) continue;
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return out;
}

export function clusterEnvOf(vars: Record<string, string>): ClusterEnv {
  return {
    binDir: vars.TG_K8S_BIN_DIR ?? '',
    apiUrl: vars.TG_APISERVER_URL ?? '',
    apiPort: Number(vars.TG_APISERVER_PORT),
    etcdPort: Number(vars.TG_ETCD_PORT),
    webhookPort: Number(vars.TG_WEBHOOK_PORT),
    webhookKind: vars.TG_WEBHOOK_KIND ?? 'none',
  };
}
